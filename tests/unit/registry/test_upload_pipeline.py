"""The upload pipeline: hashing and writing of received batches overlap, in order, and
a failure never leaves a write running behind the caller's back."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time

import pytest

from wharf.registry.uploads import PIPELINE_BATCH, THREADED_BATCH, ReceivePipeline


class SlowWriter:
    """A FileWriter that takes its time, and records what it wrote and when it ended."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.data = bytearray()
        self.writes_in_progress = 0
        self.started = threading.Event()

    @property
    def size(self) -> int:
        return len(self.data)

    async def write(self, *chunks: bytes) -> None:
        self.writes_in_progress += 1
        await asyncio.sleep(self.delay)
        for chunk in chunks:
            self.data += chunk
        self.writes_in_progress -= 1

    def write_blocking(self, *chunks: bytes) -> None:
        self.writes_in_progress += 1
        self.started.set()
        time.sleep(self.delay)
        for chunk in chunks:
            self.data += chunk
        self.writes_in_progress -= 1

    async def sync(self) -> None:
        await asyncio.sleep(0)

    async def commit(self) -> None: ...

    async def close(self) -> None: ...

    async def cancel(self) -> None: ...


class FailingHasher:
    name = "sha256"

    def update(self, data: bytes) -> None:
        raise OSError("hashing failed")


def _batches(count: int, size: int) -> list[list[bytes]]:
    return [[os.urandom(size // 2), os.urandom(size - size // 2)] for _ in range(count)]


@pytest.mark.parametrize("batch_size", [THREADED_BATCH // 4, PIPELINE_BATCH])
async def test_every_byte_is_hashed_and_written_in_order(batch_size: int) -> None:
    writer = SlowWriter()
    hasher = hashlib.sha256()
    pipeline = ReceivePipeline(writer, hasher)
    batches = _batches(6, batch_size)
    for batch in batches:
        await pipeline.push(batch, sum(map(len, batch)))
    await pipeline.drain()
    expected = b"".join(b"".join(batch) for batch in batches)
    assert bytes(writer.data) == expected
    assert hasher.hexdigest() == hashlib.sha256(expected).hexdigest()


async def test_a_batch_that_cannot_be_hashed_is_not_written() -> None:
    writer = SlowWriter()
    pipeline = ReceivePipeline(writer, FailingHasher())
    first, second = _batches(2, PIPELINE_BATCH)
    await pipeline.push(first, PIPELINE_BATCH)  # hashing fails on its thread
    with pytest.raises(OSError, match="hashing failed"):
        await pipeline.push(second, PIPELINE_BATCH)
    await pipeline.abandon()
    assert writer.data == b""


async def test_a_cancelled_upload_leaves_no_write_running_after_abandon() -> None:
    # A client that hangs up cancels the request's task while a batch is still being
    # written: abandon must wait for that thread, whose file the caller closes next.
    writer = SlowWriter(delay=0.3)
    pipeline = ReceivePipeline(writer, hashlib.sha256())
    first, second = _batches(2, PIPELINE_BATCH)
    written_when_abandoned: list[int] = []

    async def upload() -> None:
        try:
            await pipeline.push(first, PIPELINE_BATCH)
            await pipeline.push(second, PIPELINE_BATCH)  # waits for the first write
        except asyncio.CancelledError:
            await pipeline.abandon()
            written_when_abandoned.append(len(writer.data))
            raise

    task = asyncio.create_task(upload())
    await asyncio.to_thread(writer.started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert written_when_abandoned == [PIPELINE_BATCH]
    assert writer.writes_in_progress == 0
