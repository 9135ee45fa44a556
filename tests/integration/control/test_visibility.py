"""What a user sees through the control plane: lists hold only visible objects, an
invisible object answers exactly like a missing one, an admin's bundle sees everything,
and a revoked bundle or a deactivated account stops working at once — on SQLite and on
PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.common.procs import wait_for
from tests.integration.control.conftest import ACCESS_LABEL, IMAGE, ControlPlane, User, unique

pytestmark = pytest.mark.integration

KINDS = ("container", "service", "network", "secret", "config", "volume")
LIST_FORMAT = {"container": "{{.Names}}"}


def _create(
    bundle_ok: Callable[..., str], kind: str, name: str, labels: list[str], tmp: Path
) -> None:
    """Create one object of ``kind`` named ``name`` with a docker CLI (``bundle_ok``)."""
    secret_file = tmp / "payload.txt"
    secret_file.write_text("payload\n")
    if kind == "container":
        bundle_ok("run", "-d", "--name", name, "--network", "none", *labels, IMAGE, "sleep", "3600")
    elif kind == "service":
        bundle_ok(
            "service", "create", "--detach", "--name", name, *labels,
            "--no-resolve-image", IMAGE, "sleep", "3600",
        )  # fmt: skip
    elif kind == "network":
        bundle_ok("network", "create", "--driver", "overlay", *labels, name)
    elif kind in ("secret", "config"):
        bundle_ok(kind, "create", *labels, name, str(secret_file))
    elif kind == "volume":
        bundle_ok("volume", "create", *labels, name)


def _names(user: User, kind: str) -> set[str]:
    fmt = LIST_FORMAT.get(kind, "{{.Name}}")
    args = ["ps", "-a"] if kind == "container" else [kind, "ls"]
    return set(user.bundle.ok(*args, "--format", fmt).split())


def test_lists_show_only_visible_objects(plane: ControlPlane, tmp_path: Path) -> None:
    control = plane
    alice, bob = control.new_user("vis"), control.new_user("vis")
    mine = {kind: unique(f"a{kind[:3]}") for kind in KINDS}
    system = {kind: unique(f"s{kind[:3]}") for kind in KINDS}
    bobs = {kind: unique(f"b{kind[:3]}") for kind in KINDS}
    for kind in KINDS:
        _create(alice.bundle.ok, kind, mine[kind], [], tmp_path)
        _create(
            control.admin.ok, kind, system[kind], ["--label", f"{ACCESS_LABEL}=/System"], tmp_path
        )
        _create(bob.bundle.ok, kind, bobs[kind], [], tmp_path)
    assert control.collection_label("network", mine["network"]) == alice.private
    assert control.collection_label("volume", bobs["volume"]) == bob.private

    for kind in KINDS:
        seen = _names(alice, kind)
        assert mine[kind] in seen, (kind, seen)
        assert system[kind] not in seen, (kind, seen)
        assert bobs[kind] not in seen, (kind, seen)
        everything = _names_admin(control, kind)
        assert {mine[kind], system[kind], bobs[kind]} <= everything, (kind, everything)

    # The service's task container is alice's too, and only hers.
    def task_containers(service: str) -> list[str]:
        return [n for n in _names(alice, "container") if n.startswith(service + ".")]

    wait_for(lambda: bool(task_containers(mine["service"])), 60, "alice's task container")
    assert not task_containers(system["service"])
    assert [n for n in _names_admin(control, "container") if n.startswith(system["service"] + ".")]

    # Inspecting and removing an invisible object answers like a missing one.
    for kind in KINDS:
        hidden, missing = system[kind], unique(f"n{kind[:3]}")
        for verb in ("inspect", "rm"):
            rc_hidden, _, err_hidden = alice.bundle.docker(kind, verb, hidden)
            rc_missing, _, err_missing = alice.bundle.docker(kind, verb, missing)
            assert rc_hidden == rc_missing != 0, (kind, verb, err_hidden, err_missing)
            assert err_hidden.replace(hidden, "NAME") == err_missing.replace(missing, "NAME"), (
                kind, verb, err_hidden, err_missing,
            )  # fmt: skip
    # ... and a refused action on a visible object is a 403, not "not found".
    control.grant(alice.name, "/System", "viewonly")
    rc, _, err = alice.bundle.docker("secret", "rm", system["secret"])
    assert rc != 0 and "access denied: Secret Delete on /System" in err, err
    assert system["secret"] in _names(alice, "secret")
    # Nothing hidden was removed.
    for kind in KINDS:
        assert system[kind] in _names_admin(control, kind), kind


def _names_admin(control: ControlPlane, kind: str) -> set[str]:
    fmt = LIST_FORMAT.get(kind, "{{.Name}}")
    args = ["ps", "-a"] if kind == "container" else [kind, "ls"]
    return set(control.admin.ok(*args, "--format", fmt).split())


def test_revoked_bundle_fails_at_once(plane: ControlPlane) -> None:
    control = plane
    user = control.new_user("rev")
    other = control.bundle(user.name, user.password)  # a second bundle of the same user
    user.bundle.ok("ps")
    other.ok("ps")
    key = control.public_key_id(user.bundle)
    control.call("DELETE", f"/accounts/{user.name}/publicKeys/{key}", expect=204)
    rc, out, err = user.bundle.docker("ps")
    assert rc != 0, out
    assert "authentication required" in err, err
    # The client reads a well-formed refusal of its HEAD /_ping (no stray body bytes).
    assert "Unsolicited response" not in err, err
    other.ok("ps")  # only the revoked bundle stops


def test_deactivated_user_fails_at_once(plane: ControlPlane) -> None:
    control = plane
    user = control.new_user("dea")
    user.bundle.ok("service", "ls")
    control.call("PATCH", f"/accounts/{user.name}", json={"isActive": False})
    for args in (["ps"], ["service", "ls"], ["version"]):
        rc, _, err = user.bundle.docker(*args)
        assert rc != 0, args
        assert "authentication required" in err and "Unsolicited" not in err, err
    control.call("PATCH", f"/accounts/{user.name}", json={"isActive": True})
    user.bundle.ok("ps")


def test_admin_bundle_sees_system_objects(control: ControlPlane) -> None:
    nodes = control.admin.ok("node", "ls", "--format", "{{.ID}}").split()
    assert control.node_id in nodes
    info = control.admin.ok("info", "--format", "{{.Swarm.NodeID}}")
    assert info.strip() == control.node_id
    version = control.admin.ok("version", "--format", "{{.Server.Version}}")
    assert re.match(r"\d+\.\d+", version.strip())


CONTAINER_VERBS = [
    ["logs", "NAME"],
    ["stop", "NAME"],
    ["kill", "NAME"],
    ["restart", "NAME"],
    ["pause", "NAME"],
    ["top", "NAME"],
    ["port", "NAME"],
    ["diff", "NAME"],
    ["rename", "NAME", "other-name"],
    ["update", "--cpus", "1", "NAME"],
    ["wait", "NAME"],
    ["export", "NAME"],
    ["exec", "NAME", "true"],
    ["cp", "NAME:/etc/passwd", "-"],
    ["stats", "--no-stream", "NAME"],
    ["attach", "NAME"],
    ["rm", "-f", "NAME"],
]


def test_hidden_containers_answer_like_missing_ones(
    control: ControlPlane, new_user: Callable[..., User]
) -> None:
    """Every container verb: another collection's container is answered exactly as a
    container that does not exist (nothing tells the caller it is there)."""
    user: User = new_user("hid")
    hidden, missing = unique("hc"), unique("mc")
    control.admin.ok(
        "run", "-d", "--name", hidden, "--network", "none",
        "--label", f"{ACCESS_LABEL}=/System", IMAGE, "sleep", "3600",
    )  # fmt: skip
    for verb in CONTAINER_VERBS:
        answers = []
        for name in (hidden, missing):
            args = [word.replace("NAME", name) for word in verb]
            rc, _, err = user.bundle.docker(*args, timeout=30)
            answers.append((rc, err.replace(name, "NAME")))
        assert answers[0] == answers[1] and "NAME" in answers[0][1], (verb, answers)
    state = control.engine("inspect", "--format", "{{.State.Status}}", hidden).strip()
    assert state == "running"


def test_the_last_n_containers_are_the_last_n_the_user_sees(
    control: ControlPlane, new_user: Callable[..., User]
) -> None:
    """``docker ps -n N`` counts only visible containers, whether the engine narrows the
    list (one collection) or Wharf filters it (two): newer containers elsewhere do not
    use up the N."""
    alice, bob = new_user("lim"), new_user("lim")
    control.grant(alice.name, bob.private, "viewonly")  # alice sees two collections
    made = {}
    for key, path in (
        ("alice", alice.private), ("bob", bob.private), ("sys1", "/System"), ("sys2", "/System"),
    ):  # fmt: skip
        made[key] = unique(f"n{key}")
        control.admin.ok(
            "create", "--name", made[key], "--network", "none",
            "--label", f"{ACCESS_LABEL}={path}", IMAGE, "true",
        )  # fmt: skip

    def last(user: User, n: int) -> list[str]:
        return user.bundle.ok("ps", "-n", str(n), "--format", "{{.Names}}").split()

    assert last(alice, 2) == [made["bob"], made["alice"]]  # newest first
    assert last(alice, 1) == [made["bob"]]
    assert last(bob, 1) == [made["bob"]]
    assert made["alice"] not in bob.bundle.ok("ps", "-a", "--format", "{{.Names}}")
