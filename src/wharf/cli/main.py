"""``wharf``: run the platform (``up``) and operate it (``db``, ...)."""

from __future__ import annotations

import click

from wharf import __version__
from wharf.cli.db import db_group
from wharf.cli.grants import grant_group
from wharf.cli.login import login, logout, whoami
from wharf.cli.orgs import org_group, team_group
from wharf.cli.repos import repo_group
from wharf.cli.roles import collection_group, role_group
from wharf.cli.up import up
from wharf.cli.users import user_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wharf")
def cli() -> None:
    """Wharf — a self-hosted container platform: trusted registry, control plane over
    Docker Swarm, and cluster lifecycle."""


cli.add_command(up)
cli.add_command(db_group)
for command in (
    login,
    logout,
    whoami,
    user_group,
    org_group,
    team_group,
    repo_group,
    role_group,
    collection_group,
    grant_group,
):
    cli.add_command(command)


def main() -> None:
    cli()
