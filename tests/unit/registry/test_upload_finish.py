"""The end of an upload whose last chunk is small: checked before anything is written, and
never trusted past what this process hashed."""

from __future__ import annotations

import os

from tests.common.oci import sha256
from tests.conftest import InProcessWharf
from tests.unit.registry.upload_steps import start_upload, with_digest
from wharf.storage import PathNotFound
from wharf.storage.paths import blob_data_path, upload_data_path


async def test_a_wrong_digest_writes_nothing(wharf: InProcessWharf) -> None:
    h, location = await start_upload(wharf)
    upload_id = location.rsplit("/", 1)[1]
    r = await wharf.client.put(f"{location}?digest={sha256(b'other')}", content=b"small", headers=h)
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == "DIGEST_INVALID"
    storage = wharf.services.storage
    for path in (upload_data_path(upload_id), blob_data_path("sha256", sha256(b"small")[7:])):
        try:
            await storage.stat(path)
        except PathNotFound:
            continue
        raise AssertionError(f"{path} exists")
    r = await wharf.client.get(f"/v2/admin/app/blobs/{sha256(b'small')}", headers=h)
    assert r.status_code == 404


async def test_bytes_another_replica_appended_are_hashed_too(wharf: InProcessWharf) -> None:
    # This process saw the first PATCH; another replica, sharing the storage, took the
    # second. The last (empty) PUT comes back here: the blob is all three parts' bytes.
    first, second = os.urandom(1000), os.urandom(2000)
    h, location = await start_upload(wharf)
    r = await wharf.client.patch(
        location, content=first, headers={**h, "Content-Range": f"0-{len(first) - 1}"}
    )
    assert r.status_code == 202, r.text
    location = r.headers["Location"]
    upload_id = location.split("?")[0].rsplit("/", 1)[1]
    writer = await wharf.services.storage.writer(upload_data_path(upload_id), append=True)
    await writer.write(second)
    await writer.commit()

    r = await wharf.client.put(
        with_digest(location, sha256(first + second)),
        content=b"",
        headers=h,
    )
    assert r.status_code == 201, r.text
    r = await wharf.client.get(f"/v2/admin/app/blobs/{sha256(first + second)}", headers=h)
    assert r.content == first + second
