"""``wharf user``, ``org``, ``team`` and ``repo`` against a running server."""

from __future__ import annotations

import json

import pytest

from tests.unit.cli.conftest import Wharf


def test_user_lifecycle(admin: Wharf, anonymous: Wharf) -> None:
    out = admin.ok(
        "user",
        "create",
        "carol",
        "--full-name",
        "Carol [C]",
        "--password-stdin",
        input="carol-password-1\n",
    )
    assert "Created user carol" in out

    users = json.loads(admin.ok("user", "ls", "--json"))
    assert {"admin", "carol"} <= {u["name"] for u in users}
    assert all(not u["isOrg"] for u in users)
    table = admin.ok("user", "ls")
    assert "NAME" in table and "Carol [C]" in table  # plain text, not rich markup

    shown = json.loads(admin.ok("user", "show", "carol", "--json"))
    assert shown["fullName"] == "Carol [C]" and shown["isAdmin"] is False

    admin.ok("user", "update", "carol", "--full-name", "Carol C.", "--admin")
    shown = json.loads(admin.ok("user", "show", "carol", "--json"))
    assert (shown["fullName"], shown["isAdmin"]) == ("Carol C.", True)
    assert [
        u["name"] for u in json.loads(admin.ok("user", "ls", "--filter", "admins", "--json"))
    ].count("carol") == 1

    # The new user can log in, and sees their own account.
    anonymous.login("carol", "carol-password-1")
    assert json.loads(anonymous.ok("whoami", "--json"))["name"] == "carol"

    admin.ok("user", "update", "carol", "--no-admin", "--inactive")
    assert json.loads(admin.ok("user", "show", "carol", "--json"))["isActive"] is False
    # Deactivation ended carol's session.
    assert anonymous("whoami").exit_code == 1

    admin.ok("user", "update", "carol", "--active", "--password-stdin", input="carol-password-2\n")
    anonymous.login("carol", "carol-password-2")

    assert "Deleted user carol" in admin.ok("user", "rm", "carol")
    assert "carol" not in {u["name"] for u in json.loads(admin.ok("user", "ls", "--json"))}


def test_unknown_user_is_an_api_error(admin: Wharf) -> None:
    result = admin("user", "show", "ghost")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no account 'ghost'" in result.stderr

    result = admin("user", "show", "ghost", "--json")
    assert result.exit_code == 1 and result.stdout == ""


def test_api_errors_carry_the_servers_message(admin: Wharf) -> None:
    admin.ok("user", "create", "dave", "--password-stdin", input="dave-password-1")
    result = admin("user", "create", "dave", "--password-stdin", input="dave-password-1")
    assert result.exit_code == 1
    assert "dave" in result.stderr and "Error:" in result.stderr


def test_usage_errors_exit_2(admin: Wharf) -> None:
    assert admin("user", "update", "admin").exit_code == 2
    assert admin("repo", "show", "no-slash").exit_code == 2
    assert admin("repo", "access", "set", "a/b", "team", "everything").exit_code == 2
    assert admin("role", "create", "empty").exit_code == 2
    assert admin("user", "ls", "--limit", "0").exit_code == 2


def test_user_and_org_commands_do_not_mix(admin: Wharf) -> None:
    admin.ok("org", "create", "mixed")
    result = admin("user", "show", "mixed")
    assert result.exit_code == 1 and "is an organization" in result.stderr
    assert admin("user", "rm", "mixed").exit_code == 1
    assert admin("org", "show", "admin").exit_code == 1
    admin.ok("org", "rm", "mixed")


def test_lists_fetch_every_page_or_stop_at_the_limit(
    admin: Wharf, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("page-a", "page-b", "page-c"):
        admin.ok("user", "create", name, "--password-stdin", input="page-password-1")
    monkeypatch.setattr("wharf.cli.client.MAX_PAGE", 2)  # force several pages
    names = [u["name"] for u in json.loads(admin.ok("user", "ls", "--contains", "page-", "--json"))]
    assert names == ["page-a", "page-b", "page-c"]
    limited = json.loads(admin.ok("user", "ls", "--contains", "page-", "--limit", "1", "--json"))
    assert [u["name"] for u in limited] == ["page-a"]


def test_organizations_teams_and_repositories(admin: Wharf) -> None:
    admin.ok("user", "create", "erin", "--password-stdin", input="erin-password-1")
    admin.ok("user", "create", "frank", "--password-stdin", input="frank-password-1")

    assert "Created organization globex" in admin.ok(
        "org", "create", "globex", "--full-name", "Globex"
    )
    assert "globex" in {o["name"] for o in json.loads(admin.ok("org", "ls", "--json"))}
    assert json.loads(admin.ok("org", "show", "globex", "--json"))["isOrg"] is True

    admin.ok("org", "member", "add", "globex", "erin", "--owner")
    members = json.loads(admin.ok("org", "member", "ls", "globex", "--json"))
    assert {m["member"]["name"]: m["isAdmin"] for m in members}["erin"] is True

    admin.ok("team", "create", "globex", "devs", "--description", "Developers")
    assert [t["name"] for t in json.loads(admin.ok("team", "ls", "globex", "--json"))] == ["devs"]
    assert (
        json.loads(admin.ok("team", "show", "globex", "devs", "--json"))["description"]
        == "Developers"
    )
    admin.ok("team", "member", "add", "globex", "devs", "frank")
    team_members = json.loads(admin.ok("team", "member", "ls", "globex", "devs", "--json"))
    assert [m["member"]["name"] for m in team_members] == ["frank"]
    assert "frank" in admin.ok("team", "member", "ls", "globex", "devs")

    created = json.loads(
        admin.ok("repo", "create", "globex/web", "--description", "Front end", "--json")
    )
    assert (created["fullName"], created["visibility"]) == ("globex/web", "private")
    admin.ok("repo", "create", "globex/docs", "--public")
    repos = json.loads(admin.ok("repo", "ls", "globex", "--json"))
    assert [r["fullName"] for r in repos] == ["globex/docs", "globex/web"]
    assert "Front end" in admin.ok("repo", "show", "globex/web")
    admin.ok("repo", "update", "globex/web", "--public", "--description", "Web")
    shown = json.loads(admin.ok("repo", "show", "globex/web", "--json"))
    assert (shown["visibility"], shown["shortDescription"], shown["tagCount"]) == (
        "public",
        "Web",
        0,
    )
    assert json.loads(admin.ok("repo", "tags", "globex/web", "--json")) == []

    assert "read-write" in admin.ok("repo", "access", "set", "globex/web", "devs", "read-write")
    access = json.loads(admin.ok("repo", "access", "ls", "globex/web", "--json"))
    assert access == [{"team": {"name": "devs"}, "accessLevel": "read-write"}]
    admin.ok("repo", "access", "rm", "globex/web", "devs")
    assert json.loads(admin.ok("repo", "access", "ls", "globex/web", "--json")) == []
    missing_team = admin("repo", "access", "set", "globex/web", "nobody", "admin")
    assert missing_team.exit_code == 1 and "no team globex/nobody" in missing_team.stderr

    admin.ok("repo", "rm", "globex/docs")
    assert admin("repo", "show", "globex/docs").exit_code == 1

    admin.ok("team", "member", "rm", "globex", "devs", "frank")
    assert json.loads(admin.ok("team", "member", "ls", "globex", "devs", "--json")) == []
    admin.ok("team", "rm", "globex", "devs")
    admin.ok("org", "member", "rm", "globex", "erin")
    assert "erin" not in {
        m["member"]["name"] for m in json.loads(admin.ok("org", "member", "ls", "globex", "--json"))
    }
