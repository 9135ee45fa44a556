"""A list the proxy must filter, answered with something that is not JSON: the caller
gets a 502, never the unfiltered answer (which may name what they may not see). And a
list the engine can filter itself (the caller sees one collection) is asked of it with
that collection's label, on top of the caller's own filters.

A real engine does not answer garbage, so the engine here is a unix socket that does —
the one place the control-plane tests stand in for dockerd.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, InProcessWharf
from wharf.access.collections import create_collection
from wharf.control.resources import ACCESS_LABEL
from wharf.core.app import build_services, create_app
from wharf.core.bootstrap import bootstrap
from wharf.core.config import Settings

SECRET = b"container-of-someone-else"
GARBAGE = b"<html>" + SECRET + b"</html>"


async def _garbage_engine(socket: Path, targets: list[str]) -> asyncio.AbstractServer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        targets.append(head.split(b" ")[1].decode())
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(GARBAGE)}\r\nConnection: close\r\n\r\n".encode()
            + GARBAGE
        )
        await writer.drain()
        writer.close()

    return await asyncio.start_unix_server(answer, path=str(socket))


@pytest.fixture
def engine_targets() -> list[str]:
    """The request targets the engine received."""
    return []


@pytest.fixture
async def fronting_garbage(
    settings: Settings, tmp_path: Path, engine_targets: list[str]
) -> AsyncIterator[InProcessWharf]:
    socket = tmp_path / "engine.sock"
    engine = await _garbage_engine(socket, engine_targets)
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
    # Two collections to see: the proxy filters the list itself.
    w.services.db.call(lambda s: create_collection(s, "web", "/Shared/Private/alice"))
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


async def test_a_list_of_one_collection_is_narrowed_by_the_engine(
    fronting_garbage: InProcessWharf, engine_targets: list[str]
) -> None:
    """Alice sees only her private collection: the engine is asked for its label, and
    what it answers is relayed as it came (here, its garbage)."""
    w = fronting_garbage
    w.add_user("alice", "alice-password")
    alice = await _session(w, "alice", "alice-password")
    label = f"{ACCESS_LABEL}=/Shared/Private/alice"

    r = await w.client.get("/docker/containers/json", headers=alice, params={"all": "1"})
    assert r.status_code == 200 and r.content == GARBAGE
    query = parse_qs(urlsplit(engine_targets[-1]).query)
    assert query["all"] == ["1"]
    assert json.loads(query["filters"][0]) == {"label": [label]}

    # The caller's own filters stay, in either spelling.
    for given, expected in (
        (
            {"label": ["tier=web"], "status": ["running"]},
            {"label": ["tier=web", label], "status": ["running"]},
        ),
        ({"label": {"tier=web": True}}, {"label": {"tier=web": True, label: True}}),
        ({"name": {"web": True}}, {"name": {"web": True}, "label": {label: True}}),
    ):
        r = await w.client.get(
            "/docker/services", headers=alice, params={"filters": json.dumps(given)}
        )
        assert r.status_code == 200
        assert json.loads(parse_qs(urlsplit(engine_targets[-1]).query)["filters"][0]) == expected
