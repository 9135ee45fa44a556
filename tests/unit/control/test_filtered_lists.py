"""A list the proxy must filter, answered with something that is not JSON: the caller
gets a 502, never the unfiltered answer (which may name what they may not see).

A real engine does not answer garbage, so the engine here is a unix socket that does —
the one place the control-plane tests stand in for dockerd.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, InProcessWharf
from wharf.core.app import build_services, create_app
from wharf.core.bootstrap import bootstrap
from wharf.core.config import Settings

SECRET = b"container-of-someone-else"
GARBAGE = b"<html>" + SECRET + b"</html>"


async def _garbage_engine(socket: Path) -> asyncio.AbstractServer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(GARBAGE)}\r\nConnection: close\r\n\r\n".encode()
            + GARBAGE
        )
        await writer.drain()
        writer.close()

    return await asyncio.start_unix_server(answer, path=str(socket))


@pytest.fixture
async def fronting_garbage(settings: Settings, tmp_path: Path) -> AsyncIterator[InProcessWharf]:
    socket = tmp_path / "engine.sock"
    engine = await _garbage_engine(socket)
    fronting = dataclasses.replace(
        settings, engine=f"unix://{socket}", docker_listen="127.0.0.1:12376"
    )
    services = build_services(fronting)
    bootstrap(fronting, services.db)
    transport = httpx.ASGITransport(app=create_app(fronting, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://wharf.test") as client:
        yield InProcessWharf(services, client)
    services.db.dispose()
    engine.close()


async def _session(w: InProcessWharf, user: str, password: str) -> dict[str, str]:
    r = await w.client.post("/auth/login", json={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['auth_token']}"}


async def test_an_unparseable_filtered_list_is_a_502(fronting_garbage: InProcessWharf) -> None:
    w = fronting_garbage
    w.add_user("alice", "alice-password")
    r = await w.client.get(
        "/docker/containers/json", headers=await _session(w, "alice", "alice-password")
    )
    assert r.status_code == 502
    assert r.json() == {"message": "the engine's answer is not JSON"}
    assert SECRET not in r.content


async def test_an_admin_list_is_not_filtered_and_passes_as_it_came(
    fronting_garbage: InProcessWharf,
) -> None:
    """The contrast: nothing is withheld from an administrator, so nothing is parsed."""
    w = fronting_garbage
    r = await w.client.get(
        "/docker/containers/json", headers=await _session(w, "admin", ADMIN_PASSWORD)
    )
    assert r.status_code == 200
    assert r.content == GARBAGE
