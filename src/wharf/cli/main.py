"""``wharf``: run the platform (``up``) and operate it (``db``, ...)."""

from __future__ import annotations

import click

from wharf import __version__
from wharf.cli.db import db_group
from wharf.cli.up import up


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wharf")
def cli() -> None:
    """Wharf — a self-hosted container platform: trusted registry, control plane over
    Docker Swarm, and cluster lifecycle."""


cli.add_command(up)
cli.add_command(db_group)


def main() -> None:
    cli()
