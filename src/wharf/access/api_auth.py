"""Who is calling the REST API: a session token or access token (``Bearer``), or Basic
credentials (password or access token) for scripts. Resolved inside the request's
database session, so the handler acts on a live account row."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.requests import Request

from wharf.access.access_tokens import TOKEN_PREFIX, account_for_token
from wharf.access.accounts import Authenticator
from wharf.access.interfaces import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
)
from wharf.access.models import Account
from wharf.access.sessions import resolve_session
from wharf.core.api import ApiError
from wharf.core.db import Database
from wharf.core.http import (
    BasicCredentials,
    Credentials,
    MalformedAuthorization,
    parse_authorization,
)
from wharf.core.settings_store import InvalidSetting

T = TypeVar("T")

UNAUTHORIZED = ApiError(
    401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": 'Bearer realm="wharf"'}
)


def credentials_of(request: Request) -> Credentials | None:
    try:
        return parse_authorization(request.headers.get("authorization"))
    except MalformedAuthorization as exc:
        raise ApiError(401, "UNAUTHORIZED", str(exc)) from None


def to_api_error(exc: Exception) -> ApiError | None:
    """Domain errors as API errors (the app registers this as the handler of every
    access-domain error); None for anything unexpected (a 500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, InvalidCredentials):
        return UNAUTHORIZED
    if isinstance(exc, NotFound):
        return ApiError(404, "NOT_FOUND", str(exc))
    if isinstance(exc, Forbidden):
        return ApiError(403, "FORBIDDEN", str(exc))
    if isinstance(exc, Conflict):
        return ApiError(409, "CONFLICT", str(exc))
    if isinstance(exc, InvalidInput | InvalidSetting):
        return ApiError(400, "INVALID_INPUT", str(exc))
    return None


class ApiAuth:
    def __init__(self, db: Database, authenticator: Authenticator) -> None:
        self.db = db
        self.authenticator = authenticator

    def resolve(self, session: Session, credentials: Credentials | None) -> Account:
        """The calling account; InvalidCredentials (401) when there is none."""
        if credentials is None:
            raise InvalidCredentials()
        if isinstance(credentials, BasicCredentials):
            return self.authenticator.authenticate(
                session, credentials.username, credentials.password
            )
        token = credentials.token
        if token.startswith(TOKEN_PREFIX):
            account = account_for_token(session, token)
            if account is None:
                raise InvalidCredentials()
            return account
        account, _ = resolve_session(session, token)
        return account

    async def run(self, request: Request, work: Callable[[Session, Account], T]) -> T:
        """Authenticate, then run ``work(session, actor)`` in one transaction; domain
        errors become API errors and the transaction rolls back."""
        credentials = credentials_of(request)

        def call(session: Session) -> T:
            actor = self.resolve(session, credentials)
            request.state.user = actor.name
            return work(session, actor)

        return await self.run_anonymous(call)

    async def run_optional(
        self, request: Request, work: Callable[[Session, Account | None], T]
    ) -> T:
        """Like ``run``, but a request without credentials runs as anonymous (None)."""
        credentials = credentials_of(request)

        def call(session: Session) -> T:
            actor = None if credentials is None else self.resolve(session, credentials)
            if actor is not None:
                request.state.user = actor.name
            return work(session, actor)

        return await self.run_anonymous(call)

    async def run_anonymous(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction; a domain error rolls it back and reaches the
        app's error handler (:func:`to_api_error`)."""
        return await self.db.run(work)


def require_admin(actor: Account) -> None:
    if not actor.is_admin:
        raise Forbidden("only administrators may do this")
