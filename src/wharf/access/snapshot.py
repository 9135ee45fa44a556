"""Loading the :class:`AccessSnapshot` from the database, and keeping it fresh.

Any flush or bulk statement that touches an access table bumps ``access_version`` in the
same transaction (a SQLAlchemy event, so no service can forget). Each process keeps one
snapshot and reloads it when the stored version differs — one indexed read per decision.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from wharf.access.decide import AccessSnapshot, CollectionNode, GrantRef, RoleDef
from wharf.access.models import (
    AccessVersion,
    Collection,
    Grant,
    OrgMember,
    Role,
    Team,
    TeamMember,
)
from wharf.access.roles import from_payload
from wharf.core.db import Database, PreparedQuery

# Accounts are not watched: is_admin/is_active are read from the account itself.
WATCHED = (Collection, Grant, OrgMember, Role, Team, TeamMember)
_WATCHED_TABLES = frozenset(m.__tablename__ for m in WATCHED)
_VERSION = PreparedQuery(select(AccessVersion.version).where(AccessVersion.id == 1))


def _bump(session: Session) -> None:
    if session.info.get("access_version_bumped"):
        return
    session.info["access_version_bumped"] = True
    result = session.connection().execute(
        update(AccessVersion).where(AccessVersion.id == 1).values(version=AccessVersion.version + 1)
    )
    if not getattr(result, "rowcount", 0):
        session.connection().execute(insert(AccessVersion).values(id=1, version=1))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, WATCHED):
            _bump(session)
            return


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None and table.name in _WATCHED_TABLES:
            _bump(state.session)


@event.listens_for(Session, "after_transaction_end")
def _reset(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop("access_version_bumped", None)


def load_snapshot(session: Session) -> AccessSnapshot:
    version = session.scalar(select(AccessVersion.version).where(AccessVersion.id == 1)) or 0
    roles = {
        r.id: RoleDef(r.id, r.name, from_payload(r.operations))
        for r in session.scalars(select(Role))
    }
    collections = {
        c.id: CollectionNode(c.id, c.path, c.parent_id) for c in session.scalars(select(Collection))
    }
    grants: dict[str, list[GrantRef]] = defaultdict(list)
    for g in session.scalars(select(Grant)):
        grants[g.collection_id].append(
            GrantRef(g.subject_id, g.subject_type, g.collection_id, g.role_id)
        )
    subjects: dict[str, set[str]] = defaultdict(set)
    for user_id, team_id in session.execute(select(TeamMember.user_id, TeamMember.team_id)):
        subjects[str(user_id)].add(str(team_id))
    for user_id, org_id in session.execute(select(OrgMember.user_id, OrgMember.org_id)):
        subjects[str(user_id)].add(str(org_id))
    return AccessSnapshot(
        roles=roles,
        collections=collections,
        by_path={c.path: c.id for c in collections.values()},
        grants_by_collection={k: tuple(v) for k, v in grants.items()},
        subjects_of={k: frozenset(v) for k, v in subjects.items()},
        version=version,
    )


class SnapshotCache:
    """One process's current snapshot, reloaded when the stored version moves."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._snapshot: AccessSnapshot | None = None

    async def get(self, version: int | None = None) -> AccessSnapshot:
        """The current snapshot; ``version``: the stored version, when the caller has
        just read it (saves the read)."""
        if version is None:
            row = await self.db.fetch_one(_VERSION, {})
            version = row[0] if row else 0
        if self._snapshot is None or self._snapshot.version != version:
            self._snapshot = await self.db.run(load_snapshot)
        return self._snapshot

    def get_sync(self) -> AccessSnapshot:
        row = self.db.one(_VERSION)
        version = row[0] if row else 0
        if self._snapshot is None or self._snapshot.version != version:
            self._snapshot = self.db.call(load_snapshot)
        return self._snapshot
