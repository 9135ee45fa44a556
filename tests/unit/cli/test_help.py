"""Every command explains itself, with examples."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from wharf.cli.main import cli

OPERATOR_GROUPS = ("user", "org", "team", "repo", "role", "collection", "grant")


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found += commands(command, path)
    return found


ALL = [c for c in commands(cli) if c[0] in (*OPERATOR_GROUPS, "login", "logout", "whoami")]


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    if not isinstance(command, click.Group):
        assert "Example" in result.output, f"wharf {' '.join(path)} --help has no example"


def test_the_tree_is_complete() -> None:
    names = {" ".join(c) for c in ALL}
    for expected in (
        "login", "logout", "whoami",
        "user ls", "user create", "user show", "user update", "user rm",
        "user token create", "user token ls", "user token rm",
        "org ls", "org create", "org show", "org rm",
        "org member add", "org member rm", "org member ls",
        "team ls", "team create", "team show", "team rm",
        "team member add", "team member rm", "team member ls",
        "repo ls", "repo create", "repo show", "repo update", "repo rm", "repo tags",
        "repo access ls", "repo access set", "repo access rm",
        "role ls", "role show", "role create", "role rm",
        "collection ls", "collection show", "collection create", "collection children",
        "collection rm",
        "grant ls", "grant add", "grant rm", "grant explain",
    ):  # fmt: skip
        assert expected in names
