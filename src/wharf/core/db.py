"""The metadata database: one declarative base, one engine, one way to run a query.

SQLite (the embedded default) is queried inline on the event loop: a query on a local
file takes microseconds, less than a hop to a worker thread would cost. PostgreSQL
queries cross the network, so they run on worker threads and the loop keeps serving
other requests meanwhile. Callers do not care which: they ``await db.run(fn, ...)`` with a
plain synchronous function that receives a ``Session``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, Protocol, TypeVar, cast

import anyio.to_thread
from sqlalchemy import DateTime, MetaData, Table, bindparam, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

P = ParamSpec("P")
T = TypeVar("T")

# Stable constraint names so Alembic batch migrations on SQLite can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base of every model; each domain's models.py builds on it."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


class UUIDPrimaryKey:
    """A client-side UUID key: portable (no gen_random_uuid) and known before insert."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while a push commits; NORMAL sync is durable across
    # process crashes (the WAL is fsynced at checkpoints) and fast.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` with the settings each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=4,
            max_overflow=8,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.endswith("#nopool"):
        return create_engine(url.removesuffix("#nopool"), poolclass=NullPool)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class PreparedQuery:
    """A statement compiled once per dialect to driver SQL, for the hot paths where
    SQLAlchemy's per-execution bookkeeping would cost more than the query. Parameters go
    through their column types' bind processors (UUIDs, for instance); results are plain
    tuples of driver values (str, int, bytes — booleans may come back as 0/1, UUIDs as
    text on SQLite).

    ``statement`` is a SELECT, INSERT, UPDATE or DELETE, or a function of the dialect's
    name that builds one, for the constructs each backend spells its own way (see
    :func:`prepared_insert_or_ignore`)."""

    def __init__(self, statement: Executable | Callable[[str], Executable]) -> None:
        self._build = statement if callable(statement) else (lambda _name: statement)
        self._statements: dict[str, Executable] = {}
        self._compiled: dict[str, _Compiled] = {}

    def statement_for(self, dialect_name: str) -> Executable:
        found = self._statements.get(dialect_name)
        if found is None:
            found = self._statements[dialect_name] = self._build(dialect_name)
        return found

    def compiled_for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            statement = self.statement_for(dialect.name)
            compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
            order = (
                tuple(compiled.positiontup)
                if compiled.positional and compiled.positiontup
                else None
            )
            processors: dict[str, Callable[[Any], Any]] = {}
            for name, bind in compiled.binds.items():
                # The dialect's own implementation of the type (psycopg wraps JSON, for one).
                proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if proc is not None:
                    processors[name] = proc
            found = _Compiled(str(compiled), order, dict(compiled.params), processors)
            self._compiled[dialect.name] = found
        return found


def prepared_insert_or_ignore(model: type[Base], columns: list[str]) -> PreparedQuery:
    """``INSERT ... ON CONFLICT DO NOTHING`` of ``columns`` (each a bind parameter of the
    same name), prepared: :func:`insert_or_ignore` for the hot paths. Give every column
    that has a Python-side default: none is applied here."""

    def build(dialect_name: str) -> Executable:
        insert = _insert_for_dialect(dialect_name)
        return cast(
            Executable,
            insert(cast(Table, model.__table__))
            .values({column: bindparam(column) for column in columns})
            .on_conflict_do_nothing(),
        )

    return PreparedQuery(build)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # positional parameter names, None for named style
    literals: dict[str, Any]  # values the statement carries itself (``WHERE id = 1``)
    processors: dict[str, Callable[[Any], Any]]

    def arguments(self, params: dict[str, Any]) -> Any:
        values = {**self.literals, **params}
        for name, proc in self.processors.items():
            if name in values:
                values[name] = proc(values[name])
        return tuple(values[name] for name in self.order) if self.order else values


