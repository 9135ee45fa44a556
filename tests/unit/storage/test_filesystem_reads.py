"""The filesystem driver reads cached bytes on the loop and goes to a worker thread only
for bytes that must come from the disk, so a cold blob never stalls the event loop."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest

from wharf.storage import PathNotFound
from wharf.storage.filesystem import FilesystemDriver

DATA = os.urandom(3 * 1024 * 1024 + 123)  # more than one read, not a whole number of them


@pytest.fixture
def thread_calls(monkeypatch: pytest.MonkeyPatch) -> list[Callable[..., Any]]:
    """The functions the driver sends to worker threads."""
    calls: list[Callable[..., Any]] = []
    run_sync = anyio.to_thread.run_sync

    async def counting(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        calls.append(fn)
        return await run_sync(fn, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return calls


async def _stored(tmp_path: Path) -> tuple[FilesystemDriver, Path]:
    driver = FilesystemDriver(tmp_path)
    await driver.put_content("/blob", DATA)
    return driver, tmp_path / "blob"


def _evict(path: Path) -> None:
    """Drop the file's pages from the page cache (it is flushed: they are clean)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        try:
            os.preadv(fd, [bytearray(1)], 0, os.RWF_NOWAIT)
        except BlockingIOError:
            return
    finally:
        os.close(fd)
    pytest.skip("this filesystem keeps the pages (tmpfs?): no cold read to test")


async def _read(driver: FilesystemDriver, offset: int = 0, length: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in driver.read("/blob", offset, length)])


async def test_cached_bytes_are_read_without_a_thread(
    tmp_path: Path, thread_calls: list[Callable[..., Any]]
) -> None:
    driver, _ = await _stored(tmp_path)
    assert await _read(driver) == DATA
    assert await _read(driver, 1_000_000, 2_500_000) == DATA[1_000_000:3_500_000]
    assert os.pread not in thread_calls


@pytest.mark.skipif(not hasattr(os, "RWF_NOWAIT"), reason="needs preadv2's RWF_NOWAIT")
async def test_bytes_not_in_the_page_cache_are_read_on_a_worker_thread(
    tmp_path: Path, thread_calls: list[Callable[..., Any]]
) -> None:
    driver, path = await _stored(tmp_path)
    _evict(path)
    assert await _read(driver, 5, 2_000_000) == DATA[5:2_000_005]
    assert os.pread in thread_calls


async def test_a_directory_is_not_a_blob(tmp_path: Path) -> None:
    driver = FilesystemDriver(tmp_path)
    (tmp_path / "blob").mkdir()
    with pytest.raises(PathNotFound):
        await _read(driver)
