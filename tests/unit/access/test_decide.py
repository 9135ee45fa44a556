"""The authorization decision, on hand-built snapshots (no database)."""

from __future__ import annotations

import pytest

from wharf.access.decide import (
    AccessSnapshot,
    CollectionNode,
    GrantRef,
    Requester,
    RoleDef,
    decide,
    visible_collections,
)
from wharf.access.operations import Operation, SubOption
from wharf.access.roles import BUILTIN_ROLES

OP = Operation
SUB = SubOption

COLLECTIONS = {
    "swarm": CollectionNode("swarm", "/", None),
    "shared": CollectionNode("shared", "/Shared", "swarm"),
    "private": CollectionNode("private", "/Shared/Private", "shared"),
    "alice": CollectionNode("alice", "/Shared/Private/alice", "private"),
    "bob": CollectionNode("bob", "/Shared/Private/bob", "private"),
    "dev": CollectionNode("dev", "/Shared/dev", "shared"),
    "prod": CollectionNode("prod", "/prod", "swarm"),
    "web": CollectionNode("web", "/prod/web", "prod"),
    "system": CollectionNode("system", "/System", "swarm"),
}
ROLES = {rid: RoleDef(rid, name, perms) for rid, (name, perms) in BUILTIN_ROLES.items()}

# The worked example of the control-plane reference (§10.1).
GRANTS = [
    GrantRef("everyone", "org", "shared", "scheduler"),
    GrantRef("u-alice", "user", "alice", "restrictedcontrol"),
    GrantRef("u-bob", "user", "bob", "restrictedcontrol"),
    GrantRef("t-dev", "team", "dev", "fullcontrol"),
    GrantRef("t-ops", "team", "prod", "scheduler"),
    GrantRef("t-ops", "team", "web", "restrictedcontrol"),
    GrantRef("t-dev", "team", "prod", "viewonly"),
]


def snapshot(grants: list[GrantRef] = GRANTS) -> AccessSnapshot:
    by_collection: dict[str, list[GrantRef]] = {}
    for g in grants:
        by_collection.setdefault(g.collection_id, []).append(g)
    return AccessSnapshot(
        roles=ROLES,
        collections=COLLECTIONS,
        by_path={c.path: c.id for c in COLLECTIONS.values()},
        grants_by_collection={k: tuple(v) for k, v in by_collection.items()},
    )


ALICE = Requester("u-alice", "alice", False, True, frozenset({"u-alice", "t-dev", "everyone"}))
BOB = Requester("u-bob", "bob", False, True, frozenset({"u-bob", "t-ops", "everyone"}))
CAROL = Requester("u-carol", "carol", True, True, frozenset({"u-carol", "everyone"}))


def allowed(who: Requester, op: Operation, collection: str, *subs: SubOption) -> bool:
    return decide(who, op, frozenset(subs), collection, snapshot()).allowed


def test_worked_example() -> None:
    # 1: alice runs a container in her private collection and may schedule on /Shared
    assert allowed(ALICE, OP.CONTAINER_CREATE, "alice", SUB.BRIDGE_NETWORKING)
    assert allowed(ALICE, OP.NODE_SCHEDULE, "shared")
    assert not allowed(ALICE, OP.NODE_SCHEDULE, "prod")
    # 2: but not with a host bind mount
    assert not allowed(ALICE, OP.CONTAINER_CREATE, "alice", SUB.HOST_BIND_MOUNTS)
    # 3: Full Control on /Shared/dev gives her secrets there
    assert allowed(ALICE, OP.SECRET_USE, "dev")
    assert allowed(ALICE, OP.SERVICE_CREATE, "dev", SUB.HOST_BIND_MOUNTS)
    # 4: she sees /prod/web through View Only on /prod, never bob's private things
    assert allowed(ALICE, OP.CONTAINER_VIEW, "web")
    assert not allowed(ALICE, OP.CONTAINER_VIEW, "bob")
    # 5: visible is not executable
    assert not allowed(ALICE, OP.CONTAINER_EXEC, "web")
    # 6: bob creates services in /prod/web and schedules on /prod
    assert allowed(BOB, OP.SERVICE_CREATE, "web")
    assert allowed(BOB, OP.NODE_SCHEDULE, "prod")
    # 7: not with a bind mount
    assert not allowed(BOB, OP.SERVICE_UPDATE, "web", SUB.HOST_BIND_MOUNTS)
    # 8: Scheduler has no Node Update
    assert not allowed(BOB, OP.NODE_UPDATE, "prod")
    # 10: admins bypass grants
    assert allowed(CAROL, OP.NODE_UPDATE, "system")


def test_grants_reach_down_but_not_up() -> None:
    assert allowed(BOB, OP.SERVICE_CREATE, "web")
    assert not allowed(BOB, OP.SERVICE_CREATE, "prod")


def test_inactive_users_are_refused_even_admins() -> None:
    inactive_admin = Requester("u-x", "x", True, False, frozenset({"u-x"}))
    decision = decide(inactive_admin, OP.NODE_VIEW, frozenset(), "swarm", snapshot())
    assert not decision.allowed
    assert "inactive" in decision.reason