class Reader(Protocol):
    """Runs prepared SELECTs: directly on a reader connection (hot paths), or inside a
    session's transaction (when the caller is already in one)."""

    def one(self, query: PreparedQuery, **params: Any) -> tuple[Any, ...] | None: ...

    def all(self, query: PreparedQuery, **params: Any) -> list[tuple[Any, ...]]: ...


class Writer(Reader, Protocol):
    """Runs prepared statements of any kind inside one transaction: a raw one from
    :meth:`Database.write` (hot paths), or a session's (when the caller is in one)."""

    def execute(self, query: PreparedQuery, **params: Any) -> int:
        """Run an INSERT, UPDATE or DELETE; returns the number of rows it touched."""
        ...


class SessionReader:
    def __init__(self, session: Session) -> None:
        self.session = session

    def one(self, query: PreparedQuery, **params: Any) -> tuple[Any, ...] | None:
        row = self._execute(query, params).first()
        return tuple(row) if row is not None else None

    def all(self, query: PreparedQuery, **params: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._execute(query, params)]

    def execute(self, query: PreparedQuery, **params: Any) -> int:
        # On the driver cursor of the session's connection (so in its transaction):
        # through SQLAlchemy, psycopg reports no row count for these statements.
        self.session.flush()
        connection = self.session.connection()
        raw = connection.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            return _DriverCursor(cursor, connection.dialect).execute(query, **params)
        finally:
            cursor.close()

    def _execute(self, query: PreparedQuery, params: dict[str, Any]) -> CursorResult[Any]:
        # A plain statement on the session's connection, past the ORM's per-statement
        # machinery (pending changes flushed first, as the session itself would).
        self.session.flush()
        connection = self.session.connection()
        return connection.execute(query.statement_for(connection.dialect.name), params)


