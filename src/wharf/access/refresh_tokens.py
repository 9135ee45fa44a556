"""Refresh tokens: what ``docker login`` keeps (as its identity token) instead of the
password. Opaque random strings; only their SHA-256 is stored, so a database leak does not
leak usable tokens, and deleting the row revokes the token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from wharf.access.interfaces import InvalidCredentials
from wharf.access.models import Account, RefreshToken
from wharf.core.db import utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_refresh_token(
    session: Session, account: Account, client_id: str, ttl_seconds: int
) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            account_id=account.id,
            token_hash=_digest(token),
            client_id=client_id[:255],
            expires_at=utcnow() + timedelta(seconds=ttl_seconds),
        )
    )
    return token


def redeem_refresh_token(session: Session, token: str) -> Account:
    """The active account a valid refresh token belongs to; raises InvalidCredentials."""
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _digest(token)))
    if row is None or row.expires_at <= utcnow():
        raise InvalidCredentials()
    account = session.get(Account, row.account_id)
    if account is None or not account.is_active:
        raise InvalidCredentials()
    return account
