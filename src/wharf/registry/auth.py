"""Authentication and authorization of ``/v2/`` requests.

A request carries a registry token (``Bearer``, the normal client flow), Basic
credentials (scripts and clients that send them directly), or nothing. Tokens are
trusted for exactly the actions they carry; Basic callers are checked against
:func:`repository_actions` directly. A caller who may not pull a repository is told the
same thing whether it exists or not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from starlette.requests import Request

from wharf.access.accounts import AccountChanges, Authenticator
from wharf.access.interfaces import InvalidCredentials, TokenInvalid
from wharf.access.models import Account
from wharf.access.principal import Principal
from wharf.access.tokens import TokenClaims, TokenService
from wharf.core.db import Database, PreparedQuery
from wharf.core.http import (
    BasicCredentials,
    Credentials,
    MalformedAuthorization,
    base_url,
    parse_authorization,
)
from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.permissions import PULL, repository_actions

ACTIVE_CACHE_SECONDS = 1.0
_ACCOUNT_ACTIVE = PreparedQuery(select(Account.is_active).where(Account.name == bindparam("name")))


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: by token (``claims``) or by Basic credentials
    (``principal``)."""

    name: str
    claims: TokenClaims | None = None
    principal: Principal | None = None


class RegistryAuth:
    def __init__(
        self, db: Database, tokens: TokenService, authenticator: Authenticator, public_url: str
    ) -> None:
        self.db = db
        self.tokens = tokens
        self.authenticator = authenticator
        self.public_url = public_url
        self._active: dict[str, tuple[bool, float, int]] = {}

    def challenge(self, request: Request, scope: str | None, error: str | None = None) -> str:
        realm = f"{base_url(request, self.public_url)}/auth/token"
        parts = [f'realm="{realm}"', f'service="{self.tokens.service}"']
        if scope:
            parts.append(f'scope="{scope}"')
        if error:
            parts.append(f'error="{error}"')
        return "Bearer " + ",".join(parts)

    def unauthorized(
        self,
        request: Request,
        scope: str | None,
        message: str | None = None,
        error: str | None = None,
    ) -> RegistryError:
        detail = None
        if scope:
            resource_type, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            detail = [{"Type": resource_type, "Name": name, "Action": actions}]
        return RegistryError(
            ErrorCode.UNAUTHORIZED,
            message,
            detail=detail,
            headers={"WWW-Authenticate": self.challenge(request, scope, error)},
        )

    async def caller(self, request: Request, scope: str | None) -> Caller:
        """Who is calling; a 401 with the token challenge when nobody (validly) is."""
        try:
            credentials = parse_authorization(request.headers.get("authorization"))
        except MalformedAuthorization as exc:
            raise self.unauthorized(request, scope, str(exc)) from None
        if credentials is None:
            raise self.unauthorized(request, scope)
        caller = await self._identify(request, credentials, scope)
        request.state.user = caller.name
        return caller

    async def _identify(
        self, request: Request, credentials: Credentials, scope: str | None
    ) -> Caller:
        if isinstance(credentials, BasicCredentials):
            name, password = credentials.username, credentials.password
            principal = await self.db.read(self.authenticator.remembered, name, password)
            if principal is None:
                try:
                    account = await self.db.run(self.authenticator.authenticate, name, password)
                except InvalidCredentials:
                    raise self.unauthorized(
                        request, scope, "invalid username or password"
                    ) from None
                principal = Principal.of(account)
            return Caller(principal.name, principal=principal)
        try:
            claims = self.tokens.verify(credentials.token)
        except TokenInvalid as exc:
            raise self.unauthorized(request, scope, str(exc), error="invalid_token") from None
        if claims.subject and not await self._still_active(claims.subject):
            # Deactivated or deleted since the token was issued: refused at once.
            raise self.unauthorized(request, scope, "account is not active", error="invalid_token")
        return Caller(claims.subject, claims=claims)

    async def _still_active(self, name: str) -> bool:
        """Whether the token's account is still active: asked of the database at most
        once a second per account (every pull request carries a token), and at once
        after any account change in this process."""
        now = time.monotonic()
        cached = self._active.get(name)
        if cached is not None and cached[1] > now and cached[2] == AccountChanges.generation:
            return cached[0]
        row = await self.db.fetch_one(_ACCOUNT_ACTIVE, {"name": name})
        active = bool(row and row[0])
        if len(self._active) > 10_000:
            self._active.clear()
        self._active[name] = (active, now + ACTIVE_CACHE_SECONDS, AccountChanges.generation)
        return active

    async def allowed_actions(self, caller: Caller, repository: str) -> frozenset[str]:
        if caller.claims is not None:
            return frozenset(
                a
                for s in caller.claims.access
                if s.type == "repository" and s.name == repository
                for a in s.actions
            )

        return await self.db.read(repository_actions, caller.principal, repository)

    async def require(
        self, request: Request, repository: str, action: str, scope_actions: str
    ) -> Caller:
        """The caller, if they may take ``action`` on ``repository``; otherwise the
        error that neither reveals nor denies the repository's existence."""
        scope = f"repository:{repository}:{scope_actions}"
        caller = await self.caller(request, scope)
        if caller.claims is not None:
            if caller.claims.allows("repository", repository, action):
                return caller
            raise self.unauthorized(request, scope, error="insufficient_scope")
        allowed = await self.allowed_actions(caller, repository)
        if action in allowed:
            return caller
        if action == PULL:
            raise RegistryError(ErrorCode.NAME_UNKNOWN, detail={"name": repository})
        raise RegistryError(ErrorCode.DENIED)

    async def may(self, caller: Caller, repository: str, action: str) -> bool:
        if caller.claims is not None:
            return caller.claims.allows("repository", repository, action)
        return action in await self.allowed_actions(caller, repository)