class _DriverCursor:
    """Prepared statements on a driver cursor, past SQLAlchemy: the reader connection's
    (no transaction), one :meth:`Database.write` opened, or an ORM session's."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def _run(self, query: PreparedQuery, params: dict[str, Any]) -> Any:
        compiled = query.compiled_for(self._dialect)
        self._cursor.execute(compiled.sql, compiled.arguments(params))
        return self._cursor

    def one(self, query: PreparedQuery, **params: Any) -> tuple[Any, ...] | None:
        row = self._run(query, params).fetchone()
        return tuple(row) if row is not None else None

    def all(self, query: PreparedQuery, **params: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._run(query, params).fetchall()]

    def execute(self, query: PreparedQuery, **params: Any) -> int:
        return int(self._run(query, params).rowcount)


class Database:
    """The engine plus the one way to run work in a session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._local = threading.local()

    def _reader(self) -> Connection:
        """A long-lived autocommit connection for this thread's prepared reads: checking
        a connection out of the pool and resetting it costs more than the query itself
        on the hot paths (manifest and blob lookups)."""
        conn: Connection | None = getattr(self._local, "reader", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._local.reader = conn
        return conn

    def _fetch(self, query: PreparedQuery, params: dict[str, Any], many: bool) -> Any:
        conn = self._reader()
        raw = conn.connection.driver_connection
        assert raw is not None
        try:
            cursor = raw.cursor()
            try:
                on_cursor = _DriverCursor(cursor, self.engine.dialect)
                return on_cursor.all(query, **params) if many else on_cursor.one(query, **params)
            finally:
                cursor.close()
        except Exception:
            # The connection may be broken (database restart): start afresh next time.
            self._local.reader = None
            conn.invalidate()
            raise

    def one(self, query: PreparedQuery, **params: Any) -> tuple[Any, ...] | None:
        """One row of a prepared query on this thread's reader connection (the
        :class:`Reader` protocol), or None."""
        result: tuple[Any, ...] | None = self._fetch(query, params, many=False)
        return result

    def all(self, query: PreparedQuery, **params: Any) -> list[tuple[Any, ...]]:
        result: list[tuple[Any, ...]] = self._fetch(query, params, many=True)
        return result

    async def fetch_one(
        self, query: PreparedQuery, params: dict[str, Any]
    ) -> tuple[Any, ...] | None:
        """One row of a prepared hot-path query, or None, without stalling the loop."""
        if self.is_sqlite:
            return self.one(query, **params)
        return await anyio.to_thread.run_sync(lambda: self.one(query, **params))

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(reader, *args)`` — several prepared reads, no transaction — without
        stalling the loop (see ``run``)."""
        if self.is_sqlite:
            return fn(self, *args)
        return await anyio.to_thread.run_sync(lambda: fn(self, *args))

    def write_now(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(writer, *args)`` — prepared statements, one transaction — here and
        now. SQLite keeps one connection per thread for it and takes the write lock up
        front (``BEGIN IMMEDIATE``), so a read-then-write sees no other writer between
        the two; PostgreSQL checks one out of the pool."""
        if self.is_sqlite:
            conn = getattr(self._local, "writer", None)
            if conn is None or conn.closed or conn.invalidated:
                conn = self._local.writer = self.engine.connect()
            return self._transaction(conn, fn, args, "BEGIN IMMEDIATE")
        with self.engine.connect() as conn:
            return self._transaction(conn, fn, args, None)

    def _transaction(
        self, conn: Connection, fn: Callable[..., T], args: tuple[Any, ...], begin: str | None
    ) -> T:
        raw = conn.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            if begin:
                cursor.execute(begin)
            result = fn(_DriverCursor(cursor, self.engine.dialect), *args)
            raw.commit()
            return result
        except BaseException:
            try:
                raw.rollback()
            except Exception:
                conn.invalidate()  # broken (database restart): a fresh one next time
            raise
        finally:
            cursor.close()

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(writer, *args)`` in a transaction of prepared statements, past the
        ORM, without stalling the loop (see ``run``): for the hot writes of a push."""
        if self.is_sqlite:
            return self.write_now(fn, *args)
        return await anyio.to_thread.run_sync(lambda: self.write_now(fn, *args))

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(session, *args)`` in a transaction, synchronously."""
        with self.sessions.begin() as session:
            return fn(session, *args, **kwargs)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(session, *args)`` in a transaction without stalling the loop."""
        if self.is_sqlite:
            return self.call(fn, *args, **kwargs)
        return await anyio.to_thread.run_sync(lambda: self.call(fn, *args, **kwargs))

    def dispose(self) -> None:
        for kept in ("reader", "writer"):
            conn = getattr(self._local, kept, None)
            if conn is not None:
                conn.close()
        self.engine.dispose()


def _insert_for_dialect(dialect_name: str) -> Any:
    """The INSERT construct that can spell ON CONFLICT on this backend."""
    return pg_insert if dialect_name == "postgresql" else sqlite_insert


def _insert_for(session: Session) -> Any:
    return _insert_for_dialect(session.get_bind().dialect.name)


def insert_or_ignore(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on both backends: idempotent and race-free.
    Returns whether a row was inserted (RETURNING yields a row only then; psycopg's
    rowcount cannot be trusted for this)."""
    table = model.__table__
    key = table.primary_key.columns.values()[0]  # type: ignore[attr-defined]
    stmt = _insert_for(session)(table).values(**values).on_conflict_do_nothing()
    return session.execute(stmt.returning(key)).first() is not None


def prepared_upsert(
    model: type[Base], columns: list[str], key: list[str], update: list[str]
) -> PreparedQuery:
    """``INSERT ... ON CONFLICT (key) DO UPDATE SET`` the ``update`` columns, prepared,
    on both backends (each column a bind parameter of the same name)."""

    def build(dialect_name: str) -> Executable:
        insert = _insert_for_dialect(dialect_name)
        stmt = insert(cast(Table, model.__table__)).values(
            {column: bindparam(column) for column in columns}
        )
        return cast(
            Executable,
            stmt.on_conflict_do_update(
                index_elements=key, set_={column: stmt.excluded[column] for column in update}
            ),
        )

    return PreparedQuery(build)
