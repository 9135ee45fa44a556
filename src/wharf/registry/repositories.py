"""Repository rows: lookup, creation on first push, listing for the catalog."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wharf.access.principal import Principal
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


def check_push_target(session: Session, name: str) -> Repository | None:
    """The repository a push goes to, None if the push will create it; DENIED when it
    does not exist and the admin setting forbids creating repositories on push."""
    repo = find_repository(session, name)
    if repo is None and not get_section(session, RegistrySettings).create_repository_on_push:
        raise RegistryError(
            ErrorCode.DENIED,
            f"repository {name} does not exist and creating repositories on push is "
            "disabled; create it through the API first",
        )
    return repo


def ensure_repository(session: Session, name: str) -> Repository:
    """The repository, created (private) on first push if it does not exist yet and the
    admin setting allows it."""
    repo = check_push_target(session, name)
    if repo is not None:
        return repo
    repo = Repository(name=name, namespace=namespace_of(name))
    try:
        with session.begin_nested():
            session.add(repo)
    except IntegrityError:
        # Two pushes created it at once; the other one won.
        existing = find_repository(session, name)
        assert existing is not None
        return existing
    return repo


def list_readable_names(
    session: Session, account: Principal | None, limit: int, last: str | None
) -> list[str]:
    query = select(Repository.name).where(readable_repositories(account))
    if last:
        query = query.where(Repository.name > last)
    return list(session.scalars(query.order_by(Repository.name).limit(limit)))
