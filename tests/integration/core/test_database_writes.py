"""``Database.write``: prepared statements in one raw transaction, on both backends.

The push hot path records blobs and uploads through it, so what a client sees depends
on it committing all of a transaction or nothing, and on its conflict handling matching
the ORM path's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, select

from wharf.core.db import (
    Database,
    PreparedQuery,
    SessionReader,
    Writer,
    prepared_insert_or_ignore,
)
from wharf.core.migrate import upgrade
from wharf.registry.models import Blob

_INSERT_BLOB = prepared_insert_or_ignore(Blob, ["digest", "size", "created_at"])
_BLOB_SIZE = PreparedQuery(select(Blob.size).where(Blob.digest == bindparam("digest")))
_ALL_DIGESTS = PreparedQuery(select(Blob.digest).order_by(Blob.digest))
_NOW = datetime(2026, 11, 28, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "postgres":
        url = str(request.getfixturevalue("postgres"))
    else:
        url = f"sqlite:///{tmp_path}/wharf.db"
    database = Database(url)
    upgrade(database)
    yield database
    database.dispose()


def _insert(writer: Writer, digest: str, size: int) -> int:
    return writer.execute(_INSERT_BLOB, digest=digest, size=size, created_at=_NOW)


async def test_a_write_commits_every_statement(db: Database) -> None:
    def two(writer: Writer) -> list[int]:
        return [_insert(writer, "sha256:aa", 1), _insert(writer, "sha256:bb", 2)]

    assert await db.write(two) == [1, 1]
    assert db.all(_ALL_DIGESTS) == [("sha256:aa",), ("sha256:bb",)]


async def test_a_failing_write_leaves_nothing(db: Database) -> None:
    def half_then_fail(writer: Writer) -> None:
        _insert(writer, "sha256:aa", 1)
        raise RuntimeError("the client went away")

    with pytest.raises(RuntimeError):
        await db.write(half_then_fail)
    assert db.all(_ALL_DIGESTS) == []
    # The connection is usable afterwards (no transaction left open on it).
    assert await db.write(_insert, "sha256:cc", 3) == 1
    assert db.all(_ALL_DIGESTS) == [("sha256:cc",)]


async def test_insert_or_ignore_keeps_the_first_row(db: Database) -> None:
    assert await db.write(_insert, "sha256:aa", 1) == 1
    assert await db.write(_insert, "sha256:aa", 999) == 0
    assert db.one(_BLOB_SIZE, digest="sha256:aa") == (1,)


async def test_reads_inside_a_write_see_its_own_rows(db: Database) -> None:
    def insert_then_read(writer: Writer) -> tuple[object, ...] | None:
        _insert(writer, "sha256:aa", 7)
        return writer.one(_BLOB_SIZE, digest="sha256:aa")

    assert await db.write(insert_then_read) == (7,)


async def test_the_same_statements_run_in_an_orm_session(db: Database) -> None:
    def in_session(session: object) -> int:
        return _insert(SessionReader(session), "sha256:dd", 4)  # type: ignore[arg-type]

    assert await db.run(in_session) == 1
    assert db.one(_BLOB_SIZE, digest="sha256:dd") == (4,)
