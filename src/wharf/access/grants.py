"""Grants: (subject, role, collection) triples, their listing with UCP's filters, and
the defaults of a fresh install."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wharf.access.collections import SHARED_ID, find_collection
from wharf.access.interfaces import InvalidInput, NotFound
from wharf.access.models import Account, Grant, OrgMember, Team, TeamMember
from wharf.access.roles import find_role
from wharf.core.db import insert_or_ignore


class GrantError(InvalidInput):
    pass


class SubjectNotFound(NotFound):
    pass


class GrantNotFound(NotFound):
    pass


# What ``GET /collectionGrants?subjectType=`` accepts.
SUBJECT_TYPE_FILTERS = ("all", "user", "team", "org")


@dataclass(frozen=True)
class Subject:
    id: str
    type: str  # "user", "org" or "team"
    name: str  # "alice", "acme", "acme/dev"


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def find_subject(session: Session, key: str) -> Subject:
    """A user, organization or team, by id or by name (``org/team`` for a team)."""
    as_uuid = _parse_uuid(key)
    account = None
    team = None
    if as_uuid is not None:
        account = session.get(Account, as_uuid)
        team = None if account else session.get(Team, as_uuid)
    elif "/" in key:
        org_name, team_name = key.split("/", 1)
        team = session.scalar(
            select(Team)
            .join(Account, Account.id == Team.org_id)
            .where(Account.name == org_name, Team.name == team_name)
        )
    else:
        account = session.scalar(select(Account).where(Account.name == key))
    if account is not None:
        return Subject(str(account.id), "org" if account.is_org else "user", account.name)
    if team is not None:
        org = session.get(Account, team.org_id)
        assert org is not None
        return Subject(str(team.id), "team", f"{org.name}/{team.name}")
    raise SubjectNotFound(f"no user, organization or team {key!r}")


def put_grant(session: Session, subject_key: str, collection_key: str, role_key: str) -> Grant:
    """Create the grant (idempotent)."""
    subject = find_subject(session, subject_key)
    collection = find_collection(session, collection_key)
    role = find_role(session, role_key)
    insert_or_ignore(
        session,
        Grant,
        {
            "subject_id": subject.id,
            "subject_type": subject.type,
            "collection_id": collection.id,
            "role_id": role.id,
        },
    )
    grant = session.get(Grant, (subject.id, collection.id, role.id))
    assert grant is not None
    return grant


def delete_grant(session: Session, subject_key: str, collection_key: str, role_key: str) -> None:
    subject = find_subject(session, subject_key)
    collection = find_collection(session, collection_key)
    role = find_role(session, role_key)
    grant = session.get(Grant, (subject.id, collection.id, role.id))
    if grant is None:
        raise GrantNotFound(f"no grant of {role.name} on {collection.path} to {subject.name}")
    session.delete(grant)


def subjects_acting_for(session: Session, user_id: uuid.UUID) -> list[Subject]:
    """The user, their teams and their organizations: every subject whose grants apply to
    them (what ``expandUser=true`` lists)."""
    user = session.get(Account, user_id)
    if user is None:
        return []
    found = [Subject(str(user.id), "org" if user.is_org else "user", user.name)]
    for team, org_name in session.execute(
        select(Team, Account.name)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .join(Account, Account.id == Team.org_id)
        .where(TeamMember.user_id == user_id)
        .order_by(Account.name, Team.name)
    ):
        found.append(Subject(str(team.id), "team", f"{org_name}/{team.name}"))
    for org in session.scalars(
        select(Account)
        .join(OrgMember, OrgMember.org_id == Account.id)
        .where(OrgMember.user_id == user_id)
        .order_by(Account.name)
    ):
        found.append(Subject(str(org.id), "org", org.name))
    return found


def list_grants(
    session: Session,
    *,
    subject_key: str | None = None,
    collection_key: str | None = None,
    role_key: str | None = None,
    subject_type: str | None = None,
    expand_user: bool = False,
    start: int = 0,
    limit: int = 100,
) -> tuple[list[Grant], list[Subject], int | None]:
    """Grants matching the filters, the subjects they name, and the next page start."""
    query = select(Grant)
    subjects: list[Subject] = []
    if subject_key:
        subject = find_subject(session, subject_key)
        if expand_user and subject.type == "user":
            subjects = subjects_acting_for(session, uuid.UUID(subject.id))
        else:
            subjects = [subject]
        query = query.where(Grant.subject_id.in_([s.id for s in subjects]))
    if collection_key:
        query = query.where(Grant.collection_id == find_collection(session, collection_key).id)
    if role_key:
        query = query.where(Grant.role_id == find_role(session, role_key).id)
    if subject_type and subject_type not in SUBJECT_TYPE_FILTERS:
        raise InvalidInput(f"subjectType is one of {', '.join(SUBJECT_TYPE_FILTERS)}")
    if subject_type and subject_type != "all":
        query = query.where(Grant.subject_type == subject_type)
    rows = list(
        session.scalars(
            query.order_by(Grant.collection_id, Grant.subject_id, Grant.role_id)
            .offset(start)
            .limit(limit + 1)
        )
    )
    next_start = start + limit if len(rows) > limit else None
    rows = rows[:limit]
    if not subject_key:
        seen: dict[str, Subject] = {}
        for g in rows:
            if g.subject_id not in seen:
                try:
                    seen[g.subject_id] = find_subject(session, g.subject_id)
                except SubjectNotFound:
                    continue
        subjects = list(seen.values())
    return rows, subjects, next_start


def grant_default_scheduler(session: Session, everyone_org_id: uuid.UUID) -> None:
    """Fresh install: every user may schedule on /Shared (a grant to the org all users
    belong to)."""
    insert_or_ignore(
        session,
        Grant,
        {
            "subject_id": str(everyone_org_id),
            "subject_type": "org",
            "collection_id": SHARED_ID,
            "role_id": "scheduler",
        },
    )


def remove_grants_of(session: Session, subject_id: str) -> None:
    session.execute(delete(Grant).where(Grant.subject_id == subject_id))
