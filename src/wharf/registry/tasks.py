"""Background work of the registry: purging abandoned uploads.

An upload nobody touched for ``registry.stale_upload_hours`` is abandoned: its bytes under
``/uploads`` and its row go. Monolithic pushes keep no row, so a server killed in the
middle of one leaves only a directory; those are aged by their file's modification time.
Safe to run at any time and on several replicas: it only removes what is old.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wharf.core.db import Database, utcnow
from wharf.core.logging import get_logger
from wharf.core.settings_store import get_section
from wharf.registry.models import Upload
from wharf.registry.settings import RegistrySettings
from wharf.storage import BlobDriver, PathNotFound
from wharf.storage.paths import upload_data_path

log = get_logger("registry.tasks")


@dataclass(frozen=True)
class PurgeResult:
    rows: int
    directories: int


async def purge_stale_uploads(db: Database, driver: BlobDriver) -> PurgeResult:
    hours = (await db.run(lambda s: get_section(s, RegistrySettings))).stale_upload_hours
    cutoff = utcnow() - timedelta(hours=hours)

    def stale_rows(session: Session) -> list[str]:
        return list(session.scalars(select(Upload.id).where(Upload.updated_at < cutoff)))

    def live_rows(session: Session) -> set[str]:
        return set(session.scalars(select(Upload.id)))

    removed_rows = 0
    for upload_id in await db.run(stale_rows):
        with contextlib.suppress(PathNotFound):
            await driver.delete(upload_data_path(upload_id))
        await db.run(lambda s, u=upload_id: s.execute(delete(Upload).where(Upload.id == u)))
        removed_rows += 1
    live = await db.run(live_rows)
    removed_dirs = 0
    oldest = time.time() - hours * 3600
    try:
        entries = await driver.list("/uploads")
    except PathNotFound:
        entries = []
    for entry in entries:
        upload_id = entry.rsplit("/", 1)[1]
        if upload_id in live:
            continue
        try:
            modified = (await driver.stat(upload_data_path(upload_id))).modified
        except PathNotFound:
            continue
        if modified < oldest:
            with contextlib.suppress(PathNotFound):
                await driver.delete(upload_data_path(upload_id))
            removed_dirs += 1
    if removed_rows or removed_dirs:
        log.info("purged stale uploads", extra={"rows": removed_rows, "directories": removed_dirs})
    return PurgeResult(removed_rows, removed_dirs)
