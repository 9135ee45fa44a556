"""Where workloads may run: the Node Schedule walk and node labels."""

from __future__ import annotations

from wharf.access.decide import AccessSnapshot, CollectionNode, GrantRef, Requester, RoleDef
from wharf.access.roles import BUILTIN_ROLES
from wharf.control.engines import parse_node_engines
from wharf.control.scheduling import node_labels, schedulable_root
from wharf.control.settings import SchedulerSettings

COLLECTIONS = {
    "swarm": CollectionNode("swarm", "/", None),
    "system": CollectionNode("system", "/System", "swarm"),
    "shared": CollectionNode("shared", "/Shared", "swarm"),
    "private": CollectionNode("private", "/Shared/Private", "shared"),
    "alice": CollectionNode("alice", "/Shared/Private/alice", "private"),
    "prod": CollectionNode("prod", "/prod", "swarm"),
    "web": CollectionNode("web", "/prod/web", "prod"),
}
ROLES = {rid: RoleDef(rid, n, p) for rid, (n, p) in BUILTIN_ROLES.items()}


def snapshot(*grants: GrantRef) -> AccessSnapshot:
    by: dict[str, list[GrantRef]] = {}
    for g in grants:
        by.setdefault(g.collection_id, []).append(g)
    return AccessSnapshot(
        ROLES,
        COLLECTIONS,
        {c.path: c.id for c in COLLECTIONS.values()},
        {k: tuple(v) for k, v in by.items()},
    )


ALICE = Requester("a", "alice", False, True, frozenset({"a", "everyone"}))


def test_highest_ancestor_with_node_schedule() -> None:
    snap = snapshot(
        GrantRef("everyone", "org", "shared", "scheduler"),
        GrantRef("a", "user", "alice", "restrictedcontrol"),
    )
    assert schedulable_root(ALICE, "/Shared/Private/alice", snap) == "shared"
    assert schedulable_root(ALICE, "/prod/web", snap) is None
    snap = snapshot(
        GrantRef("a", "user", "prod", "scheduler"), GrantRef("a", "user", "web", "fullcontrol")
    )
    assert schedulable_root(ALICE, "/prod/web", snap) == "prod"


def test_node_labels_follow_the_collection_and_the_manager_setting() -> None:
    snap = snapshot()
    worker = {
        "Spec": {
            "Role": "worker",
            "Labels": {"keep": "me", "com.docker.ucp.collection.old": "true"},
        }
    }
    assert node_labels(worker, snap, SchedulerSettings()) == {
        "keep": "me",
        "com.docker.ucp.collection": "shared",
        "com.docker.ucp.collection.shared": "true",
        "com.docker.ucp.collection.swarm": "true",
    }
    moved = {"Spec": {"Role": "worker", "Labels": {"com.docker.ucp.access.label": "/prod"}}}
    assert "com.docker.ucp.collection.prod" in node_labels(moved, snap, SchedulerSettings())
    manager = {"Spec": {"Role": "manager", "Labels": {}}}
    closed = node_labels(manager, snap, SchedulerSettings(enable_user_ucp_scheduling=False))
    opened = node_labels(manager, snap, SchedulerSettings(enable_user_ucp_scheduling=True))
    assert "com.docker.ucp.collection.shared" not in closed
    assert closed["com.docker.ucp.collection"] == opened["com.docker.ucp.collection"] == "system"
    assert opened["com.docker.ucp.collection.shared"] == "true"


def test_parse_node_engines() -> None:
    assert parse_node_engines("m1=unix:///a.sock, w1=tcp://10.0.0.5:2375") == {
        "m1": "unix:///a.sock",
        "w1": "tcp://10.0.0.5:2375",
    }
    assert parse_node_engines("") == {}
