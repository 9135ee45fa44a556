"""``/auth/login``, ``/auth/logout`` and ``/auth/whoami``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.access.api_auth import ApiAuth, credentials_of
from wharf.access.models import Account
from wharf.access.routes.views import account_view
from wharf.access.sessions import end_session, start_session
from wharf.core.api import ApiError, field, json_body
from wharf.core.http import BearerCredentials
from wharf.core.logging import get_logger

log = get_logger("access.auth")


class AuthRoutes:
    def __init__(self, auth: ApiAuth) -> None:
        self.auth = auth

    async def login(self, request: Request) -> Response:
        data = await json_body(request)
        username = field(data, "username", str, required=True)
        password = field(data, "password", str, required=True)
        agent = request.headers.get("user-agent", "")

        def work(session: Session) -> dict[str, Any]:
            account = self.auth.authenticator.authenticate(session, username, password)
            new = start_session(session, account, agent)
            return {
                "auth_token": new.token,
                "token_id": new.id,
                "user_agent": agent,
                "expires_in": new.expires_in,
            }

        try:
            body = await self.auth.run_anonymous(work)
        except Exception:
            log.info("login refused", extra={"username": username})
            raise
        log.info("login", extra={"username": username})
        return JSONResponse(body)

    async def logout(self, request: Request) -> Response:
        credentials = credentials_of(request)
        if not isinstance(credentials, BearerCredentials):
            raise ApiError(401, "UNAUTHORIZED", "log out with the session token as a Bearer token")
        token = credentials.token
        await self.auth.run(request, lambda s, _actor: end_session(s, token))
        return Response(status_code=204)

    async def whoami(self, request: Request) -> Response:
        def work(session: Session, actor: Account) -> dict[str, Any]:
            return account_view(actor)

        return JSONResponse(await self.auth.run(request, work))

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/auth/login", self.login, methods=["POST"]),
            Route("/auth/logout", self.logout, methods=["POST"]),
            Route("/auth/whoami", self.whoami, methods=["GET"]),
        ]
