"""``wharf db``: schema migrations."""

from __future__ import annotations

from pathlib import Path

import click

from wharf.cli.options import server_options, settings_from
from wharf.core import migrate
from wharf.core.db import Database


@click.group("db")
def db_group() -> None:
    """Manage the metadata database schema."""


@db_group.command("upgrade")
@server_options
def db_upgrade(data_dir: Path | None, database_url: str | None) -> None:
    """Apply every pending migration."""
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(Database(settings.resolved_database_url))
    click.echo("database schema is up to date")


@db_group.command("check")
@server_options
def db_check(data_dir: Path | None, database_url: str | None) -> None:
    """Fail if the models and the migration history disagree."""
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    migrate.upgrade(db)
    try:
        migrate.check(db)
    except Exception as exc:
        raise click.ClickException(f"models and migrations disagree: {exc}") from exc
    click.echo("models and migrations agree")
