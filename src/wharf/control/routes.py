"""Control-plane REST endpoints besides the Docker API: the whole admin configuration as
TOML (``/api/ucp/config-toml``) and the audit log."""

from __future__ import annotations

import tomllib
from typing import Any

import tomli_w
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.access.api_auth import ApiAuth, require_admin
from wharf.access.models import Account
from wharf.control.audit import recent
from wharf.core.api import ApiError, bad_request, flag, paging
from wharf.core.settings_store import (
    InvalidSetting,
    Section,
    as_dict,
    get_section,
    put_section,
    section_from,
)

MAX_TOML = 256 * 1024


def _table(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    """``data["auth"]["sessions"]`` for key ``auth.sessions``; the scalar fields only
    for a table that also holds sub-tables (``auth``)."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if not isinstance(node, dict):
        return None
    return {k: v for k, v in node.items() if not isinstance(v, dict)}


class ControlRoutes:
    def __init__(self, auth: ApiAuth, sections: list[type[Section]]) -> None:
        self.auth = auth
        self.sections = sorted(sections, key=lambda s: s.KEY)

    async def get_toml(self, request: Request) -> Response:
        def work(session: Session, actor: Account) -> str:
            require_admin(actor)
            document: dict[str, Any] = {}
            for cls in self.sections:
                node = document
                for part in cls.KEY.split("."):
                    node = node.setdefault(part, {})
                node.update(as_dict(get_section(session, cls)))
            return tomli_w.dumps(document)

        text = await self.auth.run(request, work)
        return Response(text, media_type="application/toml")

    async def put_toml(self, request: Request) -> Response:
        raw = await request.body()
        if len(raw) > MAX_TOML:
            raise ApiError(413, "TOO_LARGE", "configuration larger than 256 KiB")
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise bad_request(f"invalid TOML: {exc}") from None
        known = {cls.KEY.split(".")[0] for cls in self.sections}
        unknown = sorted(set(data) - known)
        if unknown:
            raise bad_request(f"unknown table(s): {', '.join(unknown)}")

        def work(session: Session, actor: Account) -> dict[str, Any]:
            require_admin(actor)
            # Validate every section before storing any: all or nothing.
            updated = []
            for cls in self.sections:
                table = _table(data, cls.KEY)
                if table is not None:
                    updated.append(section_from(cls, table, get_section(session, cls)))
            for section in updated:
                put_section(session, section)
            return {"updated": [s.KEY for s in updated]}

        try:
            return JSONResponse(await self.auth.run(request, work))
        except InvalidSetting as exc:
            raise bad_request(str(exc)) from None

    async def audit(self, request: Request) -> Response:
        _, limit = paging(request, default_limit=50, max_limit=1000)
        denied = flag(request, "denied")

        def work(session: Session, actor: Account) -> dict[str, Any]:
            require_admin(actor)
            return {
                "events": [
                    {
                        "time": e.time.isoformat(),
                        "user": e.user,
                        "method": e.method,
                        "path": e.path,
                        "operations": e.operations,
                        "collections": e.collections,
                        "allowed": e.allowed,
                        "status": e.status,
                        "message": e.message,
                    }
                    for e in recent(session, denied_only=denied, limit=limit)
                ]
            }

        return JSONResponse(await self.auth.run(request, work))

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/ucp/config-toml", self.get_toml, methods=["GET"]),
            Route("/api/ucp/config-toml", self.put_toml, methods=["PUT"]),
            Route("/api/audit", self.audit, methods=["GET"]),
        ]
