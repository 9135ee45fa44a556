"""Who may do what to a repository: the one decision the token service, the /v2 API, the
catalog and the repository API all ask.

For now (to be extended with organizations and team access): the admin may do
everything; a user owns the namespace named after them; anyone, even anonymous, may pull
a public repository. Actions are the token spec's: ``pull``, ``push``, ``delete``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from wharf.access.principal import Principal
from wharf.registry.models import Repository
from wharf.registry.names import namespace_of

PULL = "pull"
PUSH = "push"
DELETE = "delete"
ALL = frozenset({PULL, PUSH, DELETE})
NONE: frozenset[str] = frozenset()


def repository_actions(session: Session, account: Principal | None, name: str) -> frozenset[str]:
    """The actions ``account`` (None = anonymous) may take on repository ``name``, which
    may not exist yet. Must give the same answer for a missing repository as for a
    private one the caller cannot read, so that no answer leaks existence."""
    if account is not None and not account.is_active:
        return NONE
    if account is not None and (account.is_admin or namespace_of(name) == account.name):
        return ALL
    visibility = session.scalar(select(Repository.visibility).where(Repository.name == name))
    if visibility == "public":
        return frozenset({PULL})
    return NONE


def readable_repositories(account: Principal | None) -> ColumnElement[bool]:
    """A WHERE clause selecting the repositories ``account`` may pull from; the catalog
    and repository listings filter with it so invisible names never leave the database."""
    if account is not None and account.is_active and account.is_admin:
        return true()
    public = Repository.visibility == "public"
    if account is None or not account.is_active:
        return public
    return public | (Repository.namespace == account.name)
