"""The upload pipeline: hashing and writing of received batches overlap, in order, and
a failure never leaves a write running behind the caller's back."""

from __future__ import annotations

import asyncio
import hashlib
import os

import pytest

from wharf.registry.uploads import PIPELINE_BATCH, THREADED_BATCH, ReceivePipeline


class SlowWriter:
    """A FileWriter that takes its time, and records what it wrote and when it ended."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.data = bytearray()
        self.writes_in_progress = 0

    @property
    def size(self) -> int:
        return len(self.data)

    async def write(self, *chunks: bytes) -> None:
        self.writes_in_progress += 1
        await asyncio.sleep(self.delay)
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


async def test_a_failed_batch_leaves_no_write_running_after_abandon() -> None:
    writer = SlowWriter(delay=0.2)
    pipeline = ReceivePipeline(writer, FailingHasher())
    first, second = _batches(2, PIPELINE_BATCH)
    await pipeline.push(first, PIPELINE_BATCH)  # hashing fails on its thread; writing is slow
    with pytest.raises(OSError, match="hashing failed"):
        await pipeline.push(second, PIPELINE_BATCH)
    await pipeline.abandon()
    assert writer.writes_in_progress == 0
    assert bytes(writer.data) == b"".join(first)
