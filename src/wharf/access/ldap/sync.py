"""Directory sync: users (create, update, deactivate), admin flags, and team members.

A full sync reads the directory first (no database transaction is held while LDAP
answers), then applies the changes in short transactions:

* users found by the search configurations (first search wins for a name): with JIT
  provisioning off each one gets an account; LDAP accounts get their DN and full name
  refreshed; accounts a sync deactivated and that are found again are reactivated;
* LDAP accounts no longer found are deactivated (their sessions end; tokens and Basic
  credentials fail at once) — unless ``deactivateMissingUsers`` is off, or a search
  failed, since a partial answer must not lock everyone out;
* with admin sync on, LDAP accounts are admins exactly when the admin group/search
  matches them (managed accounts, and so the recovery admin, are never touched);
* every team with member sync gets exactly the matching accounts Wharf already knows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wharf.access.accounts import ACCOUNT_NAME, create_user
from wharf.access.ldap.client import Directory, DirectoryError, DirectoryUser, MemberSet
from wharf.access.ldap.config import LdapConfig, MemberSync, normalize_dn
from wharf.access.ldap.teams import stored_member_sync
from wharf.access.models import Account, Team
from wharf.access.sessions import end_all_sessions
from wharf.access.teams import set_team_members
from wharf.core.db import Database
from wharf.core.logging import get_logger
from wharf.core.settings_store import AdminSetting

log = get_logger("access.ldap")

STATE_KEY = "auth.ldap.sync"
BATCH = 200
MAX_ERROR_MESSAGES = 20


@dataclass
class SyncResult:
    users_found: int = 0
    created: int = 0
    updated: int = 0
    reactivated: int = 0
    deactivated: int = 0
    conflicts: int = 0
    admins_granted: int = 0
    admins_revoked: int = 0
    teams_synced: int = 0
    team_members_added: int = 0
    team_members_removed: int = 0
    errors: int = 0
    # False when a user search failed, so missing users were not deactivated.
    complete: bool = True
    error_messages: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.error_messages) < MAX_ERROR_MESSAGES:
            self.error_messages.append(message)

    def view(self) -> dict[str, Any]:
        return {
            "usersFound": self.users_found,
            "created": self.created,
            "updated": self.updated,
            "reactivated": self.reactivated,
            "deactivated": self.deactivated,
            "conflicts": self.conflicts,
            "adminsGranted": self.admins_granted,
            "adminsRevoked": self.admins_revoked,
            "teamsSynced": self.teams_synced,
            "teamMembersAdded": self.team_members_added,
            "teamMembersRemoved": self.team_members_removed,
            "errors": self.errors,
            "complete": self.complete,
            "errorMessages": list(self.error_messages),
        }

    def log_fields(self) -> dict[str, Any]:
        # Prefixed: "created" and friends are LogRecord attributes.
        counts = asdict(self)
        counts.pop("error_messages")
        return {f"sync_{k}": v for k, v in counts.items()}


Progress = Callable[[str, int, int], None]


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    return None


# -- state kept between syncs ------------------------------------------------------------------


def load_state(session: Session) -> dict[str, Any]:
    row = session.get(AdminSetting, STATE_KEY)
    return dict(row.value) if row is not None else {}


def save_state(session: Session, state: dict[str, Any]) -> None:
    row = session.get(AdminSetting, STATE_KEY)
    if row is None:
        session.add(AdminSetting(key=STATE_KEY, value=state))
    else:
        row.value = state
    session.flush()


# -- reading the directory ---------------------------------------------------------------------


@dataclass
class DirectoryView:
    users: dict[str, DirectoryUser]
    complete: bool


def read_users(directory: Directory, result: SyncResult, progress: Progress) -> DirectoryView:
    """Every user the searches find, first search winning for a name."""
    users: dict[str, DirectoryUser] = {}
    complete = True
    searches = directory.config.user_searches
    for index in range(len(searches)):
        progress("searching users", index, len(searches))
        try:
            found = directory.search_users(index)
        except DirectoryError as exc:
            complete = False
            result.error(f"userSearchConfigs[{index}]: {exc}")
            continue
        for user in found:
            name = user.account_name
            if name in users:
                continue
            if not ACCOUNT_NAME.match(name) or len(name) > 255:
                result.error(f"{user.dn}: {user.username!r} is not a valid account name; skipped")
                continue
            users[name] = user
    result.users_found = len(users)
    result.complete = complete
    return DirectoryView(users, complete)


# -- applying users ----------------------------------------------------------------------------


def _apply_users(
    session: Session,
    names: list[str],
    view: DirectoryView,
    config: LdapConfig,
    sync_deactivated: set[str],
    result: SyncResult,
) -> None:
    existing = {a.name: a for a in session.scalars(select(Account).where(Account.name.in_(names)))}
    for name in names:
        user = view.users[name]
        account = existing.get(name)
        if account is None:
            if config.jit_user_provisioning:
                continue
            create_user(
                session, name, None, full_name=user.full_name[:255], source="ldap", ldap_dn=user.dn
            )
            result.created += 1
            continue
        if account.source != "ldap" or account.is_org or account.is_service:
            result.conflicts += 1
            result.error(f"{user.dn}: {name!r} is a local account; left alone")
            continue
        changed = False
        if account.ldap_dn != user.dn:
            account.ldap_dn = user.dn
            changed = True
        if user.full_name and account.full_name != user.full_name[:255]:
            account.full_name = user.full_name[:255]
            changed = True
        if not account.is_active and str(account.id) in sync_deactivated:
            account.is_active = True
            sync_deactivated.discard(str(account.id))
            result.reactivated += 1
        if changed:
            result.updated += 1
    session.flush()


def _deactivate_missing(
    session: Session, view: DirectoryView, sync_deactivated: set[str], result: SyncResult
) -> None:
    for account in session.scalars(
        select(Account).where(Account.source == "ldap", Account.is_active)
    ):
        if account.name in view.users:
            continue
        account.is_active = False
        end_all_sessions(session, account)
        sync_deactivated.add(str(account.id))
        result.deactivated += 1
        log.info("ldap user deactivated", extra={"username": account.name})
    session.flush()


def sync_users(
    db: Database,
    config: LdapConfig,
    view: DirectoryView,
    result: SyncResult,
    progress: Progress = _no_progress,
) -> None:
    names = sorted(view.users)
    sync_deactivated: set[str] = set(db.call(lambda s: load_state(s).get("deactivatedBySync", [])))
    for start in range(0, len(names), BATCH):
        progress("applying users", start, len(names))
        db.call(_apply_users, names[start : start + BATCH], view, config, sync_deactivated, result)
    progress("applying users", len(names), len(names))

    def finish(session: Session) -> None:
        if view.complete and config.deactivate_missing_users:
            _deactivate_missing(session, view, sync_deactivated, result)
        # Forget accounts that are gone or were reactivated by an admin.
        still = {
            str(i)
            for i in session.scalars(
                select(Account.id).where(Account.source == "ldap", ~Account.is_active)
            )
        }
        state = load_state(session)
        state["deactivatedBySync"] = sorted(sync_deactivated & still)
        save_state(session, state)

    db.call(finish)


# -- admins and teams ---------------------------------------------------------------------------


def _matching_accounts(session: Session, members: MemberSet) -> list[Account]:
    """Active LDAP accounts the member set names (by DN, or by name for memberUid)."""
    return [
        account
        for account in session.scalars(
            select(Account).where(Account.source == "ldap", Account.is_active)
        )
        if (account.ldap_dn and normalize_dn(account.ldap_dn) in members.dns)
        or account.name in members.names
    ]


def sync_admins(db: Database, directory: Directory, sync: MemberSync, result: SyncResult) -> None:
    try:
        members = directory.members(sync)
    except DirectoryError as exc:
        result.error(f"adminSyncOpts: {exc}")
        return

    def apply(session: Session) -> None:
        admins = {a.id for a in _matching_accounts(session, members)}
        for account in session.scalars(select(Account).where(Account.source == "ldap")):
            wanted = account.id in admins
            if account.is_admin != wanted:
                account.is_admin = wanted
                if wanted:
                    result.admins_granted += 1
                else:
                    result.admins_revoked += 1
        session.flush()

    db.call(apply)


@dataclass(frozen=True)
class TeamSyncOutcome:
    added: int
    removed: int
    members: list[str]


def apply_team_members(session: Session, team_id: uuid.UUID, members: MemberSet) -> TeamSyncOutcome:
    team = session.get(Team, team_id)
    if team is None:
        return TeamSyncOutcome(0, 0, [])
    accounts = _matching_accounts(session, members)
    added, removed = set_team_members(session, team, accounts)
    session.flush()
    return TeamSyncOutcome(added, removed, sorted(a.name for a in accounts))


def sync_team(db: Database, directory: Directory, team_id: uuid.UUID) -> TeamSyncOutcome:
    """One team's member sync, now; DirectoryError when the directory cannot answer."""
    sync = db.call(lambda s: stored_member_sync(s.get(Team, team_id)))
    if sync is None:
        return TeamSyncOutcome(0, 0, [])
    members = directory.members(sync)
    return db.call(apply_team_members, team_id, members)


