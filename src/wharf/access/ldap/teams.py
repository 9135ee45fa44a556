"""A team's member sync configuration (§1.3), kept in ``Team.member_sync``:
``{"mode": "group", "groupDN", "groupMemberAttr", "immediateSync"}`` or
``{"mode": "search", "searchBaseDN", "searchFilter", "searchScopeSubtree",
"immediateSync"}``; None when the team's members are managed by hand."""

from __future__ import annotations

from typing import Any

from wharf.access.interfaces import InvalidInput
from wharf.access.ldap.config import MemberSync, member_sync_view, parse_member_sync
from wharf.access.models import Team

_GROUP = ("groupDN", "groupMemberAttr")
_SEARCH = ("searchBaseDN", "searchFilter", "searchScopeSubtree")


def stored_member_sync(team: Team | None) -> MemberSync | None:
    """The team's sync settings, or None when it has none (or they are unreadable)."""
    if team is None or not isinstance(team.member_sync, dict):
        return None
    stored = team.member_sync
    mode = stored.get("mode")
    if mode not in ("group", "search"):
        return None
    keys = _GROUP if mode == "group" else _SEARCH
    data: dict[str, Any] = {k: stored[k] for k in keys if k in stored}
    data.update(enableSync=True, selectGroupMembers=mode == "group")
    try:
        return parse_member_sync("memberSync", data)
    except Exception:
        return None


def member_sync_config_view(team: Team) -> dict[str, Any]:
    sync = stored_member_sync(team) or MemberSync()
    stored = team.member_sync if isinstance(team.member_sync, dict) else {}
    return {**member_sync_view(sync), "immediateSync": bool(stored.get("immediateSync", False))}


def parse_member_sync_config(data: dict[str, Any]) -> tuple[MemberSync, bool]:
    """A PUT body: the sync settings and whether to sync at once."""
    sync = parse_member_sync("memberSyncConfig", data, extra=("immediateSync",))
    immediate = data.get("immediateSync", False)
    if immediate is None:
        immediate = False
    if not isinstance(immediate, bool):
        raise InvalidInput("memberSyncConfig.immediateSync: expected true or false")
    return sync, immediate


def set_member_sync(team: Team, sync: MemberSync, immediate: bool) -> None:
    if not sync.enable_sync:
        team.member_sync = None
        return
    view = member_sync_view(sync)
    keys = _GROUP if sync.select_group_members else _SEARCH
    team.member_sync = {
        "mode": "group" if sync.select_group_members else "search",
        **{k: view[k] for k in keys},
        "immediateSync": immediate,
    }
