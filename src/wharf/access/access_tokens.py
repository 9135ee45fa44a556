"""Personal access tokens (and service accounts' tokens): the password of ``docker
login`` in scripts and CI, and a Bearer token for the REST API. Shown once; only the
SHA-256 is stored; deleting the row revokes the token."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from wharf.access.interfaces import InvalidInput, NotFound
from wharf.access.models import AccessToken, Account
from wharf.core.db import utcnow

TOKEN_PREFIX = "wharf_pat_"  # noqa: S105 - a prefix, not a secret


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewAccessToken:
    token: str
    row: AccessToken


# Ten years: longer lifetimes are "never expires", which is what leaving it out means.
MAX_TOKEN_DAYS = 3650


def create_access_token(
    session: Session, account: Account, label: str, expires_in_days: int | None = None
) -> NewAccessToken:
    if account.is_org:
        raise InvalidInput("organizations cannot hold access tokens")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise InvalidInput(f"expiresInDays is between 1 and {MAX_TOKEN_DAYS}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = AccessToken(
        account_id=account.id,
        label=label[:255],
        token_hash=_digest(token),
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(row)
    session.flush()
    return NewAccessToken(token, row)


def account_for_token(session: Session, token: str) -> Account | None:
    """The active account of a valid access token; None if ``token`` is not one."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(AccessToken).where(AccessToken.token_hash == _digest(token)))
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.is_active:
        return None
    row.last_used_at = utcnow()
    return account


def list_access_tokens(session: Session, account: Account) -> list[AccessToken]:
    return list(
        session.scalars(
            select(AccessToken)
            .where(AccessToken.account_id == account.id)
            .order_by(AccessToken.created_at)
        )
    )


def delete_access_token(session: Session, account: Account, token_id: str) -> None:
    try:
        key = uuid.UUID(token_id)
    except ValueError:
        raise NotFound(f"no access token {token_id!r}") from None
    row = session.get(AccessToken, key)
    if row is None or row.account_id != account.id:
        raise NotFound(f"no access token {token_id!r}")
    session.delete(row)
