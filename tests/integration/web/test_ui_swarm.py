"""The control-plane screens in a real browser, against a ``wharf up`` serving the Docker
API in front of a private single-node swarm: the seed walkthrough ending with a service
the developer may see but not remove, deploying / scaling / removing a service, the
nodes and their join commands, client bundles, and the dashboard (health, recent
denials).

The UI reaches the engine through ``/docker/v1.41/...`` with its session; what it shows
is checked against the engine itself (``docker service inspect`` straight to dockerd).
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.common.procs import free_port
from tests.common.registry import expect as expect_status
from tests.common.wharf import WharfServer
from tests.integration.web.conftest import SWARM_IMAGE, UI, Swarm, running, swarm_server

pytestmark = pytest.mark.integration

ACCESS_LABEL = "com.docker.ucp.access.label"
COLLECTION = "/Shared/View-O services"
DEV, DEV_PASSWORD = "dev-user", "dev-password-1"
DENIED_DELETE = f"access denied: Service Delete on {COLLECTION}"
# Task states take a moment to converge; the screens refresh themselves.
CONVERGE_MS = 60_000


@pytest.fixture(scope="module")
def control_server(wharf_root: Path, swarm: Swarm) -> Iterator[WharfServer]:
    """This module's own ``wharf up`` (the walkthrough's names are also used elsewhere)."""
    with running(swarm_server(wharf_root, swarm)) as server:
        yield server


@pytest.fixture
def cui(ui_factory: Any, control_server: WharfServer) -> UI:
    made: UI = ui_factory(control_server)
    return made


@pytest.fixture
def services(swarm: Swarm) -> Iterator[list[str]]:
    """Names of the services a test creates: removed from the swarm afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        swarm.docker("service", "rm", name, check=False)


