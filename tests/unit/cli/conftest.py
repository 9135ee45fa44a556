"""A real ``wharf up`` on a free port for the operator commands to talk to, and a
helper that runs ``wharf ...`` in-process (click's CliRunner) against it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.common.wharf import WharfServer, new_server
from wharf.cli.main import cli


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WharfServer]:
    wharf = new_server(tmp_path_factory.mktemp("cli-server"), "sqlite").start()
    try:
        yield wharf
    finally:
        wharf.stop()


@dataclass
class Wharf:
    """Runs the CLI with its own credentials file (``WHARF_CONFIG``)."""

    server: WharfServer
    config: Path

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str | None] | None = None,
    ) -> Result:
        full_env: dict[str, str | None] = {
            "WHARF_CONFIG": str(self.config),
            "WHARF_SERVER": None,
            "WHARF_TOKEN": None,
            **(env or {}),
        }
        return CliRunner().invoke(cli, list(args), input=input, env=full_env)

    def ok(self, *args: str, input: str | None = None) -> str:
        """Run, assert success, return stdout."""
        result = self(*args, input=input)
        assert result.exit_code == 0, (
            f"wharf {' '.join(args)} exited {result.exit_code}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}\n{result.exception!r}"
        )
        return result.stdout

    def login(self, user: str, password: str) -> str:
        return self.ok("login", self.server.url, "-u", user, "--password-stdin", input=password)


@pytest.fixture
def anonymous(server: WharfServer, tmp_path: Path) -> Wharf:
    """The CLI with no stored session (its credentials file does not exist yet)."""
    return Wharf(server, tmp_path / "config" / "wharf" / "credentials.json")


@pytest.fixture(scope="session")
def admin(server: WharfServer, tmp_path_factory: pytest.TempPathFactory) -> Wharf:
    """The CLI logged in as the administrator (once for the whole run)."""
    wharf = Wharf(server, tmp_path_factory.mktemp("admin-config") / "credentials.json")
    wharf.login(*server.admin)
    return wharf
