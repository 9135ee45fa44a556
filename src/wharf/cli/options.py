"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wharf.core.config import Settings


def server_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="WHARF_DATA_DIR",
        default=None,
        help="Where state lives: SQLite database, blobs, keys. [default: ./var/wharf]",
    )(fn)
    return click.option(
        "--database-url",
        envvar="WHARF_DATABASE_URL",
        default=None,
        help="SQLAlchemy URL of the metadata database, e.g. postgresql://user:pw@host/wharf. "
        "[default: SQLite in the data directory]",
    )(fn)


def settings_from(**options: Any) -> Settings:
    return Settings.from_env().with_overrides(**options)
