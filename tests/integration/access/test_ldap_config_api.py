"""``GET|PUT /api/ucp/config/auth/ldap``: validation with clear 400s, admins only, and
the reader password never coming back out — not from the API, the database or the
logs."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.common.slapd import PEOPLE, READER_DN, READER_PASSWORD, SlapdServer
from tests.conftest import InProcessWharf, basic
from tests.integration.access.conftest import ADMIN, configure, ldap_settings, login, sync_now
from wharf.core.settings_store import AdminSetting

pytestmark = pytest.mark.integration

URL = "/api/ucp/config/auth/ldap"


def server(**changes: Any) -> dict[str, Any]:
    return {"url": "ldap://ldap.example.org", **changes}


def search(**changes: Any) -> dict[str, Any]:
    return {"baseDN": PEOPLE, "usernameAttr": "uid", **changes}


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"enabled": "yes"}, "enabled: expected true or false"),
    ({"syncIntervalHours": 0}, "syncIntervalHours"),
    ({"syncIntervalHours": "1"}, "syncIntervalHours: expected an integer"),
    ({"bogus": True}, "unknown field 'bogus'"),
    ({"enabled": True}, "at least one server"),
    ({"enabled": True, "servers": [server()]}, "at least one user search"),
    ({"servers": {"url": "x"}}, "servers: expected a list"),
    ({"servers": [server(url="http://ldap.example.org")]}, "servers[0].url"),
    ({"servers": [server(url="ldap://")]}, "servers[0].url"),
    ({"servers": [server(url="ldap://h:99999")]}, "invalid port"),
    ({"servers": [server(url="ldap://h/dc=x")]}, "scheme://host[:port]"),
    ({"servers": [server(url="")]}, "a server URL is required"),
    ({"servers": [server(domain="not a dn")]}, "servers[0].domain"),
    ({"servers": [server(), server(url="ldap://other")]}, "servers[1].domain: a DN is required"),
    (
        {"servers": [server(domain="dc=a"), server(url="ldap://o", domain="DC=A")]},
        "served by two servers",
    ),
    ({"servers": [server(readerDN="cn=reader,dc=x")]}, "readerPassword: required"),
    ({"servers": [server(readerPassword="pw")]}, "a reader password needs a reader DN"),
    ({"servers": [server(url="ldaps://h", startTLS=True)]}, "startTLS"),
    ({"servers": [server(rootCerts="-----BEGIN CERTIFICATE-----\nnope")]}, "rootCerts"),
    ({"servers": [server(startTLS="no")]}, "servers[0].startTLS: expected true or false"),
    ({"servers": [server(password="x")]}, "servers[0]: unknown field 'password'"),
    ({"userSearchConfigs": [search(baseDN="")]}, "userSearchConfigs[0].baseDN"),
    ({"userSearchConfigs": [search(usernameAttr="user name")]}, "usernameAttr"),
    ({"userSearchConfigs": [search(usernameAttr="")]}, "usernameAttr"),
    ({"userSearchConfigs": [search(usernameAttr="a" * 101)]}, "usernameAttr"),
    ({"userSearchConfigs": [search(usernameAttr="uid;x")]}, "usernameAttr"),
    ({"userSearchConfigs": [search(fullNameAttr="c=n")]}, "fullNameAttr"),
    ({"userSearchConfigs": [search(filter="objectClass=person")]}, "not a valid LDAP filter"),
    ({"userSearchConfigs": [search(filter="(&(a=b)")]}, "not a valid LDAP filter"),
    ({"userSearchConfigs": [search(matchGroup=True)]}, "matchGroupDN"),
    ({"userSearchConfigs": [search(scopeSubtree=1)]}, "scopeSubtree"),
    ({"adminSyncOpts": {"enableSync": True, "groupDN": ""}}, "adminSyncOpts.groupDN"),
    (
        {"adminSyncOpts": {"enableSync": True, "selectGroupMembers": False}},
        "adminSyncOpts.searchBaseDN",
    ),
]


async def test_invalid_settings_are_refused_with_the_field_named(
    ldap_wharf: InProcessWharf,
) -> None:
    w = ldap_wharf
    for body, message in INVALID:
        r = await w.client.put(URL, json=body, headers=ADMIN)
        assert r.status_code == 400, (body, r.text)
        error = r.json()["errors"][0]
        assert error["code"] == "INVALID_INPUT"
        assert message in error["message"], (body, error["message"])
    r = await w.client.put(URL, content=b"[1]", headers=ADMIN)
    assert r.status_code == 400
    # Nothing was stored.
    r = await w.client.get(URL, headers=ADMIN)
    assert r.json()["servers"] == [] and r.json()["enabled"] is False


async def test_defaults_and_admins_only(ldap_wharf: InProcessWharf) -> None:
    w = ldap_wharf
    r = await w.client.get(URL, headers=ADMIN)
    assert r.status_code == 200
    assert r.json() == {
        "enabled": False,
        "jitUserProvisioning": True,
        "syncIntervalHours": 1,
        "deactivateMissingUsers": True,
        "servers": [],
        "userSearchConfigs": [],
        "adminSyncOpts": {
            "enableSync": False,
            "selectGroupMembers": True,
            "groupDN": "",
            "groupMemberAttr": "member",
            "searchBaseDN": "",
            "searchFilter": "",
            "searchScopeSubtree": False,
        },
    }
    w.add_user("mallory", "mallory-password")
    mallory = basic("mallory", "mallory-password")
    assert (await w.client.get(URL, headers=mallory)).status_code == 403
    assert (await w.client.put(URL, json={}, headers=mallory)).status_code == 403
    assert (await w.client.get(URL)).status_code == 401
    # Not reachable through the generic settings API either.
    assert (await w.client.get("/api/ucp/config/auth.ldap", headers=ADMIN)).status_code == 404
    r = await w.client.get("/api/ucp/config", headers=ADMIN)
    assert "auth.ldap" not in r.json()


async def test_the_reader_password_never_comes_back_out(
    slapd: SlapdServer, ldap_wharf: InProcessWharf, caplog: pytest.LogCaptureFixture
) -> None:
    w = ldap_wharf
    wharf_logger = logging.getLogger("wharf")
    wharf_logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="wharf")
    try:
        slapd.add_user("alice", "alice-password")
        settings = ldap_settings(slapd, jitUserProvisioning=False)
        saved = await configure(w, settings)
        assert saved["servers"][0]["hasReaderPassword"] is True
        assert "readerPassword" not in saved["servers"][0]
        r = await w.client.get(URL, headers=ADMIN)
        assert READER_PASSWORD not in r.text
        assert r.json()["servers"][0] == {
            "url": slapd.url,
            "domain": "",
            "readerDN": READER_DN,
            "hasReaderPassword": True,
            "startTLS": False,
            "tlsSkipVerify": False,
            "rootCerts": "",
            "noSimplePagination": False,
        }
        assert r.json()["userSearchConfigs"][0]["filter"] == "(objectClass=inetOrgPerson)"

        # Sealed at rest.
        row = w.services.db.call(lambda s: s.get(AdminSetting, "auth.ldap").value)
        assert READER_PASSWORD not in json.dumps(row)

        # Round-tripping what GET shows keeps the password (it is not sent back).
        view = r.json()
        view["syncIntervalHours"] = 6
        view["servers"][0]["noSimplePagination"] = True
        r = await w.client.put(URL, json=view, headers=ADMIN)
        assert r.status_code == 200, r.text
        assert r.json()["syncIntervalHours"] == 6
        assert r.json()["servers"][0]["hasReaderPassword"] is True
        status = await sync_now(w)  # the reader still binds, without paging too
        assert status["state"] == "succeeded", status
        assert status["result"]["created"] == 1
        assert (await login(w, "alice", "alice-password")).status_code == 200

        # A partial PUT leaves the rest alone.
        r = await w.client.put(URL, json={"jitUserProvisioning": True}, headers=ADMIN)
        assert r.json()["syncIntervalHours"] == 6 and r.json()["servers"][0]["hasReaderPassword"]

        # A new reader DN needs its password; an explicit "" with no reader is anonymous.
        view["servers"][0]["readerDN"] = f"cn=other,{PEOPLE}"
        r = await w.client.put(URL, json=view, headers=ADMIN)
        assert r.status_code == 400 and "readerPassword" in r.text
        view["servers"][0].update(readerDN="", readerPassword="")
        r = await w.client.put(URL, json={**view, "enabled": False}, headers=ADMIN)
        assert r.status_code == 200, r.text
        assert r.json()["servers"][0]["hasReaderPassword"] is False

        logged = "\n".join(f"{rec.getMessage()} {rec.__dict__}" for rec in caplog.records)
        assert "ldap settings changed" in logged
        assert "ldap sync finished" in logged
        assert READER_PASSWORD not in logged
        assert "alice-password" not in logged
    finally:
        wharf_logger.removeHandler(caplog.handler)
