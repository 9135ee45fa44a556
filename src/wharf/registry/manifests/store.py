"""Storing, fetching and deleting manifests and tags (database side).

Functions take a ``Session`` and run inside one transaction, so a manifest, its
references and its tag appear together or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from wharf.core.db import (
    Database,
    PreparedQuery,
    SessionReader,
    Writer,
    prepared_insert_or_ignore,
    prepared_upsert,
    utcnow,
)
from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.manifests.parsed import ParsedManifest
from wharf.registry.models import Manifest, ManifestReference, Repository, RepositoryBlob, Tag
from wharf.registry.repositories import (
    ensure_repository,
    existing_repository_id,
    require_repository,
)


@dataclass(frozen=True)
class StoredManifest:
    digest: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Referrer:
    digest: str
    media_type: str
    size: int
    artifact_type: str | None
    annotations: dict[str, str] | None


_LINKED_BLOB_DIGEST = PreparedQuery(
    select(RepositoryBlob.digest).where(
        RepositoryBlob.repository_id == bindparam("repository_id"),
        RepositoryBlob.digest == bindparam("digest"),
    )
)
_STORED_MANIFEST_DIGEST = PreparedQuery(
    select(Manifest.digest).where(
        Manifest.repository_id == bindparam("repository_id"),
        Manifest.digest == bindparam("digest"),
    )
)
_INSERT_MANIFEST = prepared_insert_or_ignore(
    Manifest,
    [
        "id",
        "repository_id",
        "digest",
        "media_type",
        "artifact_type",
        "subject_digest",
        "annotations",
        "size",
        "content",
        "created_at",
    ],
)
_INSERT_REFERENCE = PreparedQuery(
    insert(cast(Table, ManifestReference.__table__)).values(
        {
            column: bindparam(column)
            for column in ("manifest_id", "position", "digest", "kind", "media_type", "size")
        }
    )
)
_POINT_TAG = prepared_upsert(
    Tag,
    ["repository_id", "name", "manifest_digest", "updated_at"],
    key=["repository_id", "name"],
    update=["manifest_digest", "updated_at"],
)
_TOUCH_REPOSITORY = PreparedQuery(
    update(Repository)
    .where(Repository.id == bindparam("repository_id"))
    .values(updated_at=bindparam("now"))
)


def _missing(writer: Writer, repo_id: uuid.UUID, parsed: ParsedManifest) -> list[str]:
    """The referenced blobs and child manifests the repository does not hold (one
    indexed lookup each: a manifest names a handful)."""
    missing = set()
    for ref in parsed.references:
        query = _STORED_MANIFEST_DIGEST if ref.kind == "manifest" else _LINKED_BLOB_DIGEST
        if writer.one(query, repository_id=repo_id, digest=ref.digest) is None:
            missing.add(ref.digest)
    return sorted(missing)


def put_manifest(
    session: Session,
    repository: str,
    tag: str | None,
    digest: str,
    content: bytes,
    parsed: ParsedManifest,
) -> None:
    """:func:`store_manifest` into ``repository``, creating it on its first push."""
    repo_id = ensure_repository(session, repository)
    store_manifest(SessionReader(session), repository, repo_id, tag, digest, content, parsed)


def put_manifest_in_existing(
    writer: Writer,
    repository: str,
    tag: str | None,
    digest: str,
    content: bytes,
    parsed: ParsedManifest,
) -> bool:
    """:func:`store_manifest` on prepared statements (the push hot path); False, with
    nothing written, when the repository does not exist yet (:func:`put_manifest` then
    decides whether the push may create it)."""
    repo_id = existing_repository_id(writer, repository)
    if repo_id is None:
        return False
    store_manifest(writer, repository, repo_id, tag, digest, content, parsed)
    return True


def store_manifest(
    writer: Writer,
    repository: str,
    repo_id: uuid.UUID,
    tag: str | None,
    digest: str,
    content: bytes,
    parsed: ParsedManifest,
) -> None:
    """Store a validated manifest and point ``tag`` at it. Every referenced blob and
    child manifest must already be in the repository (MANIFEST_BLOB_UNKNOWN otherwise).
    Storing the same bytes again is a no-op."""
    missing = _missing(writer, repo_id, parsed)
    if missing:
        raise RegistryError(
            ErrorCode.MANIFEST_BLOB_UNKNOWN,
            f"manifest references {len(missing)} blob(s) or manifest(s) not in "
            f"{repository}: {', '.join(missing[:5])}",
            detail={"digests": missing},
        )
    now = utcnow()
    manifest_id = uuid.uuid4()
    inserted = writer.execute(
        _INSERT_MANIFEST,
        id=manifest_id,
        repository_id=repo_id,
        digest=digest,
        media_type=parsed.media_type,
        artifact_type=parsed.artifact_type,
        subject_digest=parsed.subject,
        annotations=parsed.annotations,
        size=len(content),
        content=content,
        created_at=now,
    )
    if inserted:
        for position, ref in enumerate(parsed.references):
            writer.execute(
                _INSERT_REFERENCE,
                manifest_id=manifest_id,
                position=position,
                digest=ref.digest,
                kind=ref.kind,
                media_type=ref.media_type,
                size=ref.size,
            )
    if tag is not None:
        writer.execute(
            _POINT_TAG, repository_id=repo_id, name=tag, manifest_digest=digest, updated_at=now
        )
    writer.execute(_TOUCH_REPOSITORY, repository_id=repo_id, now=now)


# The pull hot path: statements built once, executed on a reader connection.
_MANIFEST_COLUMNS = select(Manifest.digest, Manifest.media_type, Manifest.content).join(
    Repository, Repository.id == Manifest.repository_id
)
_MANIFEST_BY_DIGEST = PreparedQuery(
    _MANIFEST_COLUMNS.where(
        Repository.name == bindparam("repository"), Manifest.digest == bindparam("reference")
    )
)
_MANIFEST_BY_TAG = PreparedQuery(
    _MANIFEST_COLUMNS.join(
        Tag,
        (Tag.repository_id == Manifest.repository_id) & (Tag.manifest_digest == Manifest.digest),
    ).where(Repository.name == bindparam("repository"), Tag.name == bindparam("reference"))
)
_REPOSITORY_EXISTS = PreparedQuery(
    select(Repository.name).where(Repository.name == bindparam("repository"))
)


async def get_manifest(
    db: Database, repository: str, reference: str, by_digest: bool
) -> StoredManifest:
    """The manifest a tag or digest names; NAME_UNKNOWN or MANIFEST_UNKNOWN otherwise."""
    params = {"repository": repository, "reference": reference}
    row = await db.fetch_one(_MANIFEST_BY_DIGEST if by_digest else _MANIFEST_BY_TAG, params)
    if row is None:
        if await db.fetch_one(_REPOSITORY_EXISTS, params) is None:
            raise RegistryError(ErrorCode.NAME_UNKNOWN, detail={"name": repository})
        raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, detail={"reference": reference})
    return StoredManifest(row[0], row[1], bytes(row[2]))


def delete_manifest(session: Session, repository: str, reference: str, by_digest: bool) -> None:
    """Delete a tag (by tag: only the tag goes) or a manifest and every tag pointing at
    it (by digest)."""
    repo = require_repository(session, repository)
    if not by_digest:
        result = session.execute(
            delete(Tag).where(Tag.repository_id == repo.id, Tag.name == reference)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, detail={"reference": reference})
        return
    manifest = session.scalar(
        select(Manifest).where(Manifest.repository_id == repo.id, Manifest.digest == reference)
    )
    if manifest is None:
        raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, detail={"reference": reference})
    session.execute(
        delete(Tag).where(Tag.repository_id == repo.id, Tag.manifest_digest == reference)
    )
    session.delete(manifest)


def list_tags(session: Session, repository: str, limit: int | None, last: str | None) -> list[str]:
    repo = require_repository(session, repository)
    query = select(Tag.name).where(Tag.repository_id == repo.id)
    if last:
        query = query.where(Tag.name > last)
    query = query.order_by(Tag.name)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def list_referrers(
    session: Session, repository: str, subject: str, artifact_type: str | None
) -> list[Referrer]:
    repo_id = session.scalar(select(Repository.id).where(Repository.name == repository))
    if repo_id is None:
        return []
    query = select(
        Manifest.digest,
        Manifest.media_type,
        Manifest.size,
        Manifest.artifact_type,
        Manifest.annotations,
    ).where(Manifest.repository_id == repo_id, Manifest.subject_digest == subject)
    if artifact_type:
        query = query.where(Manifest.artifact_type == artifact_type)
    return [Referrer(*row) for row in session.execute(query.order_by(Manifest.created_at))]
