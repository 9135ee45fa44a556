"""Fixtures every test tree may use: an in-process Wharf app on a temporary data dir.

Integration fixtures that start real daemons (dockerd, PostgreSQL, a `wharf up`
subprocess) live in ``tests/common`` and ``tests/integration/conftest.py``.
"""

from __future__ import annotations

import base64
import os
import shutil

# Cheaper argon2 for the suite's many logins (still argon2id; the cost is a parameter).
os.environ.setdefault("WHARF_ARGON2_TIME_COST", "1")
os.environ.setdefault("WHARF_ARGON2_MEMORY_KIB", "8192")
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


@pytest.fixture(scope="session")
def template_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded data directory (admin created, keys generated), made once and
    copied for each test: migrations and argon2 hashing are the slow part of a fresh app."""
    data_dir = tmp_path_factory.mktemp("template") / "data"
    settings = Settings(data_dir=data_dir, access_log=False)
    os.environ["WHARF_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    try:
        services = build_services(settings)
        bootstrap(settings, services.db)
        services.db.dispose()
    finally:
        del os.environ["WHARF_ADMIN_PASSWORD"]
    return data_dir


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template_data_dir: Path) -> Settings:
    monkeypatch.setenv("WHARF_ADMIN_PASSWORD", ADMIN_PASSWORD)
    data_dir = tmp_path / "data"
    shutil.copytree(template_data_dir, data_dir)
    return Settings(data_dir=data_dir, access_log=False)


@pytest.fixture
async def wharf(settings: Settings) -> AsyncIterator[InProcessWharf]:
    services = build_services(settings)
    bootstrap(settings, services.db)
    app = create_app(settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wharf.test") as client:
        yield InProcessWharf(services, client)
    services.db.dispose()
