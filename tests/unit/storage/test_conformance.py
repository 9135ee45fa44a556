"""One conformance suite for every storage driver: each driver must behave the same for
the registry above it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wharf.core.metrics import Metrics
from wharf.storage import BlobDriver, InvalidPath, PathNotFound, build_driver

DRIVERS = ["filesystem", "memory"]


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> BlobDriver:
    return build_driver(request.param, tmp_path / "store", Metrics())


async def read_all(
    driver: BlobDriver, path: str, offset: int = 0, length: int | None = None
) -> bytes:
    return b"".join([chunk async for chunk in driver.read(path, offset, length)])


async def test_put_and_get_content(driver: BlobDriver) -> None:
    await driver.put_content("/a/b/file", b"hello")
    assert await driver.get_content("/a/b/file") == b"hello"
    await driver.put_content("/a/b/file", b"replaced")
    assert await driver.get_content("/a/b/file") == b"replaced"


async def test_missing_paths_raise_path_not_found(driver: BlobDriver) -> None:
    with pytest.raises(PathNotFound):
        await driver.stat("/nope")
    with pytest.raises(PathNotFound):
        await driver.get_content("/nope")
    with pytest.raises(PathNotFound):
        await read_all(driver, "/nope")
    with pytest.raises(PathNotFound):
        await driver.delete("/nope")
    with pytest.raises(PathNotFound):
        await driver.move("/nope", "/other")
    with pytest.raises(PathNotFound):
        await driver.list("/nope")


@pytest.mark.parametrize("bad", ["", "relative", "/a/../b", "/a/./b", "/a//b", "/a b", "/a/\x00"])
async def test_invalid_paths_are_refused(driver: BlobDriver, bad: str) -> None:
    with pytest.raises(InvalidPath):
        await driver.put_content(bad, b"x")


async def test_writer_appends_and_reports_size(driver: BlobDriver) -> None:
    writer = await driver.writer("/up/1/data")
    await writer.write(b"abc")
    await writer.write(b"def")
    assert writer.size == 6
    await writer.close()
    writer = await driver.writer("/up/1/data", append=True)
    assert writer.size == 6
    await writer.write(b"gh")
    await writer.commit()
    assert (await driver.stat("/up/1/data")).size == 8
    assert await read_all(driver, "/up/1/data") == b"abcdefgh"


async def test_writer_without_append_truncates(driver: BlobDriver) -> None:
    await driver.put_content("/f", b"old content")
    writer = await driver.writer("/f")
    await writer.write(b"new")
    await writer.commit()
    assert await driver.get_content("/f") == b"new"


async def test_cancel_removes_the_file(driver: BlobDriver) -> None:
    writer = await driver.writer("/up/2/data")
    await writer.write(b"partial")
    await writer.cancel()
    with pytest.raises(PathNotFound):
        await driver.stat("/up/2/data")


@pytest.mark.parametrize(
    ("offset", "length", "expected"),
    [
        (0, None, b"0123456789"),
        (3, None, b"3456789"),
        (3, 4, b"3456"),
        (8, 10, b"89"),
        (10, None, b""),
    ],
)
async def test_read_with_offset_and_length(
    driver: BlobDriver, offset: int, length: int | None, expected: bytes
) -> None:
    await driver.put_content("/r", b"0123456789")
    assert await read_all(driver, "/r", offset, length) == expected


async def test_large_file_streams_in_chunks(driver: BlobDriver) -> None:
    data = bytes(range(256)) * 16384  # 4 MiB
    writer = await driver.writer("/big")
    for i in range(0, len(data), 65536):
        await writer.write(data[i : i + 65536])
    await writer.commit()
    chunks = [chunk async for chunk in driver.read("/big")]
    assert b"".join(chunks) == data


async def test_move_replaces_destination(driver: BlobDriver) -> None:
    await driver.put_content("/src/f", b"new")
    await driver.put_content("/dst/f", b"old")
    await driver.move("/src/f", "/dst/f")
    assert await driver.get_content("/dst/f") == b"new"
    with pytest.raises(PathNotFound):
        await driver.stat("/src/f")


async def test_append_and_move_finishes_an_upload_in_one_step(driver: BlobDriver) -> None:
    # A file that does not exist yet is created ...
    await driver.append_and_move("/up/new", [b"abc", b"def"], "/blobs/one")
    assert await driver.get_content("/blobs/one") == b"abcdef"
    # ... one that does is appended to, and either way the source is gone afterwards.
    writer = await driver.writer("/up/old")
    await writer.write(b"0123")
    await writer.commit()
    await driver.append_and_move("/up/old", [b"45"], "/blobs/two")
    assert await driver.get_content("/blobs/two") == b"012345"
    for source in ("/up/new", "/up/old"):
        with pytest.raises(PathNotFound):
            await driver.stat(source)
    # Nothing to append: the source is only made durable and moved.
    await driver.put_content("/up/full", b"xyz")
    await driver.append_and_move("/up/full", [], "/blobs/three")
    assert await driver.get_content("/blobs/three") == b"xyz"


async def test_delete_a_directory_tree_only_below_it(driver: BlobDriver) -> None:
    await driver.put_content("/d/one", b"1")
    await driver.put_content("/d/sub/two", b"2")
    await driver.put_content("/dx/three", b"3")
    await driver.delete("/d")
    with pytest.raises(PathNotFound):
        await driver.stat("/d/one")
    with pytest.raises(PathNotFound):
        await driver.stat("/d/sub/two")
    assert await driver.get_content("/dx/three") == b"3"


async def test_list_direct_children(driver: BlobDriver) -> None:
    await driver.put_content("/l/a", b"")
    await driver.put_content("/l/b/c", b"")
    assert await driver.list("/l") == ["/l/a", "/l/b"]


async def test_stat_reports_size(driver: BlobDriver) -> None:
    await driver.put_content("/s", b"12345")
    info = await driver.stat("/s")
    assert info.size == 5
    assert not info.is_dir


def test_unknown_driver_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown storage driver 'nfs'"):
        build_driver("nfs", tmp_path, Metrics())


def test_filesystem_driver_offers_a_local_path(tmp_path: Path) -> None:
    driver = build_driver("filesystem", tmp_path, Metrics())
    assert driver.local_path("/blobs/x") == str(tmp_path.resolve()) + "/blobs/x"


async def test_sync_keeps_the_writer_open(driver: BlobDriver) -> None:
    writer = await driver.writer("/s/1")
    await writer.write(b"first ")
    await writer.sync()
    await writer.write(b"second")
    await writer.commit()
    assert await driver.get_content("/s/1") == b"first second"
