"""Who may do what to a repository: the one decision the token service, the /v2 API, the
catalog and the repository API all ask (the trusted registry's model).

- the admin may do everything;
- a user owns the namespace named after them;
- owners (admins) of an organization may do everything in its namespace;
- a team of the organization gets ``read-only`` (pull), ``read-write`` (pull, push) or
  ``admin`` (pull, push, delete, manage the repository) on a repository, and the
  permissions of all a user's teams add up;
- anyone, even anonymous, may pull a public repository.

Actions are the token spec's: ``pull``, ``push``, ``delete``; ``admin`` is the extra
right to change a repository's settings and team access.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, bindparam, select, true

from wharf.access.models import Account, OrgMember, TeamMember
from wharf.access.principal import Principal
from wharf.core.db import PreparedQuery, Reader
from wharf.registry.models import Repository, RepositoryTeamAccess
from wharf.registry.names import namespace_of

PULL = "pull"
PUSH = "push"
DELETE = "delete"
ADMIN = "admin"
ALL = frozenset({PULL, PUSH, DELETE})
NONE: frozenset[str] = frozenset()

ACCESS_LEVELS: dict[str, frozenset[str]] = {
    "read-only": frozenset({PULL}),
    "read-write": frozenset({PULL, PUSH}),
    "admin": frozenset({PULL, PUSH, DELETE, ADMIN}),
}


_ORG_OWNER = PreparedQuery(
    select(OrgMember.is_admin)
    .join(Account, Account.id == OrgMember.org_id)
    .where(
        Account.name == bindparam("namespace"),
        Account.is_org,
        OrgMember.user_id == bindparam("user_id"),
    )
)
_REPOSITORY = PreparedQuery(
    select(Repository.id, Repository.visibility).where(Repository.name == bindparam("name"))
)
_TEAM_LEVELS = PreparedQuery(
    select(RepositoryTeamAccess.access_level)
    .join(TeamMember, TeamMember.team_id == RepositoryTeamAccess.team_id)
    .join(Repository, Repository.id == RepositoryTeamAccess.repository_id)
    .where(Repository.name == bindparam("name"), TeamMember.user_id == bindparam("user_id"))
)


def repository_actions(reader: Reader, principal: Principal | None, name: str) -> frozenset[str]:
    """The actions ``principal`` (None = anonymous) may take on repository ``name``, which
    may not exist yet. It gives the same answer for a missing repository as for a private
    one the caller cannot read, so that no answer leaks existence.

    ``reader`` is the database (hot paths) or a :class:`SessionReader` inside a
    transaction; the queries are prepared once."""
    if principal is not None and not principal.is_active:
        return NONE
    namespace = namespace_of(name)
    if principal is not None and (principal.is_admin or namespace == principal.name):
        return ALL | {ADMIN}
    if principal is not None:
        owner = reader.one(_ORG_OWNER, namespace=namespace, user_id=principal.id)
        if owner is not None and owner[0]:
            return ALL | {ADMIN}
    repo = reader.one(_REPOSITORY, name=name)
    if repo is None:
        return NONE
    actions: set[str] = {PULL} if repo[1] == "public" else set()
    if principal is not None:
        for (level,) in reader.all(_TEAM_LEVELS, name=name, user_id=principal.id):
            actions |= ACCESS_LEVELS.get(level, NONE)
    return frozenset(actions)


def readable_repositories(principal: Principal | None) -> ColumnElement[bool]:
    """A WHERE clause selecting the repositories ``principal`` may pull from; the catalog
    and repository listings filter with it so invisible names never leave the database."""
    if principal is not None and principal.is_active and principal.is_admin:
        return true()
    public = Repository.visibility == "public"
    if principal is None or not principal.is_active:
        return public
    owned_orgs = (
        select(Account.name)
        .join(OrgMember, OrgMember.org_id == Account.id)
        .where(OrgMember.user_id == principal.id, OrgMember.is_admin)
    )
    via_team = (
        select(RepositoryTeamAccess.repository_id)
        .join(TeamMember, TeamMember.team_id == RepositoryTeamAccess.team_id)
        .where(TeamMember.user_id == principal.id)
    )
    return (
        public
        | (Repository.namespace == principal.name)
        | Repository.namespace.in_(owned_orgs)
        | Repository.id.in_(via_team)
    )
