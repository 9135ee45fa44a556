"""Access-domain tables: accounts (users, organizations, service accounts), membership,
sessions and personal access tokens, roles, collections and grants, admin settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wharf.core.db import Base, UUIDPrimaryKey, utcnow


class Account(UUIDPrimaryKey, Base):
    """A user, an organization or a service account. All own a namespace of repositories,
    hence one table with one unique name column."""

    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(255), unique=True)
    is_org: Mapped[bool] = mapped_column(default=False)
    full_name: Mapped[str] = mapped_column(String(255), default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    # argon2 hash; None for organizations, service accounts and directory users.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    # "managed" (local password) or "ldap" (checked against the directory).
    source: Mapped[str] = mapped_column(String(16), default="managed")
    ldap_dn: Mapped[str | None] = mapped_column(String(1024), default=None)
    # A service (robot) account belongs to one organization and logs in with tokens only.
    service_org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), default=None
    )
    default_collection_id: Mapped[str | None] = mapped_column(String(64), default=None)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_service(self) -> bool:
        return self.service_org_id is not None


class OrgMember(Base):
    """A user's membership of an organization; ``is_admin`` marks the org's owners."""

    __tablename__ = "org_members"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    is_admin: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (Index("ix_org_members_user", "user_id"),)


class Team(UUIDPrimaryKey, Base):
    """A group of users inside exactly one organization (``acme/dev``)."""

    __tablename__ = "teams"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(1024), default="")
    # LDAP member sync: {"mode": "group"|"search", ...}; None when managed by hand.
    member_sync: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_teams_org_name"),)


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_team_members_user", "user_id"),)


class Session(Base):
    """A login session of the REST API and UI (``POST /auth/login``). The token is
    opaque; only its SHA-256 is stored."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class AccessToken(UUIDPrimaryKey, Base):
    """A personal access token (or a service account's token): usable as the password
    of ``docker login`` and as a Bearer token of the REST API."""

    __tablename__ = "access_tokens"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(255), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


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


class Role(Base):
    """A named, immutable set of operations with their enabled sub-options:
    ``{"Container": {"Container Create": ["Host Bind Mounts"], ...}, ...}``."""

    __tablename__ = "roles"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    system_role: Mapped[bool] = mapped_column(default=False)
    operations: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Collection(Base):
    """A node of the collection tree; its path (``/Shared/Private/alice``) is what users
    see and what resources carry in ``com.docker.ucp.access.label``."""

    __tablename__ = "collections"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("collections.id", ondelete="RESTRICT"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Grant(Base):
    """(subject, role, collection): the subject — a user, a team or an organization —
    holds the role's operations on the collection and everything below it."""

    __tablename__ = "grants"

    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[str] = mapped_column(
        ForeignKey("roles.id", ondelete="RESTRICT"), primary_key=True
    )
    # "user", "team" or "org"
    subject_type: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_grants_collection", "collection_id"),)


class AccessVersion(Base):
    """A counter bumped in the same transaction as any change that can alter an access
    decision, so every process knows when its cached snapshot is stale."""

    __tablename__ = "access_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
