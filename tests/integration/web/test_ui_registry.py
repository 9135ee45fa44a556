"""Registry screens in a real browser: create a repository, push images to it over the
registry HTTP API, browse its tags, a tag's layers next to the Dockerfile lines that made
them, the platforms of a multi-arch index; edit, share with a team, delete."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.common.registry import expect as expect_status
from tests.integration.web.conftest import UI
from tests.integration.web.content import (
    HISTORY,
    LAYER_LINES,
    image_with_history,
    multiarch_with_history,
    push,
)

pytestmark = pytest.mark.integration


def test_create_repository_and_browse_layers(ui: UI, admin_api: httpx.Client) -> None:
    user, password = ui.server.admin
    ui.login(user, password)
    page = ui.page
    ui.nav("Repositories")
    ui.heading("Repositories")
    page.get_by_role("button", name="Create repository").click()
    dialog = page.get_by_role("dialog", name="Create repository")
    expect(dialog.get_by_label("Namespace")).to_have_value("admin")
    dialog.get_by_label("Repository name").fill("webapp")
    dialog.get_by_label("Visibility").select_option("public")
    dialog.get_by_label("Short description").fill("The demo web application")
    ui.assert_labelled()
    dialog.get_by_role("button", name="Create").click()
    ui.heading("admin/webapp")
    expect(page.get_by_text("No tags yet.")).to_be_visible()

    image = image_with_history()
    multi = multiarch_with_history()
    push(admin_api, "admin/webapp", "1.0", image)
    push(admin_api, "admin/webapp", "multi", multi)

    page.reload()
    ui.heading("admin/webapp")
    row = page.locator("tbody tr", has_text="1.0")
    expect(row).to_contain_text(image.digest[:19])
    expect(row).to_contain_text("KiB")
    expect(page.locator("tbody tr", has_text="multi")).to_contain_text(
        "Multi-platform: linux/amd64, linux/arm64"
    )
    page.get_by_label("Filter tags").fill("mul")
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_label("Filter tags").fill("")
    expect(page.locator("tbody tr")).to_have_count(2)
    ui.assert_labelled()
    ui.shot("repository")

    # the image: layers with the Dockerfile line of each (empty_layer entries skipped)
    page.get_by_role("link", name="1.0", exact=True).click()
    ui.heading("admin/webapp:1.0")
    expect(page.locator("[data-digest]")).to_contain_text(image.digest)
    lines = page.locator(".created-by")
    expect(lines).to_have_count(3)
    assert lines.all_inner_texts() == LAYER_LINES
    layer_rows = page.locator(
        "section", has=page.get_by_role("heading", name="Layers (3)")
    ).locator("tbody tr")
    for i, layer in enumerate(image.layers):
        expect(layer_rows.nth(i)).to_contain_text(layer.digest[:19])
    page.get_by_text("All 7 history entries").click()
    for line, _ in HISTORY:
        expect(page.get_by_role("cell", name=line, exact=True).first).to_be_visible()
    ui.shot("tag-detail")

    # the index: its platforms, then one platform's layers
    page.get_by_role("link", name="admin/webapp").click()
    page.get_by_role("link", name="multi", exact=True).click()
    ui.heading("admin/webapp:multi")
    platforms = page.locator("section", has=page.get_by_role("heading", name="Platforms")).locator(
        "tbody tr"
    )
    expect(platforms).to_have_count(2)
    expect(platforms.nth(1)).to_contain_text("linux/arm64")
    ui.shot("tag-index")
    page.get_by_role("link", name="View the layers of linux/arm64").click()
    arm = multi.images["linux/arm64"]
    expect(page.locator("[data-digest]")).to_contain_text(arm.digest)
    assert page.locator(".created-by").all_inner_texts() == LAYER_LINES
    expect(page.get_by_text("linux/arm64", exact=True)).to_be_visible()

    # settings: private now, with a new description
    page.get_by_role("link", name="admin/webapp").click()
    ui.heading("admin/webapp")
    page.get_by_label("Visibility").select_option("private")
    page.get_by_label("Short description").fill("Now private")
    page.get_by_role("button", name="Save repository").click()
    ui.toast("Repository saved")
    expect(page.get_by_text("Now private")).to_be_visible()
    repo = admin_api.get("/api/v0/repositories/admin/webapp").json()
    assert (repo["visibility"], repo["shortDescription"]) == ("private", "Now private")

    page.get_by_role("button", name="Delete repository").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    ui.heading("Repositories")
    assert admin_api.get("/api/v0/repositories/admin/webapp").status_code == 404


def test_team_access_on_an_organization_repository(
    ui: UI, ui_factory: Any, admin_api: httpx.Client
) -> None:
    expect_status(admin_api.post("/accounts/", json={"name": "acme", "isOrg": True}), 201)
    for team in ("builders", "auditors"):
        expect_status(admin_api.post("/accounts/acme/teams", json={"name": team}), 201)
    expect_status(
        admin_api.post("/accounts/", json={"name": "acme-builder", "password": "builder-pw-1"}), 201
    )
    expect_status(admin_api.put("/accounts/acme/teams/builders/members/acme-builder", json={}), 200)
    user, password = ui.server.admin
    ui.login(user, password)
    page = ui.page
    ui.nav("Repositories")
    page.get_by_role("button", name="Create repository").click()
    dialog = page.get_by_role("dialog", name="Create repository")
    dialog.get_by_label("Namespace").fill("acme")
    dialog.get_by_label("Repository name").fill("tools")
    dialog.get_by_role("button", name="Create").click()
    ui.heading("acme/tools")

    access = page.locator("section", has=page.get_by_role("heading", name="Team access"))
    expect(access.get_by_text("No team has access yet.")).to_be_visible()
    access.get_by_label("Team", exact=True).select_option("builders")
    access.get_by_label("Permission", exact=True).select_option("read-write")
    access.get_by_role("button", name="Set access").click()
    expect(access.locator("tbody tr", has_text="builders")).to_be_visible()
    ui.assert_labelled()
    ui.shot("team-access")
    levels = admin_api.get("/api/v0/repositories/acme/tools/teamAccess").json()["teamAccessList"]
    assert levels == [{"team": {"name": "builders"}, "accessLevel": "read-write"}]

    # the builder may push now, but only sees what the repository allows them
    with ui.server.client(auth=("acme-builder", "builder-pw-1")) as builder:
        push(builder, "acme/tools", "v1", image_with_history())
        assert builder.get("/api/v0/repositories/acme/tools/myAccess").json()["actions"] == [
            "pull",
            "push",
        ]

    access.get_by_label("Permission of builders").select_option("admin")
    ui.toast("builders: admin")
    levels = admin_api.get("/api/v0/repositories/acme/tools/teamAccess").json()["teamAccessList"]
    assert levels[0]["accessLevel"] == "admin"
    access.get_by_role("button", name="Remove access of team builders").click()
    expect(access.get_by_text("No team has access yet.")).to_be_visible()
    assert (
        admin_api.get("/api/v0/repositories/acme/tools/teamAccess").json()["teamAccessList"] == []
    )

    # the builder (their team has no access any more), in a browser of their own
    other: UI = ui_factory()
    other.login("acme-builder", "builder-pw-1")
    other.nav("Repositories")
    expect(other.page.get_by_text("No repositories you may see.")).to_be_visible()
