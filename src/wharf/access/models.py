"""Accounts (users and organizations share one namespace) and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wharf.core.db import Base, UUIDPrimaryKey, utcnow


class Account(UUIDPrimaryKey, Base):
    """A user or an organization. Both own a namespace of repositories, hence one table
    with one unique name column."""

    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(255), unique=True)
    is_org: Mapped[bool] = mapped_column(default=False)
    full_name: Mapped[str] = mapped_column(String(255), default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    # argon2 hash; None for organizations and directory-only users.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RefreshToken(UUIDPrimaryKey, Base):
    """A long-lived token ``docker login`` stores instead of the password (the OAuth2
    refresh token of Docker token auth). Only its SHA-256 is kept."""

    __tablename__ = "refresh_tokens"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
