"""Fixtures of the web UI tests: real ``wharf up`` servers (SQLite) serving the Docker API
in front of a private dockerd in swarm mode, a real headless Chromium driven by
Playwright, and a page wrapper that fails the test on any console error or uncaught
exception.

Every server has the control plane (``--docker-listen`` + ``--engine``): the dashboard,
the landing page, shows the swarm's nodes and services. The swarm is one private dockerd
(``--bridge=none``), a single manager node, holding a busybox image (``SWARM_IMAGE``) that
services run without pulling anything.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or ``WHARF_CHROMIUM``);
Playwright's own browser download is never used. Screenshots go to a temporary directory,
or to ``WHARF_UI_SCREENSHOTS`` (e.g. ``docs/screenshots``) to refresh the documentation.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.common.dockerd import DockerDaemon
from tests.common.procs import free_port
from tests.common.swarm import import_busybox, init_swarm, leave_swarm
from tests.common.wharf import WharfServer, new_server
from tests.integration.conftest import require

CHROMIUM = os.environ.get("WHARF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FAILED_RESOURCE = re.compile(
    r"Failed to load resource: the server responded with a status of (\d{3})"
)
VIEWPORT = {"width": 1360, "height": 900}
# A local image of the swarm's node: services use it as is, nothing is pulled.
SWARM_IMAGE = "wharf-test/busybox:1"

_SERVERS: list[WharfServer] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in _SERVERS:
            lines = [
                line
                for line in server.log_tail(20000).splitlines()
                if '"msg": "request"' not in line or '"status": 4' in line or '"status": 5' in line
            ]
            report.sections.append((f"wharf on {server.host} (log)", "\n".join(lines[-60:])))


@dataclass
class Swarm:
    """The private dockerd (a single-node swarm) behind every UI test server."""

    daemon: DockerDaemon
    node_id: str

    def docker(self, *args: str, check: bool = True) -> str:
        """The docker CLI straight to the engine (not through Wharf)."""
        return self.daemon.docker(*args, check=check).stdout


@pytest.fixture(scope="session")
def swarm() -> Iterator[Swarm]:
    dockerd = require("dockerd")
    require("docker")
    require("busybox")
    daemon = DockerDaemon.start(dockerd)
    try:
        node_id = init_swarm(daemon)
        import_busybox(daemon, SWARM_IMAGE)
        yield Swarm(daemon, node_id)
    finally:
        try:
            leave_swarm(daemon)
        finally:
            daemon.stop()


def swarm_server(root: Path, swarm: Swarm) -> WharfServer:
    """A ``wharf up`` (not started) serving the Docker API in front of the swarm."""
    server = new_server(root, "sqlite")
    server.extra_env = {
        "WHARF_DOCKER_LISTEN": f"127.0.0.1:{free_port()}",
        "WHARF_ENGINE": f"unix://{swarm.daemon.socket}",
    }
    return server


@contextmanager
def running(server: WharfServer) -> Iterator[WharfServer]:
    _SERVERS.append(server)
    try:
        server.start()
        yield server
        server.stop()
    finally:
        server.kill9()
        _SERVERS.remove(server)


@pytest.fixture(scope="session")
def ui_server(wharf_root: Path, swarm: Swarm) -> Iterator[WharfServer]:
    """A ``wharf up`` shared by the UI tests (each test uses its own names)."""
    with running(swarm_server(wharf_root, swarm)) as server:
        yield server


@pytest.fixture
def fresh_server(wharf_root: Path, swarm: Swarm) -> Iterator[WharfServer]:
    """A ``wharf up`` of the test's own, for settings that would disturb the others."""
    with running(swarm_server(wharf_root, swarm)) as server:
        yield server


@pytest.fixture
def admin_api(ui_server: WharfServer) -> Iterator[httpx.Client]:
    """The REST API as admin (Basic credentials), for set-up the test is not about."""
    with ui_server.client() as client:
        yield client


