"""Organizations' members and teams."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wharf.access.accounts import ACCOUNT_NAME, require_account
from wharf.access.interfaces import Conflict, Forbidden, InvalidInput, NotFound
from wharf.access.models import Account, Grant, OrgMember, Team, TeamMember
from wharf.core.db import insert_or_ignore


def require_org(session: Session, name: str) -> Account:
    org = require_account(session, name)
    if not org.is_org:
        raise NotFound(f"no organization {name!r}")
    return org


def is_org_admin(session: Session, actor: Account, org: Account) -> bool:
    if actor.is_admin:
        return True
    row = session.get(OrgMember, (org.id, actor.id))
    return row is not None and row.is_admin


def require_org_admin(session: Session, actor: Account, org: Account) -> None:
    if not is_org_admin(session, actor, org):
        raise Forbidden(f"only administrators and owners of {org.name!r} may do this")


def is_member(session: Session, org: Account, user: Account) -> bool:
    return session.get(OrgMember, (org.id, user.id)) is not None


# -- organization members ------------------------------------------------------------------


def add_org_member(
    session: Session, org: Account, user: Account, is_admin: bool = False
) -> OrgMember:
    if user.is_org:
        raise InvalidInput("organizations cannot be members of organizations")
    if user.service_org_id is not None and user.service_org_id != org.id:
        raise InvalidInput(f"service account {user.name!r} belongs to another organization")
    member = session.get(OrgMember, (org.id, user.id))
    if member is None:
        member = OrgMember(org_id=org.id, user_id=user.id, is_admin=is_admin)
        session.add(member)
    else:
        member.is_admin = is_admin
    session.flush()
    return member


def remove_org_member(session: Session, org: Account, user: Account) -> None:
    """Leaving an organization also leaves its teams."""
    if session.get(OrgMember, (org.id, user.id)) is None:
        raise NotFound(f"{user.name!r} is not a member of {org.name!r}")
    team_ids = select(Team.id).where(Team.org_id == org.id)
    session.execute(
        delete(TeamMember).where(TeamMember.user_id == user.id, TeamMember.team_id.in_(team_ids))
    )
    session.execute(
        delete(OrgMember).where(OrgMember.org_id == org.id, OrgMember.user_id == user.id)
    )


def org_members(session: Session, org: Account) -> list[tuple[Account, bool]]:
    return [
        (a, m.is_admin)
        for a, m in session.execute(
            select(Account, OrgMember)
            .join(OrgMember, OrgMember.user_id == Account.id)
            .where(OrgMember.org_id == org.id)
            .order_by(Account.name)
        )
    ]


def orgs_of(session: Session, user: Account) -> list[Account]:
    return list(
        session.scalars(
            select(Account)
            .join(OrgMember, OrgMember.org_id == Account.id)
            .where(OrgMember.user_id == user.id)
            .order_by(Account.name)
        )
    )


# -- teams ---------------------------------------------------------------------------------


def validate_team_name(name: str) -> str:
    if len(name) > 100 or not ACCOUNT_NAME.match(name):
        raise InvalidInput(
            f"invalid team name {name!r}: lower-case letters, digits and single separators"
        )
    return name


def find_team(session: Session, org: Account, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.org_id == org.id, Team.name == name))
    if team is None:
        raise NotFound(f"no team {org.name}/{name}")
    return team


def _require_free_name(session: Session, org: Account, name: str) -> None:
    validate_team_name(name)
    if session.scalar(select(Team.id).where(Team.org_id == org.id, Team.name == name)):
        raise Conflict(f"team {org.name}/{name} already exists")


def create_team(session: Session, org: Account, name: str, description: str = "") -> Team:
    _require_free_name(session, org, name)
    team = Team(org_id=org.id, name=name, description=description[:1024])
    session.add(team)
    session.flush()
    return team


def rename_team(session: Session, org: Account, team: Team, name: str) -> None:
    if name != team.name:
        _require_free_name(session, org, name)
        team.name = name


def delete_team(session: Session, team: Team) -> None:
    session.execute(delete(Grant).where(Grant.subject_id == str(team.id)))
    session.delete(team)
    session.flush()


def list_teams(session: Session, org: Account) -> list[Team]:
    return list(session.scalars(select(Team).where(Team.org_id == org.id).order_by(Team.name)))


def add_team_member(session: Session, team: Team, user: Account) -> None:
    """Joining a team makes the user a member of its organization too."""
    org = session.get(Account, team.org_id)
    assert org is not None
    if user.is_org:
        raise InvalidInput("organizations cannot be team members")
    if user.service_org_id is not None and user.service_org_id != org.id:
        raise InvalidInput(f"service account {user.name!r} belongs to another organization")
    insert_or_ignore(session, OrgMember, {"org_id": org.id, "user_id": user.id, "is_admin": False})
    insert_or_ignore(session, TeamMember, {"team_id": team.id, "user_id": user.id})
    session.flush()


def remove_team_member(session: Session, team: Team, user: Account) -> None:
    result = session.execute(
        delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound(f"{user.name!r} is not a member of this team")


def team_members(session: Session, team: Team) -> list[Account]:
    return list(
        session.scalars(
            select(Account)
            .join(TeamMember, TeamMember.user_id == Account.id)
            .where(TeamMember.team_id == team.id)
            .order_by(Account.name)
        )
    )


def teams_of(session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))


def set_team_members(session: Session, team: Team, users: list[Account]) -> tuple[int, int]:
    """Make the team's members exactly ``users`` (directory sync); returns
    (added, removed)."""
    current = {m.id for m in team_members(session, team)}
    wanted = {u.id for u in users}
    for user in users:
        if user.id not in current:
            add_team_member(session, team, user)
    removed = current - wanted
    if removed:
        session.execute(
            delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id.in_(removed))
        )
    return len(wanted - current), len(removed)
