"""User and admin sync against a real slapd: creation without JIT, updates,
deactivation that ends sessions and tokens at once, reactivation, safety when a search
fails, admin sync, group-restricted searches, and the periodic scheduler."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from tests.common.slapd import GROUPS, PEOPLE, SlapdServer
from tests.conftest import ADMIN_PASSWORD, InProcessWharf, basic
from tests.integration.access.conftest import (
    ADMIN,
    configure,
    ldap_settings,
    login,
    session_headers,
    sync_now,
)
from wharf.access.ldap.sync import load_state, save_state
from wharf.core.db import utcnow

pytestmark = pytest.mark.integration


async def whoami_status(w: InProcessWharf, headers: dict[str, str]) -> int:
    return (await w.client.get("/auth/whoami", headers=headers)).status_code


async def test_sync_creates_updates_deactivates_and_reactivates(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    w = ldap_wharf
    alice_dn = slapd.add_user("alice", "alice-password", cn="Alice Liddell", hashed=True)
    slapd.add_user("bob", "bob-password", cn="Bob Builder")
    await configure(w, ldap_settings(slapd, jitUserProvisioning=False))

    # Nothing synced yet.
    r = await w.client.get("/api/ucp/config/auth/ldap/sync", headers=ADMIN)
    assert r.status_code == 200 and r.json()["state"] == "never"

    status = await sync_now(w)
    assert status["state"] == "succeeded", status
    assert status["trigger"] == "manual"
    assert status["startedAt"] and status["finishedAt"]
    assert status["progress"]["phase"] == "done"
    result = status["result"]
    assert result["usersFound"] == 2
    assert result["created"] == 2
    assert result["deactivated"] == 0
    assert result["errors"] == 0
    r = await w.client.get("/accounts/", params={"filter": "users"}, headers=ADMIN)
    names = {a["name"]: a for a in r.json()["accounts"]}
    assert names["alice"]["fullName"] == "Alice Liddell"
    assert names["alice"]["isImported"] is True

    # alice logs in and makes an access token; both work.
    alice = await session_headers(w, "alice", "alice-password")
    r = await w.client.post("/accounts/alice/tokens", json={"label": "ci"}, headers=alice)
    assert r.status_code == 201, r.text
    token = {"Authorization": f"Bearer {r.json()['token']}"}
    assert await whoami_status(w, token) == 200

    # A second sync is idempotent; a changed name is picked up.
    status = await sync_now(w)
    assert status["result"]["created"] == 0 and status["result"]["updated"] == 0
    slapd.set_attr(alice_dn, "cn", "Alice Pleasance Liddell")
    status = await sync_now(w)
    assert status["result"]["updated"] == 1
    me = (await w.client.get("/auth/whoami", headers=alice)).json()
    assert me["fullName"] == "Alice Pleasance Liddell"

    # alice leaves the directory: the next sync deactivates her, and her session, access
    # token and password all stop working at once.
    slapd.delete(alice_dn)
    status = await sync_now(w)
    assert status["state"] == "succeeded"
    assert status["result"]["deactivated"] == 1
    assert await whoami_status(w, alice) == 401
    assert await whoami_status(w, token) == 401
    r = await w.client.get("/accounts/alice", headers=ADMIN)
    assert r.json()["isActive"] is False
    r = await w.client.get(
        "/auth/token", params={"service": "wharf"}, headers=basic("alice", "alice-password")
    )
    assert r.status_code == 401
    # bob is untouched; the recovery admin too.
    assert (await login(w, "bob", "bob-password")).status_code == 200
    assert (await login(w, "admin", ADMIN_PASSWORD)).status_code == 200

    # Back in the directory: the sync that deactivated her reactivates her.
    slapd.add_user("alice", "alice-password-2", cn="Alice Liddell")
    status = await sync_now(w)
    assert status["result"]["reactivated"] == 1
    assert (await login(w, "alice", "alice-password-2")).status_code == 200

    # An admin's own deactivation is not undone by a sync.
    r = await w.client.patch("/accounts/bob", json={"isActive": False}, headers=ADMIN)
    assert r.status_code == 200, r.text
    status = await sync_now(w)
    assert status["result"]["reactivated"] == 0
    r = await w.client.get("/accounts/bob", headers=ADMIN)
    assert r.json()["isActive"] is False


async def test_sync_with_jit_creates_nothing_and_deactivates_missing_users(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    w = ldap_wharf
    alice_dn = slapd.add_user("alice", "alice-password")
    bob_dn = slapd.add_user("bob", "bob-password")
    await configure(w, ldap_settings(slapd))
    status = await sync_now(w)
    assert status["result"]["usersFound"] == 2
    assert status["result"]["created"] == 0
    assert (await w.client.get("/accounts/alice", headers=ADMIN)).status_code == 404

    alice = await session_headers(w, "alice", "alice-password")
    bob = await session_headers(w, "bob", "bob-password")
    slapd.delete(alice_dn)
    status = await sync_now(w)
    assert status["result"]["deactivated"] == 1
    assert await whoami_status(w, alice) == 401

    # UCP's JIT behaviour on request: missing users stay active (their sessions and
    # tokens keep working) but can no longer log in with a password.
    await configure(w, {"deactivateMissingUsers": False})
    slapd.delete(bob_dn)
    status = await sync_now(w)
    assert status["result"]["deactivated"] == 0
    assert await whoami_status(w, bob) == 200
    # (Successful password checks are remembered for credential_cache_seconds; forget
    # them to see what the directory says now.)
    w.services.access.authenticator._cache.clear()
    assert (await login(w, "bob", "bob-password")).status_code == 401


async def test_a_failed_search_deactivates_nobody(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    w = ldap_wharf
    slapd.add_user("alice", "alice-password")
    settings = ldap_settings(slapd, jitUserProvisioning=False)
    await configure(w, settings)
    assert (await sync_now(w))["result"]["created"] == 1

    settings["userSearchConfigs"].append({"baseDN": f"ou=gone,{PEOPLE}", "usernameAttr": "uid"})
    await configure(w, settings)
    status = await sync_now(w)
    assert status["state"] == "partial", status
    assert status["result"]["complete"] is False
    assert status["result"]["deactivated"] == 0
    assert any("does not exist" in m for m in status["result"]["errorMessages"])
    assert (await login(w, "alice", "alice-password")).status_code == 200

    # A reader that cannot bind: every search fails, nobody is deactivated.
    settings = ldap_settings(slapd, jitUserProvisioning=False)
    settings["servers"][0]["readerPassword"] = "wrong-reader-password"
    await configure(w, settings)
    status = await sync_now(w)
    assert status["state"] == "partial"
    assert status["result"]["deactivated"] == 0
    assert "reader bind" in status["result"]["errorMessages"][0]
    r = await w.client.get("/accounts/alice", headers=ADMIN)
    assert r.json()["isActive"] is True


async def test_sync_needs_ldap_enabled_and_an_admin(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    w = ldap_wharf
    r = await w.client.post("/api/ucp/config/auth/ldap/sync", headers=ADMIN)
    assert r.status_code == 400
    assert "not enabled" in r.json()["errors"][0]["message"]
    w.add_user("mallory", "mallory-password")
    for method in ("GET", "POST"):
        r = await w.client.request(
            method,
            "/api/ucp/config/auth/ldap/sync",
            headers=basic("mallory", "mallory-password"),
        )
        assert r.status_code == 403


async def test_admin_sync_and_group_restricted_searches(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    w = ldap_wharf
    alice = slapd.add_user("alice", "alice-password")
    bob = slapd.add_user("bob", "bob-password")
    carol = slapd.add_user("carol", "carol-password")
    users = slapd.add_group("wharf-users", [alice, bob])
    admins = slapd.add_group("wharf-admins", [bob, carol])
    settings = ldap_settings(slapd, jitUserProvisioning=False)
    settings["userSearchConfigs"][0].update(
        matchGroup=True, matchGroupDN=users, matchGroupMemberAttr="member"
    )
    settings["adminSyncOpts"] = {
        "enableSync": True,
        "selectGroupMembers": True,
        "groupDN": admins,
        "groupMemberAttr": "member",
    }
    await configure(w, settings)
    status = await sync_now(w)
    assert status["state"] == "succeeded", status
    result = status["result"]
    assert result["created"] == 2  # carol is not in wharf-users
    assert result["adminsGranted"] == 1  # bob; carol has no account
    assert (await w.client.get("/accounts/carol", headers=ADMIN)).status_code == 404
    assert (await w.client.get("/accounts/bob", headers=ADMIN)).json()["isAdmin"] is True
    assert (await w.client.get("/accounts/alice", headers=ADMIN)).json()["isAdmin"] is False
    # Logins honour the group too.
    assert (await login(w, "carol", "carol-password")).status_code == 401

    # Iterating through the group's members finds the same users.
    settings["userSearchConfigs"][0]["matchGroupIterate"] = True
    await configure(w, settings)
    status = await sync_now(w)
    assert status["result"]["usersFound"] == 2
    assert status["result"]["deactivated"] == 0

    # Leaving the admin group revokes admin; leaving the users group deactivates.
    slapd.remove_member(admins, bob)
    slapd.remove_member(users, alice)
    status = await sync_now(w)
    assert status["result"]["adminsRevoked"] == 1
    assert status["result"]["deactivated"] == 1
    assert (await w.client.get("/accounts/bob", headers=ADMIN)).json()["isAdmin"] is False
    # The recovery admin is a local account: never touched by admin sync.
    me = (await w.client.get("/auth/whoami", headers=ADMIN)).json()
    assert me["isAdmin"] is True


async def test_member_uid_groups(slapd: SlapdServer, ldap_wharf: InProcessWharf) -> None:
    """posixGroup-style groups list user names (memberUid), not DNs."""
    w = ldap_wharf
    slapd.add_user("alice", "alice-password")
    slapd.add_user("bob", "bob-password")
    slapd.add(
        f"dn: cn=posix,{GROUPS}\nobjectClass: posixGroup\ncn: posix\ngidNumber: 5000\n"
        "memberUid: bob\n"
    )
    settings = ldap_settings(slapd, jitUserProvisioning=False)
    settings["userSearchConfigs"][0].update(
        matchGroup=True, matchGroupDN=f"cn=posix,{GROUPS}", matchGroupMemberAttr="memberUid"
    )
    await configure(w, settings)
    status = await sync_now(w)
    assert status["result"]["created"] == 1
    assert (await w.client.get("/accounts/bob", headers=ADMIN)).status_code == 200
    assert (await w.client.get("/accounts/alice", headers=ADMIN)).status_code == 404


async def test_periodic_sync_runs_when_due_and_stops_cleanly(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    w = ldap_wharf
    service = w.services.access.ldap
    slapd.add_user("alice", "alice-password")
    await configure(w, ldap_settings(slapd, jitUserProvisioning=False, syncIntervalHours=1))

    # The last sync started two hours ago: one is due.
    def backdate(session: object) -> None:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        state = load_state(session)
        state["last"] = {"startedAt": (utcnow() - timedelta(hours=2)).isoformat()}
        save_state(session, state)

    w.services.db.call(backdate)
    service.check_seconds = 0.05
    await service.stop()  # the PUT started it with the default period
    service.start_scheduler()
    deadline = time.monotonic() + 30
    while True:
        r = await w.client.get("/api/ucp/config/auth/ldap/sync", headers=ADMIN)
        status = r.json()
        if status.get("trigger") == "periodic" and status["state"] != "running":
            break
        assert time.monotonic() < deadline, status
        await asyncio.sleep(0.05)
    assert status["state"] == "succeeded"
    assert status["result"]["created"] == 1
    # Just synced: not due again for an hour.
    await asyncio.sleep(0.3)
    r = await w.client.get("/api/ucp/config/auth/ldap/sync", headers=ADMIN)
    assert r.json()["jobID"] == status["jobID"]
    await service.stop()
    assert service._scheduler is None
