"""Control-plane tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wharf.core.db import Base, UUIDPrimaryKey, utcnow


class PublicKey(UUIDPrimaryKey, Base):
    """A client bundle's public key, registered under its account (UCP's
    ``/accounts/{name}/publicKeys``). The bundle's certificate authenticates only while
    this row exists, is unexpired and the account is active: deleting it revokes the
    bundle."""

    __tablename__ = "public_keys"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(255), default="")
    # SHA-256 (hex) of the DER SubjectPublicKeyInfo: what a TLS client certificate is
    # matched by.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class AuditEvent(UUIDPrimaryKey, Base):
    """One audited Docker API request: who, what, which collections, allowed or not.
    Every mutating request and every denial is kept (reads too at level "request")."""

    __tablename__ = "audit_events"

    time: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(255), index=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(1024))
    operations: Mapped[str] = mapped_column(String(1024), default="")
    collections: Mapped[str] = mapped_column(String(2048), default="")
    allowed: Mapped[bool] = mapped_column(index=True)
    status: Mapped[int] = mapped_column()
    message: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str | None] = mapped_column(Text, default=None)
