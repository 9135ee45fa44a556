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

