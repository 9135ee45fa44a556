"""Logging in through a real OpenLDAP slapd: just-in-time accounts on ``/auth/login``
and on the registry token endpoint (docker login's Basic credentials), refusals, the
test-login endpoint, TLS (LDAPS and StartTLS) and the choice of server by domain."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.common.procs import free_port
from tests.common.slapd import GROUPS, PEOPLE, READER_DN, READER_PASSWORD, SUFFIX, SlapdServer
from tests.conftest import ADMIN_PASSWORD, InProcessWharf, basic
from tests.integration.access.conftest import (
    ADMIN,
    configure,
    ldap_settings,
    login,
    session_headers,
)
from wharf.access.models import Account

pytestmark = pytest.mark.integration


async def test_jit_login_creates_the_account_and_refuses_bad_credentials(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    w = ldap_wharf
    alice_dn = slapd.add_user("alice", "alice-password", cn="Alice Liddell", hashed=True)
    slapd.add_user("bob", "bob-password", cn="Bob Builder")  # plain userPassword
    slapd.add(f"dn: ou=elsewhere,{SUFFIX}\nobjectClass: organizationalUnit\nou: elsewhere\n")
    slapd.add_user("eve", "eve-password", ou=f"ou=elsewhere,{SUFFIX}")

    # Before LDAP is on, directory users are unknown.
    assert (await login(w, "alice", "alice-password")).status_code == 401
    await configure(w, ldap_settings(slapd))

    r = await login(w, "alice", "alice-password")
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['auth_token']}"}
    me = (await w.client.get("/auth/whoami", headers=headers)).json()
    assert me["name"] == "alice"
    assert me["fullName"] == "Alice Liddell"
    assert me["isImported"] is True
    assert me["isAdmin"] is False
    account = w.services.db.call(lambda s: s.scalar(select(Account).where(Account.name == "alice")))
    assert account.source == "ldap"
    assert account.ldap_dn == alice_dn
    assert account.password_hash is None

    # The new user is set up like any other: the everyone-org and a private collection.
    r = await w.client.get("/accounts/alice", headers=ADMIN)
    assert r.status_code == 200 and r.json()["isImported"] is True

    # docker login: Basic credentials on the registry token endpoint; bob is created here.
    r = await w.client.get(
        "/auth/token", params={"service": "wharf"}, headers=basic("bob", "bob-password")
    )
    assert r.status_code == 200, r.text
    assert r.json()["token"]
    r = await w.client.get("/accounts/bob", headers=ADMIN)
    assert r.status_code == 200 and r.json()["fullName"] == "Bob Builder"

    # Refusals: wrong password, empty password (an anonymous bind would "succeed"),
    # unknown user, a user outside every search base.
    assert (await login(w, "alice", "wrong-password")).status_code == 401
    assert (await login(w, "alice", "")).status_code in (400, 401)
    r = await w.client.get(
        "/auth/token", params={"service": "wharf"}, headers=basic("alice", "wrong-password")
    )
    assert r.status_code == 401
    r = await w.client.get("/auth/token", params={"service": "wharf"}, headers=basic("alice", ""))
    assert r.status_code == 401
    assert (await login(w, "nobody", "whatever-password")).status_code == 401
    assert (await login(w, "eve", "eve-password")).status_code == 401
    r = await w.client.get("/accounts/eve", headers=ADMIN)
    assert r.status_code == 404

    # The name is case-insensitive, as in the directory.
    r = await login(w, "Alice", "alice-password")
    assert r.status_code == 200, r.text
    me = (
        await w.client.get(
            "/auth/whoami", headers={"Authorization": f"Bearer {r.json()['auth_token']}"}
        )
    ).json()
    assert me["name"] == "alice"

    # Managed (local) users keep working, and are never checked against the directory.
    assert (await login(w, "admin", ADMIN_PASSWORD)).status_code == 200
    slapd.add_user("admin", "directory-admin-password")
    assert (await login(w, "admin", "directory-admin-password")).status_code == 401


async def test_without_jit_only_synced_users_can_log_in(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    from tests.integration.access.conftest import sync_now

    w = ldap_wharf
    slapd.add_user("alice", "alice-password", cn="Alice Liddell")
    await configure(w, ldap_settings(slapd, jitUserProvisioning=False))
    assert (await login(w, "alice", "alice-password")).status_code == 401
    status = await sync_now(w)
    assert status["state"] == "succeeded", status
    assert status["result"]["created"] == 1
    assert (await login(w, "alice", "alice-password")).status_code == 200
    assert (await login(w, "alice", "wrong-password")).status_code == 401
    # Someone added to the directory after the sync waits for the next one.
    slapd.add_user("carol", "carol-password")
    assert (await login(w, "carol", "carol-password")).status_code == 401


async def test_the_test_login_endpoint(slapd: SlapdServer, ldap_wharf: InProcessWharf) -> None:
    w = ldap_wharf
    alice_dn = slapd.add_user("alice", "alice-password", cn="Alice Liddell", hashed=True)
    url = "/api/ucp/config/auth/ldap/test"
    body = {"username": "alice", "password": "alice-password"}

    # Nothing configured yet: a clear 400, unless the settings come with the request.
    r = await w.client.post(url, json=body, headers=ADMIN)
    assert r.status_code == 400
    assert "server" in r.json()["errors"][0]["message"]
    r = await w.client.post(url, json={**body, "config": ldap_settings(slapd)}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True and r.json()["dn"] == alice_dn

    await configure(w, ldap_settings(slapd, enabled=False))
    r = await w.client.post(url, json=body, headers=ADMIN)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["ok"] is True
    assert result["dn"] == alice_dn
    assert result["fullName"] == "Alice Liddell"
    # A test login creates no account.
    assert (await w.client.get("/accounts/alice", headers=ADMIN)).status_code == 404

    r = await w.client.post(url, json={**body, "password": "nope-nope"}, headers=ADMIN)
    assert r.json()["ok"] is False
    assert "refused the password" in r.json()["error"]
    r = await w.client.post(url, json={**body, "username": "zed"}, headers=ADMIN)
    assert r.json()["ok"] is False
    assert "no user 'zed'" in r.json()["error"]

    # A wrong reader password, and an unreachable server, are named clearly.
    bad_reader = ldap_settings(slapd)
    bad_reader["servers"][0]["readerPassword"] = "not-the-password"
    r = await w.client.post(url, json={**body, "config": bad_reader}, headers=ADMIN)
    assert r.json()["ok"] is False
    assert "reader bind as cn=reader" in r.json()["error"]
    dead = ldap_settings(slapd)
    dead["servers"][0]["url"] = f"ldap://127.0.0.1:{free_port()}"
    r = await w.client.post(url, json={**body, "config": dead}, headers=ADMIN)
    assert r.json()["ok"] is False
    assert "cannot connect" in r.json()["error"]

    # Admins only; bad bodies are 400.
    w.add_user("mallory", "mallory-password")
    r = await w.client.post(url, json=body, headers=basic("mallory", "mallory-password"))
    assert r.status_code == 403
    r = await w.client.post(url, json={"username": "alice"}, headers=ADMIN)
    assert r.status_code == 400


async def test_tls_ldaps_and_starttls(slapd: SlapdServer, ldap_wharf: InProcessWharf) -> None:
    w = ldap_wharf
    slapd.add_user("alice", "alice-password")
    url = "/api/ucp/config/auth/ldap/test"
    body = {"username": "alice", "password": "alice-password"}

    def with_server(**server: object) -> dict[str, object]:
        settings = ldap_settings(slapd)
        settings["servers"] = [{"readerDN": READER_DN, "readerPassword": READER_PASSWORD, **server}]
        return {**body, "config": settings}

    # The test CA is not in the system store: verification fails...
    r = await w.client.post(url, json=with_server(url=slapd.ldaps_url), headers=ADMIN)
    assert r.json()["ok"] is False, r.text
    r = await w.client.post(url, json=with_server(url=slapd.url, startTLS=True), headers=ADMIN)
    assert r.json()["ok"] is False, r.text
    # ...unless the CA is given, or verification is skipped.
    for server in (
        {"url": slapd.ldaps_url, "rootCerts": slapd.ca_pem},
        {"url": slapd.ldaps_url, "tlsSkipVerify": True},
        {"url": slapd.url, "startTLS": True, "rootCerts": slapd.ca_pem},
    ):
        r = await w.client.post(url, json=with_server(**server), headers=ADMIN)
        assert r.json()["ok"] is True, (server.keys(), r.text)

    # And a real login over LDAPS.
    settings = ldap_settings(slapd)
    settings["servers"] = [
        {
            "url": slapd.ldaps_url,
            "readerDN": READER_DN,
            "readerPassword": READER_PASSWORD,
            "rootCerts": slapd.ca_pem,
        }
    ]
    await configure(w, settings)
    assert (await login(w, "alice", "alice-password")).status_code == 200


async def test_each_search_uses_the_server_of_its_domain(
    slapd: SlapdServer, ldap_wharf: InProcessWharf
) -> None:
    """The first server is the default; a search whose base DN ends in another server's
    domain goes to that server. Here the default is unreachable, so logins only work if
    the choice is right — and the first search that knows a name wins."""
    w = ldap_wharf
    slapd.add(f"dn: ou=staff,{PEOPLE}\nobjectClass: organizationalUnit\nou: staff\n")
    slapd.add_user("alice", "alice-password", cn="Alice In Staff", ou=f"ou=staff,{PEOPLE}")
    slapd.add_user("alice2", "alice2-password", cn="Other Alice", extra="employeeNumber: alice\n")
    settings = ldap_settings(slapd)
    settings["servers"] = [
        {"url": f"ldap://127.0.0.1:{free_port()}"},
        {
            "url": slapd.url,
            "domain": PEOPLE,
            "readerDN": READER_DN,
            "readerPassword": READER_PASSWORD,
        },
    ]
    settings["userSearchConfigs"] = [
        {"baseDN": f"ou=staff,{PEOPLE}", "usernameAttr": "uid", "fullNameAttr": "cn"},
        # Would match "alice" too (employeeNumber), but the first search wins.
        {"baseDN": PEOPLE, "usernameAttr": "employeeNumber", "fullNameAttr": "cn"},
        {"baseDN": GROUPS, "usernameAttr": "cn"},
    ]
    await configure(w, settings)
    headers = await session_headers(w, "alice", "alice-password")
    me = (await w.client.get("/auth/whoami", headers=headers)).json()
    assert me["fullName"] == "Alice In Staff"
    assert (await login(w, "alice", "alice2-password")).status_code == 401
