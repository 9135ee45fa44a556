"""``/api/ucp/config/{section}``: read and change one admin settings section."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.access.api_auth import ApiAuth, require_admin
from wharf.access.interfaces import NotFound
from wharf.access.models import Account
from wharf.core.api import json_body
from wharf.core.settings_store import Section, as_dict, get_section, put_section, section_from


class SettingsRoutes:
    def __init__(self, auth: ApiAuth, sections: list[type[Section]]) -> None:
        self.auth = auth
        self.sections = {s.KEY: s for s in sections}

    def _section(self, key: str) -> type[Section]:
        found = self.sections.get(key)
        if found is None:
            raise NotFound(
                f"no settings section {key!r}; known: {', '.join(sorted(self.sections))}"
            )
        return found

    async def section(self, request: Request) -> Response:
        key = request.path_params["section"]
        method = request.method
        data = await json_body(request) if method == "PUT" else {}

        def work(session: Session, actor: Account) -> dict[str, Any]:
            require_admin(actor)
            cls = self._section(key)
            current = get_section(session, cls)
            if method == "PUT":
                current = section_from(cls, data, current)
                put_section(session, current)
            return as_dict(current)

        return JSONResponse(await self.auth.run(request, work))

    async def index(self, request: Request) -> Response:
        def work(session: Session, actor: Account) -> dict[str, Any]:
            require_admin(actor)
            return {
                key: as_dict(get_section(session, cls))
                for key, cls in sorted(self.sections.items())
            }

        return JSONResponse(await self.auth.run(request, work))

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/ucp/config", self.index, methods=["GET"]),
            Route("/api/ucp/config/{section}", self.section, methods=["GET", "PUT"]),
        ]
