"""LDAP endpoints:

* ``GET|PUT /api/ucp/config/auth/ldap`` — the settings (admins; reader passwords are
  write-only);
* ``POST /api/ucp/config/auth/ldap/test`` — try a login ``{username, password}``,
  optionally with unsaved settings ``{config: {...}}``;
* ``POST|GET /api/ucp/config/auth/ldap/sync`` — start a full sync (202 with the job) and
  see the current or last one;
* ``GET|PUT /accounts/{org}/teams/{team}/memberSyncConfig`` — a team's member sync.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.access import teams as team_service
from wharf.access.api_auth import ApiAuth, require_admin
from wharf.access.interfaces import InvalidInput, NotFound
from wharf.access.ldap.client import DirectoryError
from wharf.access.ldap.config import LdapConfig, config_from_json, config_view
from wharf.access.ldap.service import LdapService
from wharf.access.ldap.teams import (
    member_sync_config_view,
    parse_member_sync_config,
    set_member_sync,
)
from wharf.access.models import Account, Team
from wharf.access.routes.accounts import visible_account
from wharf.core.api import bad_request, field, json_body
from wharf.core.logging import get_logger

log = get_logger("access.ldap")


class LdapRoutes:
    def __init__(self, auth: ApiAuth, service: LdapService) -> None:
        self.auth = auth
        self.service = service

    async def config(self, request: Request) -> Response:
        method = request.method
        data = await json_body(request) if method == "PUT" else {}

        def work(session: Session, actor: Account) -> tuple[dict[str, Any], bool]:
            require_admin(actor)
            current = self.service.config(session)
            if method == "PUT":
                current = config_from_json(data, current)
                self.service.save(session, current)
            return config_view(current), current.enabled

        view, enabled = await self.auth.run(request, work)
        if method == "PUT":
            log.info(
                "ldap settings changed",
                extra={
                    "user": getattr(request.state, "user", ""),
                    "enabled": enabled,
                    "servers": [s["url"] for s in view["servers"]],
                },
            )
            if enabled:
                self.service.start_scheduler()
        return JSONResponse(view)

    async def test_login(self, request: Request) -> Response:
        data = await json_body(request)
        username = field(data, "username", str, required=True)
        password = field(data, "password", str, required=True)
        overrides = field(data, "config", dict)
        if not username or not password:
            raise bad_request("'username' and 'password' must not be empty")

        def work(session: Session, actor: Account) -> LdapConfig:
            require_admin(actor)
            current = self.service.config(session)
            return config_from_json(overrides, current) if overrides else current

        config = await self.auth.run(request, work)
        if not config.servers or not config.user_searches:
            raise bad_request("configure at least one server and one user search first")
        result = await asyncio.to_thread(self.service.test_login, config, username, password)
        return JSONResponse(result)

    async def sync(self, request: Request) -> Response:
        method = request.method

        def work(session: Session, actor: Account) -> dict[str, Any] | None:
            require_admin(actor)
            if method == "GET":
                return self.service.status(session)
            if not self.service.config(session).enabled:
                raise InvalidInput("LDAP is not enabled; enable it before syncing")
            return None

        status = await self.auth.run(request, work)
        if status is not None:
            return JSONResponse(status)
        job, new = await self.service.start_sync("manual")
        return JSONResponse({**job.view(), "alreadyRunning": not new}, status_code=202)

    async def member_sync(self, request: Request) -> Response:
        org_name, team_name = request.path_params["name"], request.path_params["team"]
        method = request.method
        data = await json_body(request) if method == "PUT" else {}

        def work(
            session: Session, actor: Account
        ) -> tuple[dict[str, Any], uuid.UUID, LdapConfig | None]:
            org = visible_account(session, actor, org_name)
            if not org.is_org:
                raise NotFound(f"no organization {org_name!r}")
            team: Team = team_service.find_team(session, org, team_name)
            team_service.require_org_admin(session, actor, org)
            if method == "GET":
                return member_sync_config_view(team), team.id, None
            require_admin(actor)
            sync, immediate = parse_member_sync_config(data)
            config = self.service.config(session)
            if sync.enable_sync and immediate and not config.enabled:
                raise InvalidInput("LDAP is not enabled; enable it before syncing team members")
            set_member_sync(team, sync, immediate)
            session.flush()
            run_now = sync.enable_sync and immediate
            return member_sync_config_view(team), team.id, config if run_now else None

        view, team_id, config = await self.auth.run(request, work)
        if config is not None:
            try:
                outcome = await asyncio.to_thread(self.service.sync_team_now, config, team_id)
            except DirectoryError as exc:
                view["syncError"] = str(exc)
            else:
                view["sync"] = {
                    "added": outcome.added,
                    "removed": outcome.removed,
                    "members": outcome.members,
                }
        return JSONResponse(view)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/ucp/config/auth/ldap", self.config, methods=["GET", "PUT"]),
            Route("/api/ucp/config/auth/ldap/test", self.test_login, methods=["POST"]),
            Route("/api/ucp/config/auth/ldap/sync", self.sync, methods=["GET", "POST"]),
            Route(
                "/accounts/{name}/teams/{team}/memberSyncConfig",
                self.member_sync,
                methods=["GET", "PUT"],
            ),
        ]
