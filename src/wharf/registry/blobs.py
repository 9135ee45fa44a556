"""Blobs as repositories see them: stored once by digest, visible to a repository only
through a link row. Linking, unlinking, cross-repository mounts and the data needed to
serve a blob live here; the bytes are the driver's business."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from wharf.core.db import (
    Database,
    PreparedQuery,
    SessionReader,
    Writer,
    prepared_insert_or_ignore,
    utcnow,
)
from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.models import Blob, Repository, RepositoryBlob
from wharf.registry.names import Digest
from wharf.registry.repositories import ensure_repository
from wharf.storage import BlobDriver, PathNotFound
from wharf.storage.paths import blob_data_path


@dataclass(frozen=True)
class LinkedBlob:
    digest: str
    size: int


_LINKED_BLOB = PreparedQuery(
    select(Blob.digest, Blob.size)
    .join(RepositoryBlob, RepositoryBlob.digest == Blob.digest)
    .join(Repository, Repository.id == RepositoryBlob.repository_id)
    .where(Repository.name == bindparam("repository"), Blob.digest == bindparam("digest"))
)


def find_linked_blob(session: Session, repository: str, digest: str) -> LinkedBlob | None:
    """The blob if ``repository`` links it, inside a transaction."""
    row = SessionReader(session).one(_LINKED_BLOB, repository=repository, digest=digest)
    return LinkedBlob(row[0], row[1]) if row else None


async def lookup_linked_blob(db: Database, repository: str, digest: str) -> LinkedBlob | None:
    """The blob if ``repository`` links it (the pull hot path)."""
    row = await db.fetch_one(_LINKED_BLOB, {"repository": repository, "digest": digest})
    return LinkedBlob(row[0], row[1]) if row else None


def find_blob(session: Session, digest: str) -> LinkedBlob | None:
    row = session.execute(select(Blob.digest, Blob.size).where(Blob.digest == digest)).first()
    return LinkedBlob(row[0], row[1]) if row else None


_INSERT_BLOB = prepared_insert_or_ignore(Blob, ["digest", "size", "created_at"])
_INSERT_LINK = prepared_insert_or_ignore(RepositoryBlob, ["repository_id", "digest", "created_at"])


def link_new_blob(writer: Writer, repository_id: uuid.UUID, digest: str, size: int) -> None:
    """Record a blob that is now in storage and link it into an existing repository
    (both idempotent: a blob pushed twice, or by two clients at once, is one row)."""
    now = utcnow()
    writer.execute(_INSERT_BLOB, digest=digest, size=size, created_at=now)
    writer.execute(_INSERT_LINK, repository_id=repository_id, digest=digest, created_at=now)


def record_blob(session: Session, repository: str, digest: str, size: int) -> None:
    """Record a blob that is now in storage and link it into ``repository``, creating
    the repository on its first push."""
    repo_id = ensure_repository(session, repository)
    link_new_blob(SessionReader(session), repo_id, digest, size)


def link_existing_blob(session: Session, repository: str, digest: str) -> bool:
    """Link a blob the registry already stores; False if it does not store it."""
    if find_blob(session, digest) is None:
        return False
    repo_id = ensure_repository(session, repository)
    SessionReader(session).execute(
        _INSERT_LINK, repository_id=repo_id, digest=digest, created_at=utcnow()
    )
    return True


def unlink_blob(session: Session, repository: str, digest: str) -> None:
    repo_id = session.scalar(select(Repository.id).where(Repository.name == repository))
    result = session.execute(
        delete(RepositoryBlob).where(
            RepositoryBlob.repository_id == repo_id, RepositoryBlob.digest == digest
        )
    )
    if repo_id is None or result.rowcount == 0:  # type: ignore[attr-defined]
        raise RegistryError(ErrorCode.BLOB_UNKNOWN, detail={"digest": digest})


def storage_path(digest: Digest) -> str:
    return blob_data_path(digest.algorithm, digest.hex)


async def blob_in_storage(driver: BlobDriver, digest: Digest) -> bool:
    try:
        await driver.stat(storage_path(digest))
    except PathNotFound:
        return False
    return True