def inspect(swarm: Swarm, name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = json.loads(swarm.docker("service", "inspect", name))
    return found[0]


def service_names(swarm: Swarm) -> list[str]:
    return swarm.docker("service", "ls", "--format", "{{.Name}}").split()


def admin_login(ui: UI) -> None:
    ui.login(*ui.server.admin)
    ui.heading("Welcome, Administrator")


def create_service(
    ui: UI,
    name: str,
    replicas: int,
    collection: str | None = None,
    port: tuple[int, int] | None = None,
    shot: str | None = None,
) -> None:
    """Services → Create service → the form → the service's page."""
    page = ui.page
    ui.nav("Services")
    ui.heading("Services")
    page.get_by_role("button", name="Create service").click()
    ui.heading("Create service")
    page.get_by_label("Service name").fill(name)
    page.get_by_label("Image").fill(SWARM_IMAGE)
    page.get_by_label("Command").fill("sleep 86400")
    page.get_by_label("Replicas").fill(str(replicas))
    if collection:
        page.get_by_label("Collection").select_option(collection)
    if port:
        page.get_by_role("button", name="Add port").click()
        page.get_by_label("Published port 1").fill(str(port[0]))
        page.get_by_label("Target port 1").fill(str(port[1]))
    ui.assert_labelled()
    if shot:
        ui.shot(shot)
    page.get_by_role("button", name="Create service").click()
    ui.toast(f"Service {name} created")
    ui.heading(f"Service {name}")


def running_tasks(ui: UI) -> Any:
    return ui.page.locator('[data-task-state="running"]')


# -- 1. the seed walkthrough, ending on the swarm ----------------------------------------------


def test_walkthrough_view_only_service_cannot_be_removed(
    cui: UI, swarm: Swarm, services: list[str]
) -> None:
    ui, page = cui, cui.page
    admin_login(ui)

    # the organization, its team and a user in it
    ui.nav("Organizations & teams")
    page.get_by_role("button", name="Create organization").click()
    dialog = page.get_by_role("dialog", name="Create organization")
    dialog.get_by_label("Organization name").fill("engineering")
    dialog.get_by_role("button", name="Create").click()
    ui.heading("engineering")
    page.get_by_role("button", name="Create team").click()
    dialog = page.get_by_role("dialog", name="Create a team in engineering")
    dialog.get_by_label("Team name").fill("dev")
    dialog.get_by_role("button", name="Create").click()
    ui.toast("Team dev created")

    ui.nav("Users")
    page.get_by_role("button", name="Create user").click()
    dialog = page.get_by_role("dialog", name="Create user")
    dialog.get_by_label("Username").fill(DEV)
    dialog.get_by_label("Full name").fill("Dana Developer")
    dialog.get_by_label("Password").fill(DEV_PASSWORD)
    dialog.get_by_role("button", name="Create").click()
    ui.toast(f"User {DEV} created")

    ui.open("orgs/engineering/teams/dev")
    ui.heading("Team dev")
    page.get_by_label("User to add").fill(DEV)
    page.get_by_role("button", name="Add member").click()
    ui.toast(f"{DEV} added to dev")

    # the collection
    ui.nav("Collections")
    page.get_by_role("button", name="View children of /Shared", exact=True).click()
    page.get_by_role("button", name="Create a collection in /Shared", exact=True).click()
    dialog = page.get_by_role("dialog", name="Create a collection in /Shared")
    dialog.get_by_label("Collection name").fill("View-O services")
    dialog.get_by_role("button", name="Create").click()
    ui.toast(f"Collection {COLLECTION} created")

    # wordpress, deployed into it from the Services page
    services.append("wordpress")
    published = free_port()
    create_service(
        ui, "wordpress", 1, collection=COLLECTION, port=(published, 80), shot="service-create"
    )
    expect(page.locator('[data-fact="collection"]')).to_have_text(COLLECTION)
    expect(running_tasks(ui)).to_have_count(1, timeout=CONVERGE_MS)
    spec = inspect(swarm, "wordpress")["Spec"]
    assert spec["Labels"][ACCESS_LABEL] == COLLECTION
    # created as given: no digest resolved and pinned (--no-resolve-image)
    assert spec["TaskTemplate"]["ContainerSpec"]["Image"] == SWARM_IMAGE
    assert spec["TaskTemplate"]["ContainerSpec"]["Args"] == ["sleep", "86400"]
    assert spec["EndpointSpec"]["Ports"] == [
        {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": published, "PublishMode": "host"}
    ]

    # View Only on it for the organization
    ui.nav("Grants")
    page.get_by_role("button", name="Create grant").click()
    ui.heading("Create grant")
    page.get_by_label("Collection", exact=True).fill(COLLECTION)
    page.get_by_label("View Only").check()
    page.get_by_label("Organization", exact=True).check()
    page.get_by_label("Organization name").fill("engineering")
    page.get_by_role("button", name="Create grant").click()
    ui.toast(f"Granted View Only on {COLLECTION} to engineering")

    # -- the developer sees wordpress, and may not remove it ------------------------------
    ui.logout()
    ui.login(DEV, DEV_PASSWORD)
    ui.heading("Welcome, Dana Developer")
    dashboard_services = page.get_by_role("region", name="Services")
    row = dashboard_services.locator("tbody tr", has_text="wordpress")
    expect(row).to_contain_text(COLLECTION)
    expect(row.locator("[data-replicas]")).to_have_attribute("data-replicas", "1/1")
    expect(page.get_by_role("region", name="Recent access denials")).to_have_count(0)

    ui.nav("Services")
    ui.heading("Services")
    row = page.locator("tbody tr", has_text="wordpress")
    expect(row).to_contain_text(SWARM_IMAGE)
    expect(row).to_contain_text(COLLECTION)
    expect(page.locator("tbody tr")).to_have_count(1)  # only what the grants show
    ui.expect_http_error(403)
    page.get_by_role("button", name="Remove wordpress").click()
    page.get_by_role("dialog", name="Remove service wordpress?").get_by_role(
        "button", name="Remove"
    ).click()
    alert = page.locator(".message-error[role=alert]")
    expect(alert).to_have_text(f"Cannot remove wordpress: {DENIED_DELETE}")
    expect(alert).to_contain_text("Service Delete")
    ui.shot("service-remove-denied")

    # its page: the collection and the task, and the same refusal there
    page.get_by_role("link", name="wordpress").click()
    ui.heading("Service wordpress")
    expect(page.locator('[data-fact="collection"]')).to_have_text(COLLECTION)
    expect(running_tasks(ui)).to_have_count(1)
    ui.expect_http_error(403)
    page.get_by_role("button", name="Scale").click()
    dialog = page.get_by_role("dialog", name="Scale wordpress")
    dialog.get_by_label("Replicas").fill("3")
    dialog.get_by_role("button", name="Scale").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        f"access denied: Service Update on {COLLECTION}"
    )
    dialog.get_by_role("button", name="Cancel").click()
    assert "wordpress" in service_names(swarm)
    assert inspect(swarm, "wordpress")["Spec"]["Mode"]["Replicated"]["Replicas"] == 1


# -- 2. deploy, scale, remove ------------------------------------------------------------------


def test_deploy_scale_and_remove_a_service(cui: UI, swarm: Swarm, services: list[str]) -> None:
    ui, page = cui, cui.page
    name = f"web-{secrets.token_hex(3)}"
    services.append(name)
    admin_login(ui)
    create_service(ui, name, 2)
    # the admin's default collection, as the proxy files it
    expect(page.locator('[data-fact="collection"]')).to_have_text("/Shared/Private/admin")
    expect(running_tasks(ui)).to_have_count(2, timeout=CONVERGE_MS)
    expect(page.locator('[data-fact="replicas"] [data-replicas]')).to_have_attribute(
        "data-replicas", "2/2"
    )
    tasks = page.get_by_role("table", name=f"Tasks of {name}").locator("tbody tr")
    expect(tasks).to_have_count(2)
    hostname = swarm.docker("info", "--format", "{{.Name}}").strip()
    for i in range(2):
        expect(tasks.nth(i)).to_contain_text(hostname)
        expect(tasks.nth(i)).to_contain_text("running")
    ui.shot("service")
    spec = inspect(swarm, name)["Spec"]
    assert spec["Mode"] == {"Replicated": {"Replicas": 2}}
    assert spec["TaskTemplate"]["ContainerSpec"]["Image"] == SWARM_IMAGE

    # scale to 1
    page.get_by_role("button", name="Scale").click()
    dialog = page.get_by_role("dialog", name=f"Scale {name}")
    expect(dialog.get_by_label("Replicas")).to_have_value("2")
    dialog.get_by_label("Replicas").fill("1")
    dialog.get_by_role("button", name="Scale").click()
    ui.toast(f"Service {name} scaled to 1")
    expect(page.locator('[data-fact="replicas"] [data-replicas]')).to_have_attribute(
        "data-replicas", "1/1", timeout=CONVERGE_MS
    )
    expect(running_tasks(ui)).to_have_count(1, timeout=CONVERGE_MS)
    assert inspect(swarm, name)["Spec"]["Mode"] == {"Replicated": {"Replicas": 1}}

    # the list agrees
    ui.nav("Services")
    row = page.locator("tbody tr", has_text=name)
    expect(row.locator("[data-replicas]")).to_have_attribute("data-replicas", "1/1")
    ui.assert_labelled()
    ui.shot("services")

    # remove
    page.get_by_role("link", name=name).click()
    ui.heading(f"Service {name}")
    page.get_by_role("button", name="Remove").click()
    page.get_by_role("dialog", name=f"Remove service {name}?").get_by_role(
        "button", name="Remove"
    ).click()
    ui.toast(f"Service {name} removed")
    ui.heading("Services")
    expect(page.locator("tbody tr", has_text=name)).to_have_count(0)
    assert name not in service_names(swarm)


# -- 3. nodes, join commands, settings ---------------------------------------------------------------


def test_services_list_is_paged_and_filtered(cui: UI, swarm: Swarm, services: list[str]) -> None:
    """The Docker API returns every service at once; the screen shows a page of them, and
    the filter applies to all of them, not just the page shown."""
    prefix = f"pg{secrets.token_hex(3)}"
    for i in range(55):
        name = f"{prefix}-{i:02d}"
        services.append(name)
        swarm.docker(
            "service", "create", "--detach", "--replicas", "0", "--name", name,
            "--no-resolve-image", SWARM_IMAGE, "sleep", "86400",
        )  # fmt: skip
    total = len(service_names(swarm))
    ui, page = cui, cui.page
    admin_login(ui)
    ui.nav("Services")
    ui.heading("Services")
    summary = page.locator(".pager-summary")
    expect(summary).to_have_text(f"Showing 1\u201350 of {total} services")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(50)
    page.get_by_role("button", name="Next").click()
    last = min(total, 100)
    expect(summary).to_have_text(f"Showing 51\u2013{last} of {total} services")
    expect(rows).to_have_count(last - 50)

    page.get_by_label("Filter by name").fill(f"{prefix}-5")
    expect(summary).to_have_text(f"Showing 1\u20135 of 5 services (filtered from {total})")
    expect(page.get_by_role("link", name=f"{prefix}-54")).to_be_visible()
    expect(page.get_by_role("link", name=f"{prefix}-49")).to_have_count(0)
    expect(page.get_by_role("button", name="Next")).to_be_disabled()


def test_nodes_and_join_commands(cui: UI, swarm: Swarm) -> None:
    ui, page = cui, cui.page
    admin_login(ui)
    ui.nav("Nodes")
    ui.heading("Nodes")
    hostname = swarm.docker("info", "--format", "{{.Name}}").strip()
    row = page.locator("tbody tr", has_text=hostname)
    expect(row).to_have_count(1)
    for text in ("manager", "leader", "active", "ready", "/System"):
        expect(row).to_contain_text(text)
    expect(page.locator("[data-readiness]")).to_have_text("1 of 1 node(s) ready")
    summary = page.locator(".pager-summary")
    expect(summary).to_have_text("Showing 1\u20131 of 1 nodes")
    ui.shot("nodes")
    # the list filters by hostname, and says what it filtered
    page.get_by_label("Filter by hostname").fill(hostname[1:].upper())
    expect(row).to_have_count(1)
    page.get_by_label("Filter by hostname").fill("no-such-node")
    expect(summary).to_have_text("No nodes (filtered from 1)")
    expect(page.get_by_text("No node matches.")).to_be_visible()
    page.get_by_label("Filter by hostname").fill("")
    expect(row).to_have_count(1)

    page.get_by_role("button", name="Add node").click()
    dialog = page.get_by_role("dialog", name="Add a node")
    address = swarm.docker("info", "--format", "{{(index .Swarm.RemoteManagers 0).Addr}}").strip()
    for role in ("manager", "worker"):
        token = swarm.docker("swarm", "join-token", "-q", role).strip()
        assert token.startswith("SWMTKN-")
        expect(dialog.locator(f'[data-join="{role}"] pre')).to_have_text(
            f"docker swarm join --token {token} {address}"
        )
    ui.shot("add-node")
    dialog.get_by_role("button", name="Close").click()

    # the scheduler, sessions, logging and audit settings are on the admin settings page
    ui.nav("Admin settings")
    ui.heading("Admin settings")
    for section, title in (
        ("scheduling_configuration", "Scheduler"),
        ("auth.sessions", "Sessions"),
        ("log_configuration", "Logging"),
        ("audit_log_configuration", "Audit log"),
    ):
        form = page.locator(f'form[data-section="{section}"]')
        expect(form).to_be_visible()
        expect(form.get_by_role("button", name=f"Save {title.lower()}")).to_be_visible()
    scheduler = page.locator('form[data-section="scheduling_configuration"]')
    expect(scheduler.get_by_label("Allow users to deploy on managers")).to_be_checked()


def test_nodes_without_join_commands_for_users(
    ui_factory: Any, control_server: WharfServer
) -> None:
    name, password = f"nodes-{secrets.token_hex(3)}", "user-password-1"
    with control_server.client() as api:
        expect_status(api.post("/accounts/", json={"name": name, "password": password}), 201)
    ui: UI = ui_factory(control_server)
    ui.login(name, password)
    ui.nav("Nodes")
    ui.heading("Nodes")
    expect(ui.page.get_by_role("button", name="Add node")).to_have_count(0)


# -- 4. client bundles -----------------------------------------------------------------------------


def test_client_bundle_download_list_and_revoke(
    ui_factory: Any, control_server: WharfServer, tmp_path: Path
) -> None:
    name, password = f"bundler-{secrets.token_hex(3)}", "user-password-1"
    with control_server.client() as api:
        expect_status(api.post("/accounts/", json={"name": name, "password": password}), 201)
    ui: UI = ui_factory(control_server)
    page = ui.page
    ui.login(name, password)
    page.get_by_role("link", name=name).click()
    ui.heading("My profile")
    bundles = page.get_by_role("region", name="Client bundles")
    expect(bundles.get_by_text("No client bundles.")).to_be_visible()

    bundles.get_by_label("Bundle label").fill("laptop")
    with page.expect_download() as downloading:
        bundles.get_by_role("button", name="New client bundle").click()
    download = downloading.value
    assert download.suggested_filename == f"ucp-bundle-{name}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        assert {"ca.pem", "cert.pem", "key.pem", "env.sh"} <= set(archive.namelist())
    ui.toast(f"Client bundle downloaded: ucp-bundle-{name}.zip")

    with control_server.client(auth=(name, password)) as api:
        keys = api.get(f"/accounts/{name}/publicKeys").json()["accountPublicKeys"]
    assert [k["label"] for k in keys] == ["laptop"]
    row = bundles.locator("tbody tr", has_text="laptop")
    expect(row).to_contain_text(keys[0]["fingerprint"])
    expect(row).to_contain_text(keys[0]["expiresAt"][:4])  # the year it expires
    ui.assert_labelled()
    ui.shot("client-bundles")

    bundles.get_by_role("button", name="Revoke client bundle laptop").click()
    page.get_by_role("dialog", name="Revoke this client bundle?").get_by_role(
        "button", name="Revoke"
    ).click()
    ui.toast("Client bundle revoked")
    expect(bundles.get_by_text("No client bundles.")).to_be_visible()
    with control_server.client(auth=(name, password)) as api:
        assert api.get(f"/accounts/{name}/publicKeys").json()["accountPublicKeys"] == []


# -- 5. the dashboard: health and recent denials ----------------------------------------------------


def test_dashboard_health_and_recent_denials(
    ui_factory: Any, control_server: WharfServer, swarm: Swarm, services: list[str]
) -> None:
    suffix = secrets.token_hex(3)
    user, password = f"viewer-{suffix}", "viewer-password-1"
    collection, service = f"/Shared/dash-{suffix}", f"dash-{suffix}"
    with control_server.client() as api:
        account = expect_status(
            api.post("/accounts/", json={"name": user, "password": password}), 201
        ).json()
        target = expect_status(
            api.post("/collections", json={"name": f"dash-{suffix}", "parent_path": "/Shared"}),
            201,
        ).json()
        expect_status(api.put(f"/collectionGrants/{account['id']}/{target['id']}/viewonly"), 201)
    services.append(service)
    swarm.docker(
        "service", "create", "--detach", "--name", service,
        "--label", f"{ACCESS_LABEL}={collection}", SWARM_IMAGE, "sleep", "86400",
    )  # fmt: skip

    # the viewer tries to remove it: refused (and audited)
    viewer: UI = ui_factory(control_server)
    viewer.login(user, password)
    viewer.heading(f"Welcome, {user}")
    expect(viewer.page.get_by_role("region", name="Services")).to_contain_text(service)
    expect(viewer.page.get_by_role("region", name="Recent access denials")).to_have_count(0)
    viewer.nav("Services")
    viewer.expect_http_error(403)
    viewer.page.get_by_role("button", name=f"Remove {service}").click()
    viewer.page.get_by_role("dialog").get_by_role("button", name="Remove").click()
    expect(viewer.page.get_by_role("alert")).to_contain_text(
        f"access denied: Service Delete on {collection}"
    )

    # the administrator's dashboard
    ui: UI = ui_factory(control_server)
    page = ui.page
    admin_login(ui)
    expect(page.locator('[data-health="Control plane"]')).to_contain_text("Healthy")
    expect(page.locator('[data-health="Control plane"]')).to_contain_text("swarm active")
    expect(page.locator('[data-health="Registry and API"]')).to_contain_text("Healthy")
    nodes = page.get_by_role("region", name="Nodes")
    expect(nodes.locator("tbody tr")).to_have_count(1)
    expect(nodes.locator("tbody tr")).to_contain_text("ready")
    row = page.get_by_role("region", name="Services").locator("tbody tr", has_text=service)
    expect(row.locator("[data-replicas]")).to_have_attribute(
        "data-replicas", "1/1", timeout=CONVERGE_MS
    )
    denials = page.get_by_role("region", name="Recent access denials").locator("tbody tr")
    denial = denials.filter(has_text=user).first
    expect(denial).to_contain_text("Service Delete")
    expect(denial).to_contain_text(collection)
    expect(denial).to_contain_text("403")
    ui.shot("dashboard")
    with control_server.client() as api:
        events = api.get("/api/audit", params={"denied": "true", "limit": 20}).json()["events"]
    assert any(e["user"] == user and e["operations"] == "Service Delete" for e in events)
    assert httpx.get(f"{control_server.url}/_ping").json() == {"Healthy": True, "DockerAPI": True}