def sync_teams(
    db: Database, directory: Directory, result: SyncResult, progress: Progress = _no_progress
) -> None:
    def synced_teams(session: Session) -> list[tuple[uuid.UUID, str]]:
        return [
            (t.id, t.name)
            for t in session.scalars(select(Team).where(Team.member_sync.is_not(None)))
            if stored_member_sync(t) is not None
        ]

    teams = db.call(synced_teams)
    for done, (team_id, name) in enumerate(teams):
        progress("syncing teams", done, len(teams))
        try:
            outcome = sync_team(db, directory, team_id)
        except DirectoryError as exc:
            result.error(f"team {name!r}: {exc}")
            continue
        result.teams_synced += 1
        result.team_members_added += outcome.added
        result.team_members_removed += outcome.removed
    progress("syncing teams", len(teams), len(teams))


# -- the whole sync -----------------------------------------------------------------------------


class LdapDisabled(Exception):
    pass


def full_sync(db: Database, config: LdapConfig, progress: Progress = _no_progress) -> SyncResult:
    """One complete sync with the given settings."""
    if not config.enabled:
        raise LdapDisabled("LDAP is not enabled")
    result = SyncResult()
    directory = Directory(config)
    view = read_users(directory, result, progress)
    sync_users(db, config, view, result, progress)
    if config.admin_sync.enable_sync:
        progress("syncing admins", 0, 1)
        sync_admins(db, directory, config.admin_sync, result)
    sync_teams(db, directory, result, progress)
    return result
