"""``wharf login``, ``logout``, ``whoami``: the credential store and the failure modes
every command shares (not logged in, expired session, unreachable server)."""

from __future__ import annotations

import json
import stat

from tests.common.procs import free_port
from tests.unit.cli.conftest import Wharf


def mode(path: object) -> int:
    from pathlib import Path

    return stat.S_IMODE(Path(str(path)).stat().st_mode)


def test_login_stores_a_private_file_and_whoami_uses_it(anonymous: Wharf) -> None:
    out = anonymous.login(*anonymous.server.admin)
    assert f"Logged in to {anonymous.server.url} as admin" in out

    stored = json.loads(anonymous.config.read_text())
    assert stored["url"] == anonymous.server.url
    assert stored["username"] == "admin"
    assert stored["token"]
    assert mode(anonymous.config) == 0o600
    assert mode(anonymous.config.parent) == 0o700
    assert not [p for p in anonymous.config.parent.iterdir() if p.name.endswith(".tmp")]

    table = anonymous.ok("whoami")
    assert "admin" in table and anonymous.server.url in table
    me = json.loads(anonymous.ok("whoami", "--json"))
    assert me["name"] == "admin" and me["isAdmin"] is True


def test_login_with_a_wrong_password_fails_clearly(anonymous: Wharf) -> None:
    result = anonymous(
        "login", anonymous.server.url, "-u", "admin", "--password-stdin", input="nope\n"
    )
    assert result.exit_code == 1
    assert "wrong username or password" in result.stderr
    assert result.stdout == ""
    assert not anonymous.config.exists()


def test_login_prompts_for_the_password(anonymous: Wharf) -> None:
    user, password = anonymous.server.admin
    result = anonymous("login", anonymous.server.url, "-u", user, input=password + "\n")
    assert result.exit_code == 0, result.stderr
    assert password not in result.output  # hidden input is not echoed
    assert anonymous.config.exists()


def test_logout_ends_the_session_and_forgets_it(anonymous: Wharf) -> None:
    anonymous.login(*anonymous.server.admin)
    token = json.loads(anonymous.config.read_text())["token"]

    assert "Logged out" in anonymous.ok("logout")
    assert not anonymous.config.exists()
    # The session is over on the server too: the old token no longer works.
    stale = anonymous("whoami", "--server", anonymous.server.url, env={"WHARF_TOKEN": token})
    assert stale.exit_code == 1
    assert "not logged in or session expired: run wharf login" in stale.stderr
    assert "Not logged in" in anonymous.ok("logout")


def test_commands_without_a_session_say_to_log_in(anonymous: Wharf) -> None:
    result = anonymous("user", "ls")
    assert result.exit_code == 1
    assert "run wharf login" in result.stderr

    result = anonymous("user", "ls", "--server", anonymous.server.url)
    assert result.exit_code == 1
    assert "not logged in or session expired: run wharf login" in result.stderr


def test_an_expired_session_says_to_log_in_again(anonymous: Wharf) -> None:
    anonymous.config.parent.mkdir(parents=True)
    anonymous.config.write_text(
        json.dumps({"url": anonymous.server.url, "username": "admin", "token": "expired"})
    )
    result = anonymous("org", "ls")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: not logged in or session expired: run wharf login"


def test_an_unreachable_server_is_named(anonymous: Wharf) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = anonymous("user", "ls", "--server", url)
    assert result.exit_code == 1
    assert f"cannot connect to Wharf at {url}" in result.stderr

    result = anonymous("login", url, "-u", "admin", "--password-stdin", input="pw")
    assert result.exit_code == 1
    assert url in result.stderr


def test_an_access_token_in_the_environment_is_used(admin: Wharf, anonymous: Wharf) -> None:
    created = json.loads(admin.ok("user", "token", "create", "--label", "cli-test", "--json"))
    assert created["token"] and created["label"] == "cli-test"

    me = anonymous(
        "whoami", "--json", "--server", admin.server.url, env={"WHARF_TOKEN": created["token"]}
    )
    assert me.exit_code == 0, me.stderr
    assert json.loads(me.stdout)["name"] == "admin"

    listed = json.loads(admin.ok("user", "token", "ls", "--json"))
    assert created["id"] in [t["id"] for t in listed]
    assert "token" not in listed[0]  # the secret is shown once, at creation
    assert "cli-test" in admin.ok("user", "token", "ls")

    admin.ok("user", "token", "rm", created["id"])
    assert created["id"] not in [
        t["id"] for t in json.loads(admin.ok("user", "token", "ls", "--json"))
    ]
    revoked = anonymous(
        "whoami", "--server", admin.server.url, env={"WHARF_TOKEN": created["token"]}
    )
    assert revoked.exit_code == 1


def test_token_create_prints_only_the_token_on_stdout(admin: Wharf) -> None:
    result = admin("user", "token", "create", "--label", "plain")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().startswith("wharf_")
    assert len(result.stdout.strip().splitlines()) == 1
    assert "shown once" in result.stderr
