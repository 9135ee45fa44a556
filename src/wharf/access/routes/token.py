"""The token service of Docker token authentication (``/auth/token``).

``GET`` with Basic credentials (or none, for anonymous access) is what ``docker login``
and ``docker pull`` use; ``POST`` is the OAuth2 form that clients holding a refresh token
use. Each requested scope is intersected with what the caller may do, so the token
carries exactly the granted actions — possibly none, which clients report as "denied"
whether or not the repository exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse

from wharf.access.accounts import Authenticator
from wharf.access.interfaces import InvalidCredentials
from wharf.access.principal import Principal
from wharf.access.refresh_tokens import create_refresh_token, redeem_refresh_token
from wharf.access.scopes import ALL_ACTIONS, Scope, parse_scopes
from wharf.access.tokens import TokenService
from wharf.core.api import storable_text
from wharf.core.db import Database, Reader, SessionReader
from wharf.core.http import BasicCredentials, MalformedAuthorization, parse_authorization
from wharf.core.logging import get_logger

log = get_logger("access.token")

# Given a scope's type, the actions the caller (None = anonymous) may take on its name.
GrantResolver = Callable[[Reader, Principal | None, str], frozenset[str]]


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _unauthorized(message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"code": "UNAUTHORIZED", "message": message}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Basic realm="wharf"'},
    )


class TokenEndpoint:
    def __init__(
        self,
        db: Database,
        tokens: TokenService,
        authenticator: Authenticator,
        resolvers: dict[str, GrantResolver],
        refresh_ttl_seconds: int,
    ) -> None:
        self.db = db
        self.tokens = tokens
        self.authenticator = authenticator
        self.resolvers = resolvers
        self.refresh_ttl = refresh_ttl_seconds

    def _grant(
        self, reader: Reader, principal: Principal | None, scopes: list[Scope]
    ) -> list[Scope]:
        granted: list[Scope] = []
        for scope in scopes:
            resolver = self.resolvers.get(scope.type)
            if resolver is None:
                continue
            allowed = resolver(reader, principal, scope.name)
            actions = frozenset(a for a in scope.actions if a in allowed)
            if ALL_ACTIONS in scope.actions and ALL_ACTIONS in allowed:
                actions |= {ALL_ACTIONS}
            granted.append(Scope(scope.type, scope.name, actions))
        return granted

    def _check_service(self, service: str | None) -> JSONResponse | None:
        if service and service != self.tokens.service:
            return _oauth_error(
                400,
                "invalid_request",
                f"unknown service {service!r}; this is {self.tokens.service!r}",
            )
        return None

    def _respond(
        self, principal: Principal | None, granted: list[Scope], refresh: str | None
    ) -> JSONResponse:
        issued = self.tokens.issue(principal.name if principal else "", granted)
        body: dict[str, Any] = {
            "token": issued.token,
            "access_token": issued.token,
            "expires_in": issued.expires_in,
            "issued_at": issued.issued_at,
        }
        if refresh:
            body["refresh_token"] = refresh
        log.info(
            "token issued",
            extra={
                "subject": principal.name if principal else "<anonymous>",
                "scopes": [str(s) for s in granted],
            },
        )
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def get(self, request: Request) -> JSONResponse:
        params = request.query_params
        if (error := self._check_service(params.get("service"))) is not None:
            return error
        try:
            credentials = parse_authorization(request.headers.get("authorization"))
        except MalformedAuthorization as exc:
            return _unauthorized(str(exc))
        if credentials is not None and not isinstance(credentials, BasicCredentials):
            return _unauthorized("the token service takes Basic credentials")
        scopes = parse_scopes(params.getlist("scope"))
        offline = params.get("offline_token", "").lower() == "true"
        client_id = params.get("client_id", "")

        if credentials is None or not offline:
            # The hot path: anonymous, or credentials that succeeded recently.
            def fast(reader: Reader) -> tuple[bool, Principal | None, list[Scope]]:
                principal = None
                if credentials is not None:
                    principal = self.authenticator.remembered(
                        reader, credentials.username, credentials.password
                    )
                    if principal is None:
                        return False, None, []
                return True, principal, self._grant(reader, principal, scopes)

            done, principal, granted = await self.db.read(fast)
            if done:
                return self._respond(principal, granted, None)

        def work(session: Session) -> tuple[Principal | None, list[Scope], str | None]:
            principal = None
            refresh = None
            if credentials is not None:
                account = self.authenticator.authenticate(
                    session, credentials.username, credentials.password
                )
                principal = Principal.of(account)
                if offline:
                    refresh = create_refresh_token(session, account, client_id, self.refresh_ttl)
            return principal, self._grant(SessionReader(session), principal, scopes), refresh

        try:
            principal, granted, refresh = await self.db.run(work)
        except InvalidCredentials:
            log.info("token refused: invalid credentials")
            return _unauthorized("invalid username or password")
        return self._respond(principal, granted, refresh)

    async def post(self, request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > 64 * 1024:
            return _oauth_error(400, "invalid_request", "request body too large")
        fields = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if not storable_text(fields):
            return _oauth_error(400, "invalid_request", "NUL characters are not allowed")
        if (error := self._check_service(fields.get("service"))) is not None:
            return error
        grant_type = fields.get("grant_type", "")
        scopes = parse_scopes([fields.get("scope", "")])
        offline = fields.get("access_type", "") == "offline"
        client_id = fields.get("client_id", "")
        if grant_type not in ("password", "refresh_token"):
            return _oauth_error(
                400, "unsupported_grant_type", f"unsupported grant_type {grant_type!r}"
            )

        def work(session: Session) -> tuple[Principal, list[Scope], str | None]:
            refresh = None
            if grant_type == "password":
                account = self.authenticator.authenticate(
                    session, fields.get("username", ""), fields.get("password", "")
                )
                if offline:
                    refresh = create_refresh_token(session, account, client_id, self.refresh_ttl)
            else:
                account = redeem_refresh_token(session, fields.get("refresh_token", ""))
            principal = Principal.of(account)
            return principal, self._grant(SessionReader(session), principal, scopes), refresh

        try:
            principal, granted, refresh = await self.db.run(work)
        except InvalidCredentials:
            log.info("token refused: invalid grant", extra={"grant_type": grant_type})
            return _oauth_error(401, "invalid_grant", "invalid username, password or refresh token")
        return self._respond(principal, granted, refresh)
