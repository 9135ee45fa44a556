"""Login sessions of the REST API and the UI (``POST /auth/login``).

A session lasts ``lifetime_minutes``; using it within ``renewal_threshold_minutes`` of
its end extends it by a lifetime; a user holds at most ``per_user_limit`` sessions and
the least recently used one goes when a new one would exceed it. Tokens are opaque; only
their SHA-256 is stored, and every use checks the account is still active.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wharf.access.interfaces import InvalidCredentials
from wharf.access.models import Account
from wharf.access.models import Session as LoginSession
from wharf.access.settings import SessionSettings
from wharf.core.db import utcnow
from wharf.core.settings_store import get_section

SESSION_PREFIX = "wharf_s_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str
    id: str
    expires_in: int


def start_session(session: Session, account: Account, user_agent: str = "") -> NewSession:
    settings = get_section(session, SessionSettings)
    now = utcnow()
    if settings.per_user_limit:
        existing = list(
            session.scalars(
                select(LoginSession)
                .where(LoginSession.account_id == account.id)
                .order_by(LoginSession.last_used_at.desc())
            )
        )
        for stale in existing[settings.per_user_limit - 1 :]:
            session.delete(stale)
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    row = LoginSession(
        id=secrets.token_hex(8),
        token_hash=_digest(token),
        account_id=account.id,
        user_agent=user_agent[:512],
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(minutes=settings.lifetime_minutes),
    )
    session.add(row)
    session.flush()
    return NewSession(token, row.id, settings.lifetime_minutes * 60)


def resolve_session(session: Session, token: str) -> tuple[Account, LoginSession]:
    """The account of a live session, renewing it when due; InvalidCredentials otherwise."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _digest(token)))
    now = utcnow()
    if row is None or row.expires_at <= now:
        raise InvalidCredentials()
    account = session.get(Account, row.account_id)
    if account is None or not account.is_active:
        raise InvalidCredentials()
    settings = get_section(session, SessionSettings)
    row.last_used_at = now
    threshold = timedelta(minutes=settings.renewal_threshold_minutes)
    if settings.renewal_threshold_minutes and row.expires_at - now <= threshold:
        row.expires_at = now + timedelta(minutes=settings.lifetime_minutes)
    return account, row


def end_session(session: Session, token: str) -> bool:
    result = session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))
    return bool(getattr(result, "rowcount", 0))


def end_all_sessions(session: Session, account: Account) -> None:
    session.execute(delete(LoginSession).where(LoginSession.account_id == account.id))
