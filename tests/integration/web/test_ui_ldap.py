"""LDAP screens against a real slapd: configure a server and a user search, "Test login",
"Sync now" with its status, and a team's member sync ("match group members", immediately
synced) — on a Wharf of the test's own, since LDAP changes who may log in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.common.registry import expect as expect_status
from tests.common.slapd import PEOPLE, READER_DN, READER_PASSWORD, SlapdServer, find_slapd
from tests.common.wharf import WharfServer
from tests.integration.web.conftest import UI

pytestmark = pytest.mark.integration


@pytest.fixture
def slapd() -> Iterator[SlapdServer]:
    binary = find_slapd()
    if binary is None:
        pytest.skip("slapd is not installed (Debian package slapd); this test needs it")
    server = SlapdServer.start(binary)
    try:
        yield server
    finally:
        server.stop()


def test_configure_test_login_sync_and_team_sync(
    # fresh_server first: fixtures end in reverse order, so the browser (whose dashboard
    # keeps polling) is closed while the server still answers.
    fresh_server: WharfServer,
    slapd: SlapdServer,
    ui_factory: Any,
) -> None:
    alice = slapd.add_user("alice", "alice-password", cn="Alice Liddell")
    slapd.add_user("bob", "bob-password", cn="Bob Builder")
    group = slapd.add_group("developers", [alice])
    with fresh_server.client() as api:
        expect_status(api.post("/accounts/", json={"name": "acme", "isOrg": True}), 201)
        expect_status(api.post("/accounts/acme/teams", json={"name": "dev"}), 201)

    ui: UI = ui_factory(fresh_server)
    user, password = fresh_server.admin
    ui.login(user, password)
    page = ui.page
    ui.nav("LDAP")
    ui.heading("LDAP")
    expect(page.get_by_text("No sync has run yet.")).to_be_visible()

    page.get_by_label("Enable LDAP authentication").check()
    # without just-in-time provisioning, a sync creates every user the searches find
    page.get_by_label("Create accounts on first login (just-in-time provisioning)").uncheck()
    page.get_by_role("button", name="Add server").click()
    server = page.locator("fieldset", has=page.get_by_text("Server 1", exact=True))
    server.get_by_label("Server URL").fill(slapd.url)
    server.get_by_label("Reader DN").fill(READER_DN)
    server.get_by_label("Reader password").fill(READER_PASSWORD)
    page.get_by_role("button", name="Add user search").click()
    search = page.locator("fieldset", has=page.get_by_text("User search 1", exact=True))
    search.get_by_label("Base DN").fill(PEOPLE)
    search.get_by_label("Username attribute").fill("uid")
    search.get_by_label("Full name attribute").fill("cn")
    search.get_by_label("Filter").fill("(objectClass=inetOrgPerson)")
    search.get_by_label("Search the subtree").check()
    ui.assert_labelled()

    # test login before saving: the settings on the screen are used
    tester = page.locator("section", has=page.get_by_role("heading", name="Test login"))
    tester.get_by_label("Username").fill("alice")
    tester.get_by_label("Password").fill("wrong")
    tester.get_by_role("button", name="Test login").click()
    expect(tester.get_by_role("alert")).to_contain_text("Login fails:")
    tester.get_by_label("Password").fill("alice-password")
    tester.get_by_role("button", name="Test login").click()
    expect(tester.get_by_role("alert")).to_have_text(
        f"Login works: {alice} (Alice Liddell) on {slapd.url}."
    )

    page.get_by_role("button", name="Save LDAP settings").click()
    expect(page.get_by_text("LDAP settings saved.")).to_be_visible()
    with fresh_server.client() as api:
        saved = api.get("/api/ucp/config/auth/ldap").json()
    assert saved["enabled"] is True
    assert saved["servers"][0]["hasReaderPassword"] is True
    assert saved["userSearchConfigs"][0]["baseDN"] == PEOPLE

    page.get_by_role("button", name="Sync now").click()
    # The sync runs in the background and the screen polls for its result: on a busy
    # machine that takes longer than expect()'s default 5 s.
    expect(page.locator("[data-sync-state]")).to_have_attribute(
        "data-sync-state", "succeeded", timeout=30_000
    )
    ui.shot("ldap")
    with fresh_server.client() as api:
        names = [
            a["name"] for a in api.get("/accounts/", params={"filter": "users"}).json()["accounts"]
        ]
    assert {"alice", "bob"} <= set(names)

    # a reload keeps the stored reader password without showing it
    page.reload()
    ui.heading("LDAP")
    expect(page.get_by_text("Stored; leave empty to keep it.")).to_be_visible()

    # the team's members come from the group
    ui.open("orgs/acme/teams/dev")
    ui.heading("Team dev")
    sync = page.locator("section", has=page.get_by_role("heading", name="LDAP member sync"))
    sync.get_by_label("Sync team members from LDAP").check()
    sync.get_by_label("Match group members").check()
    sync.get_by_label("Group DN").fill(group)
    sync.get_by_label("Immediately sync team members").check()
    ui.assert_labelled()
    sync.get_by_role("button", name="Save sync settings").click()
    ui.heading("Team dev")
    expect(page.get_by_text("This team's members are synced from LDAP.")).to_be_visible()
    expect(page.get_by_role("cell", name="Alice Liddell")).to_be_visible()
    expect(page.get_by_role("cell", name="Bob Builder")).to_have_count(0)
    expect(page.get_by_label("User to add")).to_have_count(0)
    ui.shot("team-ldap-sync")

    # an LDAP user logs in with the directory's password
    ui.logout()
    ui.login("alice", "alice-password")
    ui.heading("Welcome, Alice Liddell")
