"""Purging abandoned uploads: old ones go, recent ones and published blobs stay."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from sqlalchemy import update

from tests.conftest import ADMIN_PASSWORD, InProcessWharf
from wharf.core.db import utcnow
from wharf.registry.models import Upload
from wharf.registry.tasks import purge_stale_uploads


async def test_stale_uploads_are_purged(wharf: InProcessWharf) -> None:
    h = await wharf.bearer("admin", ADMIN_PASSWORD, "repository:admin/app:pull,push")
    old = (await wharf.client.post("/v2/admin/app/blobs/uploads/", headers=h)).headers["Location"]
    await wharf.client.patch(old, content=b"abandoned", headers=h)
    fresh = (await wharf.client.post("/v2/admin/app/blobs/uploads/", headers=h)).headers["Location"]
    await wharf.client.patch(fresh, content=b"in progress", headers=h)
    old_id = old.rsplit("/", 1)[1]
    long_ago = utcnow() - timedelta(days=3)
    wharf.services.db.call(
        lambda s: s.execute(update(Upload).where(Upload.id == old_id).values(updated_at=long_ago))
    )
    root = wharf.services.settings.resolved_storage_root
    # A monolithic push killed mid-way leaves a file without a row.
    orphan = root / "uploads" / "orphan-of-a-crash"
    orphan.write_bytes(b"partial")
    os.utime(orphan, (time.time() - 3 * 86400,) * 2)

    result = await purge_stale_uploads(wharf.services.db, wharf.services.storage)

    assert (result.rows, result.directories) == (1, 1)
    assert (await wharf.client.get(old, headers=h)).status_code == 404
    assert (await wharf.client.get(fresh, headers=h)).status_code == 204
    assert not orphan.exists()
    assert (root / "uploads" / fresh.rsplit("/", 1)[1]).exists()
