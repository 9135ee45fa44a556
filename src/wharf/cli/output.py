"""What the operator commands print: rich tables for people, JSON for scripts.

Values are rendered as plain text (never as rich markup), so a name like ``[admin]``
prints as itself. When stdout is not a terminal, tables are not wrapped to 80 columns.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

# A column: its header and the key of the row (or a function of the row) it shows.
Column = tuple[str, str | Callable[[Mapping[str, Any]], Any]]


def console() -> Console:
    out = sys.stdout
    tty = out.isatty()
    return Console(
        file=out,
        width=None if tty else 4096,
        highlight=False,
        markup=False,
        emoji=False,
        color_system="auto" if tty else None,
    )


def _print(renderable: Table) -> None:
    """Render through rich, then drop the padding rich leaves at line ends."""
    out = console()
    with out.capture() as captured:
        out.print(renderable)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def fmt(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(fmt(v) for v in value) if value else "-"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def fmt_time(value: Any) -> str:
    """An ISO timestamp to the second, in the server's zone (``2026-11-28 03:49:17``)."""
    if not isinstance(value, str) or "T" not in value:
        return fmt(value)
    return value.replace("T", " ", 1)[:19]


def _cell(row: Mapping[str, Any], how: str | Callable[[Mapping[str, Any]], Any]) -> Text:
    value = row.get(how) if isinstance(how, str) else how(row)
    return Text(value if isinstance(value, str) and value else fmt(value))


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> None:
    """One row per item, headed by the column names."""
    out = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for header, _ in columns:
        out.add_column(header, overflow="fold")
    for row in rows:
        out.add_row(*(_cell(row, how) for _, how in columns))
    _print(out)


def details(fields: Sequence[tuple[str, Any]]) -> None:
    """One object as ``label  value`` lines."""
    out = Table.grid(padding=(0, 2))
    out.add_column(style="bold")
    out.add_column(overflow="fold")
    for label, value in fields:
        out.add_row(Text(label), Text(value if isinstance(value, str) and value else fmt(value)))
    _print(out)


def say(message: str) -> None:
    """A confirmation line for people (stdout)."""
    click.echo(message)


def warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)
