"""The control plane's audit log: every mutating Docker API request and every denial,
with who, what, which collections and the outcome — as a structured log line and as a
row the UI's dashboard reads ("recent denials").

Rows are written in batches by a background task, so auditing never adds a database
round trip to the request it records.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wharf.control.models import AuditEvent
from wharf.control.settings import AuditSettings
from wharf.core.db import Database
from wharf.core.logging import get_logger
from wharf.core.settings_store import get_section

log = get_logger("audit")

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class AuditRecord:
    user: str
    method: str
    path: str
    operations: tuple[str, ...]
    collections: tuple[str, ...]
    allowed: bool
    status: int
    message: str = ""
    duration_ms: float = 0.0
    body: bytes | None = None


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.queue: asyncio.Queue[AuditRecord] = asyncio.Queue(maxsize=100_000)
        self._task: asyncio.Task[None] | None = None
        self._level = ("metadata", 0.0)

    def level(self) -> str:
        return self._level[0]

    async def _refresh_level(self) -> str:
        if self._level[1] < time.monotonic():
            section = await self.db.run(lambda s: get_section(s, AuditSettings))
            self._level = (section.level, time.monotonic() + 2.0)
        return self._level[0]

    def record(self, record: AuditRecord) -> None:
        """Queue a record if the configured level asks for it (non-blocking)."""
        level = self._level[0]
        if not level:
            return
        if record.allowed and record.method not in MUTATING and level != "request":
            return
        log.info(
            "docker api",
            extra={
                "user": record.user,
                "method": record.method,
                "path": record.path,
                "operations": list(record.operations),
                "collections": list(record.collections),
                "allowed": record.allowed,
                "status": record.status,
                "reason": record.message,
            },
        )
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(record)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._writer())

    async def _writer(self) -> None:
        while True:
            await self._refresh_level()
            first = await self.queue.get()
            batch = [first]
            while not self.queue.empty() and len(batch) < 500:
                batch.append(self.queue.get_nowait())
            with_body = self._level[0] == "request"
            try:
                await self.db.run(_store, batch, with_body)
            except Exception:
                log.exception("could not store audit events", extra={"count": len(batch)})

    async def flush(self) -> None:
        """Wait until queued records are stored (tests, shutdown)."""
        for _ in range(200):
            if self.queue.empty():
                await asyncio.sleep(0.05)
                return
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _store(session: Session, batch: list[AuditRecord], with_body: bool) -> None:
    for r in batch:
        body = None
        if with_body and r.body:
            body = r.body[:MAX_BODY].decode("utf-8", "replace")
        session.add(
            AuditEvent(
                user=r.user,
                method=r.method,
                path=r.path[:1024],
                operations=", ".join(r.operations)[:1024],
                collections=", ".join(r.collections)[:2048],
                allowed=r.allowed,
                status=r.status,
                message=r.message,
                body=body,
            )
        )


def recent(session: Session, *, denied_only: bool, limit: int) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.time.desc()).limit(limit)
    if denied_only:
        query = query.where(AuditEvent.allowed.is_(False))
    return list(session.scalars(query))
