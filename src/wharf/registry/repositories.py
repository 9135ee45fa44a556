"""Repository rows: lookup, creation on first push, listing for the catalog."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from wharf.access.principal import Principal
from wharf.core.db import PreparedQuery, Reader, insert_or_ignore, utcnow
from wharf.core.settings_store import get_section
from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.models import Repository
from wharf.registry.names import namespace_of
from wharf.registry.permissions import readable_repositories
from wharf.registry.settings import RegistrySettings


def find_repository(session: Session, name: str) -> Repository | None:
    return session.scalar(select(Repository).where(Repository.name == name))


def require_repository(session: Session, name: str) -> Repository:
    repo = find_repository(session, name)
    if repo is None:
        raise RegistryError(ErrorCode.NAME_UNKNOWN, detail={"name": name})
    return repo


_REPOSITORY_ID = select(Repository.id).where(Repository.name == bindparam("name"))
_PREPARED_REPOSITORY_ID = PreparedQuery(_REPOSITORY_ID)


def existing_repository_id(reader: Reader, name: str) -> uuid.UUID | None:
    """The id of the repository named ``name`` if it exists, by a prepared query (the
    push hot path; a missing repository goes through :func:`ensure_repository`)."""
    row = reader.one(_PREPARED_REPOSITORY_ID, name=name)
    return uuid.UUID(str(row[0])) if row is not None else None


def repository_id(session: Session, name: str) -> uuid.UUID | None:
    return session.scalar(_REPOSITORY_ID, {"name": name})


def check_push_target(session: Session, name: str) -> uuid.UUID | None:
    """The id of the repository a push goes to, None if the push will create it; DENIED
    when it does not exist and the admin setting forbids creating repositories on push."""
    repo_id = repository_id(session, name)
    if repo_id is None and not get_section(session, RegistrySettings).create_repository_on_push:
        raise RegistryError(
            ErrorCode.DENIED,
            f"repository {name} does not exist and creating repositories on push is "
            "disabled; create it through the API first",
        )
    return repo_id


def ensure_repository(session: Session, name: str) -> uuid.UUID:
    """The id of the repository, created (private) on first push if it does not exist
    yet and the admin setting allows it. Race-free: two first pushes create one row."""
    repo_id = check_push_target(session, name)
    if repo_id is not None:
        return repo_id
    now = utcnow()
    insert_or_ignore(
        session,
        Repository,
        {
            "id": uuid.uuid4(),
            "name": name,
            "namespace": namespace_of(name),
            "visibility": "private",
            "short_description": "",
            "long_description": "",
            "created_at": now,
            "updated_at": now,
        },
    )
    created = repository_id(session, name)
    assert created is not None
    return created


def list_readable_names(
    session: Session, account: Principal | None, limit: int, last: str | None
) -> list[str]:
    query = select(Repository.name).where(readable_repositories(account))
    if last:
        query = query.where(Repository.name > last)
    return list(session.scalars(query.order_by(Repository.name).limit(limit)))
