"""Fixtures every test tree may use: an in-process Wharf app on a temporary data dir.

Integration fixtures that start real daemons (dockerd, PostgreSQL, a `wharf up`
subprocess) live in ``tests/common`` and ``tests/integration/conftest.py``.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from wharf.access.accounts import create_user
from wharf.core.app import Services, build_services, create_app
from wharf.core.bootstrap import bootstrap
from wharf.core.config import Settings

ADMIN_PASSWORD = "admin-password-for-tests"


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class InProcessWharf:
    """A Wharf app served in-process through httpx's ASGI transport."""

    def __init__(self, services: Services, client: httpx.AsyncClient) -> None:
        self.services = services
        self.client = client

    def add_user(self, name: str, password: str, *, is_admin: bool = False) -> None:
        self.services.db.call(create_user, name, password, is_admin=is_admin)

    async def token(self, user: str | None, password: str | None, *scopes: str) -> str:
        headers = basic(user, password) if user and password else {}
        params = [("service", "wharf")] + [("scope", s) for s in scopes]
        response = await self.client.get("/auth/token", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    async def bearer(self, user: str | None, password: str | None, *scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(user, password, *scopes)}"}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("WHARF_ADMIN_PASSWORD", ADMIN_PASSWORD)
    return Settings(data_dir=tmp_path / "data", access_log=False)


@pytest.fixture
async def wharf(settings: Settings) -> AsyncIterator[InProcessWharf]:
    services = build_services(settings)
    bootstrap(settings, services.db)
    app = create_app(settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wharf.test") as client:
        yield InProcessWharf(services, client)
    services.db.dispose()
