"""Registry metadata. The database is the source of truth: which repository links which
blob, which manifests exist and what they reference, which tags point where, which
uploads are in progress. Blob bytes live in the blob store, once per digest."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wharf.core.db import Base, UUIDPrimaryKey, utcnow


class Repository(UUIDPrimaryKey, Base):
    __tablename__ = "repositories"

    # Full name ("alice/app"); the namespace is its first component, an account name.
    name: Mapped[str] = mapped_column(String(255), unique=True)
    namespace: Mapped[str] = mapped_column(String(255), index=True)
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    short_description: Mapped[str] = mapped_column(String(140), default="")
    long_description: Mapped[str] = mapped_column(String(10_000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Blob(Base):
    """A blob present in the blob store, registry-wide."""

    __tablename__ = "blobs"

    digest: Mapped[str] = mapped_column(String(160), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RepositoryBlob(Base):
    """A repository's right to see a blob (distribution's per-repository link)."""

    __tablename__ = "repository_blobs"

    repository_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(ForeignKey("blobs.digest"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_repository_blobs_digest", "digest"),)


class Manifest(UUIDPrimaryKey, Base):
    """A manifest in one repository, its exact bytes kept here (at most a few MiB) so a
    pull by tag is a single indexed query."""

    __tablename__ = "manifests"

    repository_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE")
    )
    digest: Mapped[str] = mapped_column(String(160))
    media_type: Mapped[str] = mapped_column(String(255))
    artifact_type: Mapped[str | None] = mapped_column(String(255), default=None)
    subject_digest: Mapped[str | None] = mapped_column(String(160), default=None)
    annotations: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("repository_id", "digest", name="uq_manifests_repository_digest"),
        Index("ix_manifests_subject", "repository_id", "subject_digest"),
    )


class ManifestReference(Base):
    """What a manifest points to: its config and layers (blobs) or its children
    (manifests). Kept for validation of deletes, for GC reference counting and for the
    UI's layer views."""

    __tablename__ = "manifest_references"

    manifest_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("manifests.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(160))
    # "config", "layer" or "manifest"
    kind: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_manifest_references_digest", "digest"),)


class Tag(Base):
    __tablename__ = "tags"

    repository_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    manifest_digest: Mapped[str] = mapped_column(String(160))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_tags_manifest", "repository_id", "manifest_digest"),)


class Upload(Base):
    """A blob upload in progress. Its bytes are in the blob store under
    ``/uploads/<id>/data``; the offset is the number of bytes accepted so far."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    repository_name: Mapped[str] = mapped_column(String(255))
    account_name: Mapped[str] = mapped_column(String(255), default="")
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RepositoryTeamAccess(Base):
    """A team's permission on one repository: ``read-only``, ``read-write`` or
    ``admin`` (the trusted registry's model; permissions add up across teams)."""

    __tablename__ = "repository_team_access"

    repository_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    access_level: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_repository_team_access_team", "team_id"),)