# Package scope, not session: Playwright's sync API keeps an asyncio loop running in the
# main thread until it stops, which would break every async test collected after this
# package (pytest-asyncio cannot start a loop inside a running one).
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package chromium); the UI tests need it")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("WHARF_UI_SCREENSHOTS")
    if wanted:
        path = Path(wanted)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@dataclass
class UI:
    """One browser context (its own sessionStorage) on the UI, with a console watch."""

    server: WharfServer
    page: Any
    shots: Path
    errors: list[str] = field(default_factory=list)
    allowed: Counter[int] = field(default_factory=Counter)

    def watch(self) -> None:
        def on_console(message: Any) -> None:
            if message.type != "error":
                return
            failed = FAILED_RESOURCE.search(message.text)
            if failed and self.allowed[int(failed.group(1))] > 0:
                self.allowed[int(failed.group(1))] -= 1
                return
            self.errors.append(f"console error: {message.text} ({message.location})")

        self.page.on("console", on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def expect_http_error(self, status: int, count: int = 1) -> None:
        """Up to ``count`` more responses with ``status`` are expected (the browser logs
        every 4xx answer to fetch as a console error)."""
        self.allowed[status] += count

    @property
    def url(self) -> str:
        return f"{self.server.url}/ui/"

    def open(self, route: str = "") -> None:
        """Go to ``#/route`` (the app is loaded once; later calls change the hash)."""
        if not self.page.url.startswith(self.url):
            self.page.goto(self.url + (f"#/{route}" if route else ""))
        else:
            self.page.evaluate("route => { location.hash = '#/' + route; }", route)
        self.page.wait_for_load_state()

    def login(self, username: str, password: str) -> None:
        if not self.page.url.startswith(self.url):
            self.page.goto(self.url)
        page = self.page
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.locator("nav.sidebar").wait_for()

    def logout(self) -> None:
        self.page.get_by_role("button", name="Log out").click()
        self.page.get_by_role("heading", name="Log in").wait_for()

    def heading(self, text: str) -> None:
        """Wait for the page title (h1)."""
        self.page.get_by_role("heading", level=1, name=text).wait_for()

    def nav(self, label: str) -> None:
        """Follow a sidebar link."""
        self.page.locator("nav.sidebar").get_by_role("link", name=label, exact=True).click()

    def nav_labels(self) -> list[str]:
        return [t.strip() for t in self.page.locator("nav.sidebar a").all_inner_texts()]

    def toast(self, text: str) -> None:
        self.page.locator(".toast", has_text=text).first.wait_for()

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.evaluate(
            """() => {
                document.querySelectorAll('.toast').forEach(t => t.remove());
                document.activeElement?.blur();
                window.scrollTo(0, 0);
            }"""
        )
        self.page.wait_for_timeout(150)  # let the last repaint settle
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def unlabelled_controls(self) -> list[str]:
        """Visible form controls without a <label> (or an aria-label)."""
        result: list[str] = self.page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                .map(el => el.outerHTML.slice(0, 120))"""
        )
        return result

    def assert_labelled(self) -> None:
        missing = self.unlabelled_controls()
        assert not missing, f"controls without a label: {missing}"

    def assert_clean(self) -> None:
        assert not self.errors, "\n".join(self.errors)


@pytest.fixture
def ui_factory(browser: Any, ui_server: WharfServer, screenshot_dir: Path) -> Iterator[Any]:
    """Makes UIs (separate browser contexts: separate sessions); every one of them must
    end without console errors."""
    made: list[tuple[UI, Any]] = []

    def make(server: WharfServer | None = None) -> UI:
        context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="UTC")
        context.set_default_timeout(15_000)
        ui = UI(server or ui_server, context.new_page(), screenshot_dir)
        ui.watch()
        made.append((ui, context))
        return ui

    yield make
    try:
        for ui, _ in made:
            ui.page.wait_for_timeout(100)
            ui.assert_clean()
    finally:
        for _, context in made:
            context.close()


@pytest.fixture
def ui(ui_factory: Any) -> UI:
    made: UI = ui_factory()
    return made
