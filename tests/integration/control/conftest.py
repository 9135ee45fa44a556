"""Fixtures of the control-plane suite: a private dockerd in swarm mode (one manager
node), a ``wharf up`` serving the Docker API in front of it (on SQLite; a second one on
PostgreSQL for the tests that run on both), and users who talk to it with the real
``docker`` CLI through client bundles they downloaded.

The only node is a manager (collection ``/System``), so the fixture turns
``enable_user_ucp_scheduling`` on, as an operator of a single-node install would, and
waits until the node carries the ``/Shared`` scheduling labels.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.common.bundles import ClientBundle, download_bundle, login
from tests.common.dockerd import DockerDaemon
from tests.common.postgres import PostgresServer
from tests.common.procs import free_port, run, short_tmpdir, wait_for
from tests.common.swarm import import_busybox, init_swarm, leave_swarm
from tests.common.wharf import WharfServer, new_server
from tests.integration.conftest import _RUNNING, require

IMAGE = "wharf-test/busybox:1"
ACCESS_LABEL = "com.docker.ucp.access.label"
SHARED_FLAG = "com.docker.ucp.collection.shared"


@dataclass
class User:
    name: str
    password: str
    bundle: ClientBundle

    @property
    def private(self) -> str:
        return f"/Shared/Private/{self.name}"


@dataclass
class ControlPlane:
    server: WharfServer
    daemon: DockerDaemon
    docker_port: int
    node_id: str
    root: Path
    api: httpx.Client
    _admin_bundle: ClientBundle | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return self.server.url

    # -- the engine, directly (not through the control plane) --------------------------

    def engine(self, *args: str, check: bool = True, input: str | None = None) -> str:
        return self.daemon.docker(*args, check=check, input=input).stdout

    def engine_labels(self, kind: str, name: str) -> dict[str, str]:
        """The labels of an object as the engine has them."""
        where = {"container": ".Config.Labels", "network": ".Labels", "volume": ".Labels"}
        template = "{{json " + where.get(kind, ".Spec.Labels") + "}}"
        return json.loads(self.engine(kind, "inspect", "--format", template, name)) or {}

    def collection_label(self, kind: str, name: str) -> str | None:
        return self.engine_labels(kind, name).get(ACCESS_LABEL)

    # -- the REST API, as admin ------------------------------------------------------------

    def call(self, method: str, path: str, expect: int | tuple[int, ...] = (200, 201, 204),
             **kwargs: Any) -> httpx.Response:  # fmt: skip
        response = self.api.request(method, path, **kwargs)
        wanted = (expect,) if isinstance(expect, int) else expect
        assert response.status_code in wanted, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response

    def create_user(self, prefix: str = "u", password: str | None = None) -> tuple[str, str]:
        name = f"{prefix}{secrets.token_hex(3)}"
        password = password or f"pw-{secrets.token_urlsafe(12)}"
        self.call("POST", "/accounts/", json={"name": name, "password": password})
        return name, password

    def bundle(self, name: str, password: str) -> ClientBundle:
        token = login(self.url, name, password)
        directory = self.root / f"bundle-{name}-{secrets.token_hex(3)}"
        return download_bundle(self.url, token, name, directory)

    def new_user(self, prefix: str = "u") -> User:
        name, password = self.create_user(prefix)
        return User(name, password, self.bundle(name, password))

    @property
    def admin(self) -> ClientBundle:
        if self._admin_bundle is None:
            self._admin_bundle = self.bundle(*self.server.admin)
        return self._admin_bundle

    def collection(self, path: str) -> dict[str, Any]:
        return dict(self.call("GET", "/collectionByPath", params={"path": path}).json())

    def create_collection(self, name: str, parent: str) -> dict[str, Any]:
        body = {"name": name, "parent_path": parent}
        return dict(self.call("POST", "/collections", json=body).json())

    def grant(self, subject: str, path: str, role: str) -> None:
        cid = self.collection(path)["id"]
        self.call("PUT", f"/collectionGrants/{subject}/{cid}/{role}")

    def public_key_id(self, bundle: ClientBundle) -> str:
        keys = self.call("GET", f"/accounts/{bundle.user}/publicKeys").json()
        for key in keys["accountPublicKeys"]:
            if key["publicKey"].strip() == bundle.public_key:
                return str(key["id"])
        raise AssertionError(f"no registered key for the bundle of {bundle.user}")


def unique(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(3)}"


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def swarm_daemon() -> Iterator[tuple[DockerDaemon, str]]:
    """A private dockerd, swarm manager of its own single-node swarm, holding IMAGE."""
    dockerd = require("dockerd")
    require("docker")
    require("busybox")
    daemon = DockerDaemon.start(dockerd)
    try:
        node_id = init_swarm(daemon)
        import_busybox(daemon, IMAGE)
        yield daemon, node_id
    finally:
        try:
            leave_swarm(daemon)
        finally:
            daemon.stop()


def start_control_plane(
    root: Path, engine: str, backend: str = "sqlite", database_url: str | None = None
) -> tuple[WharfServer, int]:
    """A ``wharf up`` (not yet waited for) serving the Docker API on a free port."""
    server = new_server(root, backend, database_url)
    docker_port = free_port()
    server.extra_env = {
        "WHARF_DOCKER_LISTEN": f"127.0.0.1:{docker_port}",
        "WHARF_ENGINE": engine,
    }
    return server, docker_port


def serve_control_plane(
    daemon: DockerDaemon,
    node_id: str,
    root: Path,
    backend: str = "sqlite",
    database_url: str | None = None,
) -> Iterator[ControlPlane]:
    """A control plane in front of ``daemon``, with user scheduling on and the node in
    the /Shared pool; killed afterwards."""
    server, docker_port = start_control_plane(
        root, f"unix://{daemon.socket}", backend, database_url
    )
    bundles = short_tmpdir("wtcb-")
    _RUNNING.append(server)
    try:
        server.start()
        with server.client() as api:
            plane = ControlPlane(server, daemon, docker_port, node_id, bundles, api)
            plane.call(
                "PUT",
                "/api/ucp/config/scheduling_configuration",
                json={"enable_user_ucp_scheduling": True},
            )

            def shared_pool() -> bool:
                labels = plane.engine_labels("node", node_id)
                return labels.get(SHARED_FLAG) == "true"

            wait_for(shared_pool, 60, "the manager node to join the /Shared pool")
            yield plane
    finally:
        server.kill9()
        _RUNNING.remove(server)
        shutil.rmtree(bundles, ignore_errors=True)


@pytest.fixture(scope="session")
def control(
    swarm_daemon: tuple[DockerDaemon, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ControlPlane]:
    daemon, node_id = swarm_daemon
    yield from serve_control_plane(daemon, node_id, tmp_path_factory.mktemp("control"))


@pytest.fixture(scope="session")
def pg_control(
    swarm_daemon: tuple[DockerDaemon, str],
    postgres_server: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ControlPlane]:
    """A second control plane in front of the same engine, on PostgreSQL."""
    daemon, node_id = swarm_daemon
    root = tmp_path_factory.mktemp("control-pg")
    yield from serve_control_plane(
        daemon, node_id, root, "postgres", postgres_server.create_database()
    )


@pytest.fixture(params=["sqlite", "postgres"])
def plane(request: pytest.FixtureRequest) -> ControlPlane:
    """The control plane on each metadata backend, for the tests that run on both."""
    name = "control" if request.param == "sqlite" else "pg_control"
    plane: ControlPlane = request.getfixturevalue(name)
    return plane


@pytest.fixture
def new_user(control: ControlPlane) -> Callable[..., User]:
    """Factory: a fresh user (Restricted Control on their private collection, Scheduler
    on /Shared) with a downloaded client bundle."""
    return control.new_user


def run_script(command: str, env: dict[str, str], timeout: float = 60) -> str:
    """Run ``command`` under a pseudo-terminal (``script``); its output."""
    require("script")
    result = run(["script", "-qec", command, "/dev/null"], env=env, timeout=timeout)
    return result.stdout
