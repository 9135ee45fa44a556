"""The seed walkthrough "Create and Manage Teams and Users", click by click in a real
browser: an administrator creates the organization ``engineering``, its team ``dev`` and a
user in it, the collection ``/Shared/View-O services`` and a View Only grant on it to the
organization; the developer then logs in, sees no administration screen, and "Explain"
says they may view services there but not delete them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.integration.web.conftest import UI

pytestmark = pytest.mark.integration

DEV = "dev-user"
DEV_PASSWORD = "dev-password-1"
COLLECTION = "/Shared/View-O services"
ADMIN_SCREENS = ("Users", "Admin settings", "LDAP")


def test_teams_users_collection_grant_and_explain(
    ui: UI, ui_factory: Any, admin_api: httpx.Client
) -> None:
    page = ui.page
    user, password = ui.server.admin
    ui.login(user, password)
    ui.heading("Welcome, Administrator")
    for screen in ADMIN_SCREENS:
        assert screen in ui.nav_labels()
    ui.shot("overview")

    # -- the organization and its team ----------------------------------------------------
    ui.nav("Organizations & teams")
    ui.heading("Organizations & teams")
    page.get_by_role("button", name="Create organization").click()
    dialog = page.get_by_role("dialog", name="Create organization")
    dialog.get_by_label("Organization name").fill("engineering")
    dialog.get_by_label("Full name").fill("Engineering")
    ui.assert_labelled()
    dialog.get_by_role("button", name="Create").click()
    ui.heading("Engineering (engineering)")
    page.get_by_role("button", name="Create team").click()
    dialog = page.get_by_role("dialog", name="Create a team in engineering")
    dialog.get_by_label("Team name").fill("dev")
    dialog.get_by_label("Description").fill("Developers")
    dialog.get_by_role("button", name="Create").click()
    ui.toast("Team dev created")
    expect(page.get_by_role("link", name="dev", exact=True)).to_be_visible()

    # -- the user ------------------------------------------------------------------------------
    ui.nav("Users")
    ui.heading("Users")
    page.get_by_role("button", name="Create user").click()
    dialog = page.get_by_role("dialog", name="Create user")
    dialog.get_by_label("Username").fill(DEV)
    dialog.get_by_label("Full name").fill("Dana Developer")
    dialog.get_by_label("Password").fill(DEV_PASSWORD)
    expect(dialog.get_by_label("Is admin")).not_to_be_checked()
    ui.assert_labelled()
    dialog.get_by_role("button", name="Create").click()
    ui.toast(f"User {DEV} created")
    page.get_by_label("Search users").fill("dana")  # full names match too (server-side)
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name=DEV)).to_be_visible()
    ui.shot("users")

    # -- into the team ---------------------------------------------------------------------------
    ui.nav("Organizations & teams")
    page.get_by_label("Search organizations").fill("engin")
    page.get_by_role("link", name="engineering", exact=True).click()
    page.get_by_role("link", name="dev", exact=True).click()
    ui.heading("Team dev")
    page.get_by_label("User to add").fill(DEV)
    page.get_by_role("button", name="Add member").click()
    ui.toast(f"{DEV} added to dev")
    expect(page.get_by_role("cell", name="Dana Developer")).to_be_visible()
    ui.assert_labelled()
    ui.shot("team")
    page.get_by_role("link", name="engineering").click()
    page.get_by_role("tab", name="Members").click()
    expect(page.get_by_role("cell", name=DEV, exact=True)).to_be_visible()

    # -- the collection ----------------------------------------------------------------------------
    ui.nav("Collections")
    ui.heading("Collections")
    page.get_by_role("button", name="View children of /Shared", exact=True).click()
    page.get_by_role("button", name="Create a collection in /Shared", exact=True).click()
    dialog = page.get_by_role("dialog", name="Create a collection in /Shared")
    dialog.get_by_label("Collection name").fill("View-O services")
    dialog.get_by_role("button", name="Create").click()
    ui.toast(f"Collection {COLLECTION} created")
    expect(page.locator(f'[data-path="{COLLECTION}"]')).to_be_visible()
    ui.shot("collections")

    # -- the grant: collection → role → subject ---------------------------------------------------------
    ui.nav("Grants")
    ui.heading("Grants")
    page.get_by_role("button", name="Create grant").click()
    ui.heading("Create grant")
    page.get_by_role("button", name="Browse…").click()
    picker = page.get_by_role("dialog")
    picker.get_by_role("button", name="View children of /Shared", exact=True).click()
    picker.get_by_role("button", name=f"Choose {COLLECTION}", exact=True).click()
    expect(page.get_by_label("Collection", exact=True)).to_have_value(COLLECTION)
    page.get_by_label("View Only").check()
    page.get_by_label("Organization", exact=True).check()
    expect(page.get_by_label("User name")).to_be_hidden()
    page.get_by_label("Organization name").fill("engineering")
    ui.assert_labelled()
    ui.shot("grant-create")
    page.get_by_role("button", name="Create grant").click()
    ui.toast(f"Granted View Only on {COLLECTION} to engineering")
    ui.heading("Grants")
    page.get_by_label("Subject", exact=True).fill("engineering")
    page.get_by_label("Subject", exact=True).press("Enter")
    row = page.locator("tbody tr", has_text=COLLECTION)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("View Only")
    expect(row).to_contain_text("engineering")
    ui.shot("grants")

    grants = admin_api.get("/collectionGrants", params={"subjectID": "engineering", "showPaths": 1})
    assert [(g["roleID"], g["collectionPath"]) for g in grants.json()["grants"]] == [
        ("viewonly", COLLECTION)
    ]

    # -- the developer ------------------------------------------------------------------------------
    ui.logout()
    ui.login(DEV, DEV_PASSWORD)
    ui.heading("Welcome, Dana Developer")
    labels = ui.nav_labels()
    for screen in ADMIN_SCREENS:
        assert screen not in labels
    assert "Explain access" in labels
    ui.open("settings")
    ui.heading("Not available")
    ui.open("users")
    ui.heading("Not available")

    # only the organizations they belong to
    ui.nav("Organizations & teams")
    ui.heading("Organizations & teams")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_role("link", name="engineering", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="docker-datacenter", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Create organization")).to_have_count(0)

    ui.nav("Grants")
    ui.heading("My grants")
    expect(page.locator("tbody tr", has_text=COLLECTION)).to_contain_text("View Only")
    expect(page.get_by_role("button", name="Create grant")).to_have_count(0)

    ui.nav("Collections")
    ui.heading("Collections")
    expect(page.locator(f'[data-path="{COLLECTION}"]')).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Create a collection"))).to_have_count(0)

    ui.nav("Explain access")
    ui.heading("Explain access")
    expect(page.get_by_label("User", exact=True)).to_have_value(DEV)
    page.get_by_label("Operation").select_option("Service View")
    page.get_by_label("Collection", exact=True).fill(COLLECTION)
    page.get_by_role("button", name="Explain").click()
    verdict = page.locator(".verdict")
    expect(verdict).to_have_attribute("data-verdict", "allowed")
    expect(page.locator("tbody tr", has_text="View Only")).to_contain_text("engineering")

    page.get_by_label("Operation").select_option("Service Delete")
    page.get_by_role("button", name="Explain").click()
    expect(verdict).to_have_attribute("data-verdict", "denied")
    expect(verdict).to_contain_text("Service Delete")
    expect(page.locator(".explain-reason")).not_to_be_empty()
    ui.assert_labelled()
    ui.shot("explain")

    answer = httpx.get(
        f"{ui.server.url}/api/access/explain",
        params={"user": DEV, "operation": "Service Delete", "collection": COLLECTION},
        auth=(DEV, DEV_PASSWORD),
    ).json()
    assert answer["allowed"] is False
    expect(page.locator(".explain-reason")).to_have_text(answer["reason"])
