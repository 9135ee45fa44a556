"""Team member sync (§1.3) against a real slapd: by group members and by search
results, immediately on save and on every full sync, only for users Wharf knows."""

from __future__ import annotations

import pytest

from tests.common.slapd import GROUPS, PEOPLE, SlapdServer
from tests.conftest import InProcessWharf, basic
from tests.integration.access.conftest import (
    ADMIN,
    configure,
    ldap_settings,
    login,
    sync_now,
)

pytestmark = pytest.mark.integration

TEAM_URL = "/accounts/acme/teams/dev/memberSyncConfig"


async def make_team(w: InProcessWharf) -> None:
    r = await w.client.post("/accounts/", json={"name": "acme", "isOrg": True}, headers=ADMIN)
    assert r.status_code == 201, r.text
    r = await w.client.post("/accounts/acme/teams", json={"name": "dev"}, headers=ADMIN)
    assert r.status_code == 201, r.text


async def members(w: InProcessWharf) -> list[str]:
    r = await w.client.get("/accounts/acme/teams/dev/members", headers=ADMIN)
    assert r.status_code == 200, r.text
    return sorted(m["member"]["name"] for m in r.json()["members"])


async def test_team_sync_by_group_members(slapd: SlapdServer, ldap_wharf: InProcessWharf) -> None:
    w = ldap_wharf
    alice = slapd.add_user("alice", "alice-password")
    bob = slapd.add_user("bob", "bob-password")
    carol = slapd.add_user("carol", "carol-password")
    group = slapd.add_group("developers", [alice, carol])
    await configure(w, ldap_settings(slapd))  # JIT: carol never logs in, so is unknown
    await make_team(w)
    for user in ("alice", "bob"):
        assert (await login(w, user, f"{user}-password")).status_code == 200

    r = await w.client.get(TEAM_URL, headers=ADMIN)
    assert r.status_code == 200
    assert r.json()["enableSync"] is False

    body = {
        "enableSync": True,
        "selectGroupMembers": True,
        "groupDN": group,
        "groupMemberAttr": "member",
        "immediateSync": True,
    }
    r = await w.client.put(TEAM_URL, json=body, headers=ADMIN)
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["enableSync"] is True and saved["groupDN"] == group
    assert saved["immediateSync"] is True
    # Only users Wharf already knows: carol is in the group but has no account.
    assert saved["sync"] == {"added": 1, "removed": 0, "members": ["alice"]}
    assert await members(w) == ["alice"]
    r = await w.client.get(TEAM_URL, headers=ADMIN)
    assert {k: r.json()[k] for k in body} == body
    r = await w.client.get("/accounts/acme/teams/dev", headers=ADMIN)
    assert r.json()["memberSync"] is True

    # Synced teams are not edited by hand.
    r = await w.client.put("/accounts/acme/teams/dev/members/bob", headers=ADMIN)
    assert r.status_code == 400

    # The directory changes; the next full sync makes the team follow.
    slapd.remove_member(group, alice)
    slapd.add_member(group, bob)
    assert (await login(w, "carol", "carol-password")).status_code == 200
    status = await sync_now(w)
    assert status["state"] == "succeeded", status
    assert status["result"]["teamsSynced"] == 1
    assert status["result"]["teamMembersAdded"] == 2
    assert status["result"]["teamMembersRemoved"] == 1
    assert await members(w) == ["bob", "carol"]
    # Team members join the organization too.
    r = await w.client.get("/accounts/acme/members", headers=ADMIN)
    assert {"bob", "carol"} <= {m["member"]["name"] for m in r.json()["members"]}

    # Turning sync off leaves the members as they are, and hands the team back.
    r = await w.client.put(TEAM_URL, json={"enableSync": False}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["enableSync"] is False
    r = await w.client.put("/accounts/acme/teams/dev/members/alice", headers=ADMIN)
    assert r.status_code == 200, r.text
    assert await members(w) == ["alice", "bob", "carol"]
    status = await sync_now(w)
    assert status["result"]["teamsSynced"] == 0


async def test_team_sync_by_search_results(slapd: SlapdServer, ldap_wharf: InProcessWharf) -> None:
    w = ldap_wharf
    slapd.add_user("alice", "alice-password", extra="employeeType: dev\n")
    slapd.add_user("bob", "bob-password", extra="employeeType: ops\n")
    dave = slapd.add_user("dave", "dave-password", extra="employeeType: dev\n")
    await configure(w, ldap_settings(slapd, jitUserProvisioning=False))
    assert (await sync_now(w))["result"]["created"] == 3
    await make_team(w)

    body = {
        "enableSync": True,
        "selectGroupMembers": False,
        "searchBaseDN": PEOPLE,
        "searchFilter": "(employeeType=dev)",
        "searchScopeSubtree": False,
        "immediateSync": False,
    }
    r = await w.client.put(TEAM_URL, json=body, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert "sync" not in r.json()  # not immediately
    assert await members(w) == []
    status = await sync_now(w)
    assert status["result"]["teamsSynced"] == 1
    assert await members(w) == ["alice", "dave"]

    # A deactivated user drops out of synced teams.
    slapd.delete(dave)
    await sync_now(w)
    assert await members(w) == ["alice"]

    # An empty filter means everyone in scope (one level: ou=people's direct entries).
    r = await w.client.put(
        TEAM_URL, json={**body, "searchFilter": "", "immediateSync": True}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    assert r.json()["sync"]["members"] == ["alice", "bob"]


async def test_member_sync_config_validation_and_permissions(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    w = ldap_wharf
    await make_team(w)
    group = f"cn=developers,{GROUPS}"
    cases = [
        ({"enableSync": True, "selectGroupMembers": True}, "groupDN"),
        ({"enableSync": True, "groupDN": "not a dn"}, "not a valid DN"),
        ({"enableSync": True, "groupDN": group, "groupMemberAttr": "mem ber"}, "groupMemberAttr"),
        ({"enableSync": True, "selectGroupMembers": False}, "searchBaseDN"),
        (
            {"enableSync": True, "selectGroupMembers": False, "searchBaseDN": PEOPLE,
             "searchFilter": "uid=alice"},
            "not a valid LDAP filter",
        ),
        ({"enableSync": "yes"}, "enableSync"),
        ({"enableSync": True, "groupDN": group, "bogus": 1}, "bogus"),
        ({"enableSync": True, "groupDN": group, "immediateSync": True}, "not enabled"),
    ]  # fmt: skip
    for body, message in cases:
        r = await w.client.put(TEAM_URL, json=body, headers=ADMIN)
        assert r.status_code == 400, (body, r.text)
        assert message in r.json()["errors"][0]["message"], (body, r.text)

    # Saving without an immediate sync works while LDAP is off.
    r = await w.client.put(TEAM_URL, json={"enableSync": True, "groupDN": group}, headers=ADMIN)
    assert r.status_code == 200, r.text

    # A directory that fails during an immediate sync: saved, and the error is shown.
    settings = ldap_settings(slapd)
    await configure(w, settings)
    r = await w.client.put(
        TEAM_URL,
        json={"enableSync": True, "groupDN": f"cn=missing,{GROUPS}", "immediateSync": True},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    assert "does not exist" in r.json()["syncError"]

    # Org owners may read it; only admins change it; others do not see the org.
    w.add_user("owner", "owner-password")
    w.add_user("stranger", "stranger-password")
    r = await w.client.put("/accounts/acme/members/owner", json={"isAdmin": True}, headers=ADMIN)
    assert r.status_code == 200, r.text
    owner = basic("owner", "owner-password")
    assert (await w.client.get(TEAM_URL, headers=owner)).status_code == 200
    r = await w.client.put(TEAM_URL, json={"enableSync": False}, headers=owner)
    assert r.status_code == 403
    stranger = basic("stranger", "stranger-password")
    assert (await w.client.get(TEAM_URL, headers=stranger)).status_code == 404
    r = await w.client.get("/accounts/acme/teams/nope/memberSyncConfig", headers=ADMIN)
    assert r.status_code == 404