def test_sub_options_add_up_across_grants() -> None:
    bind_only = RoleDef("bind", "bind", {OP.CONTAINER_CREATE: frozenset({SUB.HOST_BIND_MOUNTS})})
    priv_only = RoleDef("priv", "priv", {OP.CONTAINER_CREATE: frozenset({SUB.PRIVILEGED})})
    snap = snapshot(
        [GrantRef("u-alice", "user", "shared", "bind"), GrantRef("t-dev", "team", "alice", "priv")]
    )
    snap = AccessSnapshot(
        {**ROLES, "bind": bind_only, "priv": priv_only},
        snap.collections,
        snap.by_path,
        snap.grants_by_collection,
    )
    both = frozenset({SUB.HOST_BIND_MOUNTS, SUB.PRIVILEGED})
    decision = decide(ALICE, OP.CONTAINER_CREATE, both, "alice", snap)
    assert decision.allowed
    assert {g.role_id for g in decision.grants} == {"bind", "priv"}
    assert not decide(ALICE, OP.CONTAINER_CREATE, both, "shared", snap).allowed


def test_a_refusal_names_what_is_missing() -> None:
    decision = decide(
        ALICE,
        OP.CONTAINER_CREATE,
        frozenset({SUB.HOST_BIND_MOUNTS, SUB.PRIVILEGED}),
        "alice",
        snapshot(),
    )
    assert not decision.allowed
    assert decision.missing == (SUB.HOST_BIND_MOUNTS, SUB.PRIVILEGED)
    assert decision.message == (
        "access denied: Container Create [Host Bind Mounts, Privileged] on /Shared/Private/alice"
    )
    assert [g.role_id for g in decision.grants] == ["restrictedcontrol"]
    nothing = decide(BOB, OP.CONTAINER_VIEW, frozenset(), "alice", snapshot())
    assert nothing.message == "access denied: Container View on /Shared/Private/alice"
    assert nothing.grants == ()


def test_justification_lists_every_contributing_grant() -> None:
    decision = decide(ALICE, OP.NODE_VIEW, frozenset(), "dev", snapshot())
    assert decision.allowed
    assert {(g.subject_id, g.role_id) for g in decision.grants} == {
        ("t-dev", "fullcontrol"),
        ("everyone", "scheduler"),
    }


def test_unknown_collection_is_refused() -> None:
    assert not decide(ALICE, OP.CONTAINER_VIEW, frozenset(), "nope", snapshot()).allowed


def test_the_none_role_gives_nothing_and_shows_nothing() -> None:
    snap = snapshot([GrantRef("u-alice", "user", "prod", "none")])
    assert not decide(ALICE, OP.CONTAINER_VIEW, frozenset(), "prod", snap).allowed
    assert visible_collections(ALICE, snap) == set()


def test_visible_collections() -> None:
    assert visible_collections(ALICE, snapshot()) == {
        "shared",
        "private",
        "alice",
        "bob",
        "dev",
        "prod",
        "web",
    }
    assert visible_collections(CAROL, snapshot()) == set(COLLECTIONS)


@pytest.mark.parametrize(
    ("role", "op", "subs", "expected"),
    [
        ("viewonly", OP.SERVICE_VIEW, (), True),
        ("viewonly", OP.SERVICE_CREATE, (), False),
        ("viewonly", OP.SECRET_USE, (), False),
        ("restrictedcontrol", OP.CONTAINER_EXEC, (), False),
        ("restrictedcontrol", OP.CONTAINER_CREATE, (SUB.PRIVILEGED,), False),
        ("restrictedcontrol", OP.CONTAINER_CREATE, (SUB.KERNEL_CAPABILITIES,), False),
        ("restrictedcontrol", OP.CONTAINER_CREATE, (SUB.PID_MODE,), False),
        ("restrictedcontrol", OP.CONTAINER_CREATE, (SUB.HOST_NETWORKING,), False),
        ("restrictedcontrol", OP.VOLUME_CREATE, (SUB.LOCAL_DRIVER_OPTIONS,), False),
        ("restrictedcontrol", OP.VOLUME_CREATE, (), True),
        ("restrictedcontrol", OP.NODE_UPDATE, (), False),
        ("restrictedcontrol", OP.NODE_SCHEDULE, (), True),
        ("restrictedcontrol", OP.IMAGE_REMOVE, (SUB.FORCE_REMOVE,), False),
        ("restrictedcontrol", OP.NETWORK_CREATE, (SUB.ATTACHABLE,), True),
        ("scheduler", OP.NODE_SCHEDULE, (), True),
        ("scheduler", OP.CONTAINER_VIEW, (), False),
        ("fullcontrol", OP.CONTAINER_CREATE, tuple(SUB)[:8], True),
        ("fullcontrol", OP.NODE_UPDATE, (), True),
        ("none", OP.NODE_VIEW, (), False),
    ],
)
def test_builtin_role_matrix(
    role: str, op: Operation, subs: tuple[SubOption, ...], expected: bool
) -> None:
    who = Requester("u", "u", False, True, frozenset({"u"}))
    snap = snapshot([GrantRef("u", "user", "swarm", role)])
    assert decide(who, op, frozenset(subs), "shared", snap).allowed is expected
