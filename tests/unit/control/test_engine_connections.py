"""The raw connections the proxy forwards requests on: spares opened ahead of need are
used once each, and a spare the engine closed, or one kept too long, is never handed
out. The engine is a unix socket server that answers each connection with its number."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from wharf.control import engine as engine_module
from wharf.control.engine import SPARES, Engine


class CountingEngine:
    def __init__(self) -> None:
        self.accepted = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        number = self.accepted
        self.writers.append(writer)
        try:
            await reader.readuntil(b"\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        writer.write(f"connection {number}\n".encode())
        await writer.drain()
        writer.close()


@pytest.fixture
async def counting(tmp_path: Path) -> AsyncIterator[tuple[CountingEngine, Engine]]:
    fake = CountingEngine()
    server = await asyncio.start_unix_server(fake.serve, path=str(tmp_path / "engine.sock"))
    engine = Engine(f"unix://{tmp_path / 'engine.sock'}")
    yield fake, engine
    await engine.close()
    server.close()


async def ask(engine: Engine) -> str:
    reader, writer = await engine.open()
    writer.write(b"hello\n")
    await writer.drain()
    answer = (await reader.readline()).decode().strip()
    writer.close()
    return answer


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.01)


async def test_each_request_gets_a_connection_of_its_own(
    counting: tuple[CountingEngine, Engine],
) -> None:
    fake, engine = counting
    answers = [await ask(engine) for _ in range(5)]
    assert len(set(answers)) == 5  # never one connection twice
    await settle()
    # The spares are ready for the next requests, and no more than that were opened.
    assert fake.accepted == 5 + SPARES


async def test_a_spare_the_engine_closed_is_not_handed_out(
    counting: tuple[CountingEngine, Engine],
) -> None:
    fake, engine = counting
    await ask(engine)
    await settle()
    for writer in fake.writers[1:]:  # the engine drops the idle spares (a restart)
        writer.close()
    await settle()
    assert (await ask(engine)).startswith("connection ")
    assert fake.accepted > 1 + SPARES  # a fresh connection answered


async def test_a_spare_kept_too_long_is_not_handed_out(
    counting: tuple[CountingEngine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, engine = counting
    await ask(engine)
    await settle()
    opened = fake.accepted
    monkeypatch.setattr(engine_module, "SPARE_MAX_AGE", 0.0)
    answer = await ask(engine)
    assert int(answer.split()[1]) > opened  # not one of the waiting spares


async def test_an_engine_that_is_down_is_reported_when_a_request_needs_it(
    tmp_path: Path,
) -> None:
    engine = Engine(f"unix://{tmp_path / 'nothing.sock'}")
    with pytest.raises(FileNotFoundError):
        await engine.open()
    await settle()  # the background top-up fails quietly
    await engine.close()
