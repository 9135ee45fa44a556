"""A PATCH answers without waiting for the disk, and a flush that fails after its PATCH
was answered still fails the upload: it is discarded, never completed into a blob."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import threading

import pytest

from tests.conftest import InProcessWharf
from tests.unit.registry.upload_steps import start_upload, with_digest
from wharf.storage import filesystem

BODY = os.urandom(2 * 1024 * 1024)  # several background flushes' worth


async def test_patches_are_answered_while_their_flushes_still_run(
    wharf: InProcessWharf, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_caught_up = threading.Event()
    real_flush = filesystem._flush_and_close

    def slow_flush(fd: int) -> None:
        disk_caught_up.wait(timeout=30)
        real_flush(fd)

    monkeypatch.setattr(filesystem, "_flush_and_close", slow_flush)
    h, location = await start_upload(wharf)

    for start in (0, len(BODY)):  # the second does not wait for the first's flush either
        end = start + len(BODY) - 1
        patch = wharf.client.patch(
            location, content=BODY, headers={**h, "Content-Range": f"{start}-{end}"}
        )
        r = await asyncio.wait_for(patch, timeout=10)  # before the disk has caught up
        assert r.status_code == 202, r.text
        location = r.headers["Location"]
    assert not disk_caught_up.is_set()

    disk_caught_up.set()
    digest = "sha256:" + hashlib.sha256(BODY + BODY).hexdigest()
    r = await wharf.client.put(with_digest(location, digest), headers=h)
    assert r.status_code == 201, r.text
    r = await wharf.client.get(f"/v2/admin/app/blobs/{digest}", headers=h)
    assert r.content == BODY + BODY


async def test_a_flush_that_fails_after_its_patch_discards_the_upload(
    wharf: InProcessWharf, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_flush(fd: int) -> None:
        os.close(fd)
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(filesystem, "_flush_and_close", failing_flush)
    h, location = await start_upload(wharf)
    r = await wharf.client.patch(
        location, content=BODY, headers={**h, "Content-Range": f"0-{len(BODY) - 1}"}
    )
    assert r.status_code == 202, r.text  # answered before the flush failed
    monkeypatch.undo()  # the disk is fine again: the lost bytes are not

    digest = "sha256:" + hashlib.sha256(BODY).hexdigest()
    r = await wharf.client.put(with_digest(location, digest), headers=h)
    assert r.status_code == 400, r.text
    error = r.json()["errors"][0]
    assert error["code"] == "BLOB_UPLOAD_INVALID"
    assert "could not be written to disk" in error["message"]
    assert "start the upload again" in error["message"]
    assert (await wharf.client.get(location, headers=h)).status_code == 404
    assert (await wharf.client.head(f"/v2/admin/app/blobs/{digest}", headers=h)).status_code == 404
    root = wharf.services.settings.resolved_storage_root
    assert list((root / "uploads").iterdir()) == []
