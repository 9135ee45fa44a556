"""Fixtures of the LDAP tests: a fresh private slapd per test (with TLS), and helpers to
configure Wharf against it through the API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.common.slapd import PEOPLE, READER_DN, READER_PASSWORD, SlapdServer, find_slapd
from tests.conftest import ADMIN_PASSWORD, InProcessWharf, basic

ADMIN = basic("admin", ADMIN_PASSWORD)


@pytest.fixture
def slapd() -> Iterator[SlapdServer]:
    binary = find_slapd()
    if binary is None:
        pytest.skip("slapd is not installed (Debian package slapd); this test needs it")
    server = SlapdServer.start(binary, tls=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def ldap_wharf(wharf: InProcessWharf) -> AsyncIterator[InProcessWharf]:
    """The in-process Wharf, with its LDAP background work stopped afterwards."""
    try:
        yield wharf
    finally:
        await wharf.services.access.ldap.stop()


def ldap_settings(slapd: SlapdServer, **overrides: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "servers": [{"url": slapd.url, "readerDN": READER_DN, "readerPassword": READER_PASSWORD}],
        "userSearchConfigs": [
            {
                "baseDN": PEOPLE,
                "usernameAttr": "uid",
                "fullNameAttr": "cn",
                "filter": "(objectClass=inetOrgPerson)",
                "scopeSubtree": True,
            }
        ],
        "jitUserProvisioning": True,
        **overrides,
    }


async def configure(w: InProcessWharf, body: dict[str, Any]) -> dict[str, Any]:
    r = await w.client.put("/api/ucp/config/auth/ldap", json=body, headers=ADMIN)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def sync_now(w: InProcessWharf, timeout: float = 60) -> dict[str, Any]:
    """Start a sync through the API and wait for it to end; returns its status."""
    r = await w.client.post("/api/ucp/config/auth/ldap/sync", headers=ADMIN)
    assert r.status_code == 202, r.text
    job = r.json()["jobID"]
    deadline = time.monotonic() + timeout
    while True:
        r = await w.client.get("/api/ucp/config/auth/ldap/sync", headers=ADMIN)
        assert r.status_code == 200, r.text
        status = dict(r.json())
        if status["jobID"] == job and status["state"] != "running":
            return status
        assert time.monotonic() < deadline, f"sync did not finish: {status}"
        await asyncio.sleep(0.05)


async def login(w: InProcessWharf, user: str, password: str) -> httpx.Response:
    return await w.client.post("/auth/login", json={"username": user, "password": password})


async def session_headers(w: InProcessWharf, user: str, password: str) -> dict[str, str]:
    r = await login(w, user, password)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['auth_token']}"}
