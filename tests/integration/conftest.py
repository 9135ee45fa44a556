"""Fixtures of the integration suite: real daemons and real clients.

Everything is started by the tests themselves and torn down afterwards, even when a test
fails: one private ``dockerd`` and one private PostgreSQL server per session, and
``wharf up`` subprocesses — one shared server per metadata backend, plus fresh ones for
tests that kill or restart the server. A test is skipped (with the reason) only when a
binary it needs is not installed.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.common.dockerd import BuiltImage, DockerDaemon, DockerPush, build_images  # noqa: E402
from tests.common.postgres import PostgresServer, find_pg_bin  # noqa: E402
from tests.common.procs import short_tmpdir  # noqa: E402
from tests.common.wharf import WharfServer, new_server  # noqa: E402

BACKENDS = ("sqlite", "postgres")
# Servers currently up, whose logs a failure report shows.
_RUNNING: list[WharfServer] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)
            if "[postgres" in item.nodeid or "postgres" in item.fixturenames:
                item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in _RUNNING:
            lines = [
                line
                for line in server.log_tail(20000).splitlines()
                if '"msg": "request"' not in line or '"status": 5' in line
            ]
            report.sections.append(
                (f"wharf {server.backend} on {server.host} (log, requests elided)",
                 "\n".join(lines[-60:])),
            )  # fmt: skip


def require(binary: str) -> str:
    found = shutil.which(binary)
    if found is None:
        pytest.skip(f"{binary} is not installed; this test needs it")
    return found


# -- docker --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_daemon() -> Iterator[DockerDaemon]:
    """A private dockerd (own data root, exec root, socket, containerd namespace)."""
    dockerd = require("dockerd")
    require("docker")
    daemon = DockerDaemon.start(dockerd)
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def dockerd(docker_daemon: DockerDaemon) -> dict[str, str]:
    """The environment for the docker CLI to talk to the private daemon
    (``DOCKER_HOST``, and a private ``DOCKER_CONFIG``)."""
    return dict(docker_daemon.env)


@pytest.fixture(scope="session")
def built_image(docker_daemon: DockerDaemon) -> BuiltImage:
    """A multi-layer image (busybox base from a local rootfs + RUN + COPY)."""
    require("busybox")
    return build_images(docker_daemon)


@pytest.fixture
def docker_config(tmp_path: Path) -> Path:
    """A fresh docker client configuration directory: no stored logins."""
    path = tmp_path / "docker-config"
    path.mkdir()
    return path


# -- postgres ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb cannot run as root")
    server = PostgresServer.start(bin_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database on the private PostgreSQL server."""
    return postgres_server.create_database()


# -- wharf ---------------------------------------------------------------------------


@pytest.fixture(scope="session", params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """The metadata backend the registry tests run against."""
    return str(request.param)


@dataclass
class _Launcher:
    root: Path
    request: pytest.FixtureRequest
    servers: list[WharfServer]

    def __call__(self, backend: str) -> WharfServer:
        database_url = None
        if backend == "postgres":
            pg: PostgresServer = self.request.getfixturevalue("postgres_server")
            database_url = pg.create_database()
        server = new_server(self.root, backend, database_url)
        self.servers.append(server)
        _RUNNING.append(server)
        return server.start()

    def cleanup(self) -> None:
        for server in self.servers:
            server.kill9()
            if server in _RUNNING:
                _RUNNING.remove(server)


def _one_server(backend: str, root: Path, request: pytest.FixtureRequest) -> Iterator[WharfServer]:
    launcher = _Launcher(root, request, [])
    try:
        server = launcher(backend)
        yield server
        server.stop()
    finally:
        launcher.cleanup()


@pytest.fixture(scope="session")
def wharf_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wharf")


@pytest.fixture(scope="session")
def registry(
    db_backend: str, wharf_root: Path, request: pytest.FixtureRequest
) -> Iterator[WharfServer]:
    """A ``wharf up`` shared by the tests of one backend that need no fresh server."""
    yield from _one_server(db_backend, wharf_root, request)


@pytest.fixture
def wharf_server(
    db_backend: str, wharf_root: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., WharfServer]]:
    """Factory of fresh ``wharf up`` servers on ``db_backend`` (or the backend given);
    each has ``stop()``, ``kill9()`` and ``restart()``. All are killed afterwards."""
    launcher = _Launcher(wharf_root, request, [])

    def start(backend: str | None = None) -> WharfServer:
        return launcher(backend or db_backend)

    try:
        yield start
    finally:
        launcher.cleanup()


@pytest.fixture(scope="module")
def module_wharf(
    db_backend: str, wharf_root: Path, request: pytest.FixtureRequest
) -> Iterator[WharfServer]:
    """A fresh ``wharf up`` for one module on ``db_backend``, for tests that fill a
    server with data the other tests must not see."""
    yield from _one_server(db_backend, wharf_root, request)


# -- an image pushed with docker (shared by the docker and podman tests) ---------------


@pytest.fixture(scope="session")
def docker_pushed(
    registry: WharfServer, docker_daemon: DockerDaemon, built_image: BuiltImage
) -> Iterator[DockerPush]:
    """``docker login`` + ``docker push`` of the built image to ``admin/app:v1``."""
    config_dir = short_tmpdir("wtc-")
    try:
        user, password = registry.admin
        login = docker_daemon.docker(
            "login", registry.host, "-u", user, "--password-stdin",
            input=password, config_dir=config_dir,
        )  # fmt: skip
        assert "Login Succeeded" in login.stdout, login.stdout + login.stderr
        repository, tag = "admin/app", "v1"
        reference = f"{registry.host}/{repository}:{tag}"
        docker_daemon.docker("tag", built_image.name, reference)
        push = docker_daemon.docker("push", reference, config_dir=config_dir)
        digest = next(
            word
            for line in push.stdout.splitlines()
            if "digest:" in line
            for word in line.split()
            if word.startswith("sha256:")
        )
        yield DockerPush(
            registry.host,
            repository,
            tag,
            reference,
            digest,
            push.stdout + push.stderr,
            config_dir,
        )
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)
