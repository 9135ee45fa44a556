"""``wharf role``, ``collection`` and ``grant`` against a running server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.cli.conftest import Wharf


def test_roles(admin: Wharf, tmp_path: Path) -> None:
    out = admin.ok(
        "role", "create", "watcher",
        "--operation", "Container View",
        "--operation", "Container Create:Privileged, Host Bind Mounts",
    )  # fmt: skip
    assert "Created role watcher" in out
    role = json.loads(admin.ok("role", "show", "watcher", "--json"))
    assert role["operations"] == {
        "Container": {"Container Create": ["Host Bind Mounts", "Privileged"], "Container View": []}
    }
    assert "Container Create" in admin.ok("role", "show", "watcher")

    # A file as `role show --json` prints it works, and so does a bare operations map.
    (tmp_path / "role.json").write_text(json.dumps(role))
    admin.ok("role", "create", "watcher-copy", "--from-file", str(tmp_path / "role.json"))
    ops = {"Volume": {"Volume View": []}}
    admin.ok("role", "create", "volumes", "--from-file", "-", input=json.dumps(ops))
    roles = {r["name"]: r for r in json.loads(admin.ok("role", "ls", "--json"))}
    assert roles["watcher-copy"]["operations"] == role["operations"]
    assert roles["volumes"]["operations"] == ops
    assert roles["Full Control"]["system_role"] is True

    bad = admin("role", "create", "bad", "--operation", "Container Fly")
    assert bad.exit_code == 1 and "unknown operation 'Container Fly'" in bad.stderr
    builtin = admin("role", "rm", "Full Control")
    assert builtin.exit_code == 1 and "built-in" in builtin.stderr

    admin.ok("role", "rm", "watcher-copy", roles["volumes"]["id"])
    names = {r["name"] for r in json.loads(admin.ok("role", "ls", "--json"))}
    assert "watcher-copy" not in names and "volumes" not in names


def test_collections(admin: Wharf) -> None:
    created = json.loads(admin.ok("collection", "create", "qa", "--parent", "/Shared", "--json"))
    assert created["path"] == "/Shared/qa"
    assert "/Shared/qa/web" in admin.ok("collection", "create", "/Shared/qa/web")

    assert json.loads(admin.ok("collection", "show", "/Shared/qa", "--json"))["id"] == created["id"]
    assert (
        json.loads(admin.ok("collection", "show", created["id"], "--json"))["path"] == "/Shared/qa"
    )
    children = json.loads(admin.ok("collection", "children", "/Shared/qa", "--json"))
    assert [c["path"] for c in children] == ["/Shared/qa/web"]
    paths = [c["path"] for c in json.loads(admin.ok("collection", "ls", "--json"))]
    assert {"/", "/Shared", "/Shared/qa", "/Shared/qa/web"} <= set(paths)

    not_empty = admin("collection", "rm", "/Shared/qa")
    assert not_empty.exit_code == 1 and "child collection" in not_empty.stderr
    admin.ok("collection", "rm", "/Shared/qa/web", "/Shared/qa")
    missing = admin("collection", "show", "/Shared/qa")
    assert missing.exit_code == 1 and "no collection '/Shared/qa'" in missing.stderr


def test_grants_and_explain(admin: Wharf) -> None:
    admin.ok("user", "create", "gina", "--password-stdin", input="gina-password-1")
    admin.ok("org", "create", "initech")
    admin.ok("team", "create", "initech", "ops")
    admin.ok("team", "member", "add", "initech", "ops", "gina")
    admin.ok("collection", "create", "/Shared/prod")
    admin.ok("role", "create", "prod-viewer", "--operation", "Container View")

    assert "Granted prod-viewer on /Shared/prod to gina" in admin.ok(
        "grant", "add", "gina", "/Shared/prod", "prod-viewer"
    )
    admin.ok("grant", "add", "initech/ops", "/Shared/prod", "Restricted Control")

    listing = json.loads(admin.ok("grant", "ls", "--collection", "/Shared/prod", "--json"))
    subjects = {s["id"]: s["name"] for s in listing["subjects"]}
    assert sorted((subjects[g["subjectID"]], g["roleID"]) for g in listing["grants"]) == sorted(
        [("gina", json.loads(admin.ok("role", "show", "prod-viewer", "--json"))["id"]),
         ("initech/ops", "restrictedcontrol")]
    )  # fmt: skip
    table = admin.ok("grant", "ls", "--collection", "/Shared/prod")
    assert "initech/ops" in table and "Restricted Control" in table and "/Shared/prod" in table
    expanded = json.loads(admin.ok("grant", "ls", "--subject", "gina", "--expand", "--json"))
    assert "initech/ops" in {s["name"] for s in expanded["subjects"]}
    only_role = json.loads(admin.ok("grant", "ls", "--role", "prod-viewer", "--json"))
    assert len(only_role["grants"]) == 1

    allowed = json.loads(
        admin.ok("grant", "explain", "gina", "Container View", "/Shared/prod", "--json")
    )
    assert allowed["allowed"] is True
    assert {g["subjectName"] for g in allowed["grants"]} == {"gina", "initech/ops"}
    text = admin.ok("grant", "explain", "gina", "Container View", "/Shared/prod")
    assert "ALLOWED" in text and "prod-viewer" in text

    denied = admin.ok(
        "grant", "explain", "gina", "Container Create", "/Shared/prod", "--sub-option", "Privileged"
    )
    assert "DENIED" in denied and "Privileged" in denied
    elsewhere = json.loads(
        admin.ok("grant", "explain", "gina", "Container View", "/System", "--json")
    )
    assert elsewhere["allowed"] is False and elsewhere["reason"]
    bad_op = admin("grant", "explain", "gina", "Fly", "/Shared/prod")
    assert bad_op.exit_code == 1 and "unknown operation" in bad_op.stderr

    assert "Revoked" in admin.ok("grant", "rm", "gina", "/Shared/prod", "prod-viewer")
    again = admin("grant", "rm", "gina", "/Shared/prod", "prod-viewer")
    assert again.exit_code == 1 and "no grant" in again.stderr
    admin.ok("grant", "rm", "initech/ops", "/Shared/prod", "restrictedcontrol")
    assert (
        json.loads(admin.ok("grant", "ls", "--collection", "/Shared/prod", "--json"))["grants"]
        == []
    )
    admin.ok("role", "rm", "prod-viewer")
    admin.ok("collection", "rm", "/Shared/prod")


def test_grant_add_names_what_is_missing(admin: Wharf) -> None:
    result = admin("grant", "add", "nobody", "/Shared", "Full Control")
    assert result.exit_code == 1 and "nobody" in result.stderr
    result = admin("grant", "add", "admin", "/Shared/nowhere", "Full Control")
    assert result.exit_code == 1 and "no collection '/Shared/nowhere'" in result.stderr
    result = admin("grant", "add", "admin", "/Shared", "No Such Role")
    assert result.exit_code == 1 and "no role 'No Such Role'" in result.stderr


def test_non_admins_are_refused_with_the_servers_message(admin: Wharf, anonymous: Wharf) -> None:
    admin.ok("user", "create", "hank", "--password-stdin", input="hank-password-1")
    anonymous.login("hank", "hank-password-1")
    result = anonymous("collection", "create", "/Shared/hank-was-here")
    assert result.exit_code == 1
    assert "only administrators may do this" in result.stderr
