"""The worked example of the control-plane reference (§10.1), every row, on a real
multi-node swarm: org ``acme`` with teams ``dev`` (alice) and ``ops`` (bob), admin carol;
workers w1 and w2 moved to ``/prod``, w3 left in ``/Shared``; grants g1-g6.

Everything goes through Wharf with the real ``docker`` CLI and client bundles; where a
workload ran is checked on the node engines directly.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.common.bundles import ClientBundle, download_bundle, login
from tests.common.procs import free_port, short_tmpdir, wait_for
from tests.e2e.cluster import SUBNET, Cluster, Host

pytestmark = pytest.mark.e2e
IMAGE = "box:1"
ACCESS = "com.docker.ucp.access.label"
ADMIN_PASSWORD = "e2e-admin-password"


@dataclass
class World:
    cluster: Cluster
    base: str
    api: httpx.Client
    bundles: dict[str, ClientBundle]
    proc: subprocess.Popen[bytes]

    def node_of(self, container: str) -> str:
        """The host whose engine runs ``container``."""
        for host in self.cluster.hosts:
            if host.docker("inspect", container, check=False).returncode == 0:
                return host.name
        raise AssertionError(f"{container} runs nowhere")

    def task_nodes(self, service: str) -> set[str]:
        """The hosts running a service's tasks (once they are running)."""
        m1 = self.cluster.host("m1")
        ids = {
            line.split()[0]: line.split()[1]
            for line in m1.docker(
                "node", "ls", "--format", "{{.ID}} {{.Hostname}}"
            ).stdout.splitlines()
        }

        def running() -> bool:
            states = m1.docker("service", "ps", service, "--format", "{{.CurrentState}}").stdout
            return bool(states) and all(s.startswith("Running") for s in states.splitlines())

        wait_for(running, 60, f"{service}'s tasks to run")
        nodes = m1.docker("service", "ps", service, "--format", "{{.Node}}").stdout.split()
        return {ids.get(n, n) for n in nodes}


@pytest.fixture(scope="module")
def world(cluster: Cluster) -> Iterator[World]:
    root = short_tmpdir("wxw-")
    port, docker_port = free_port(), free_port()
    nodes = ",".join(f"{h.name}={h.engine}" for h in cluster.hosts)
    log = open(root / "wharf.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            os.sys.executable,
            "-m",
            "wharf",
            "up",
            "--data-dir",
            str(root / "data"),  # type: ignore[attr-defined]
            "--listen",
            f"0.0.0.0:{port}",  # the registry is pulled from by the nodes' engines too
            "--docker-listen",
            f"127.0.0.1:{docker_port}",
            "--engine",
            cluster.host("m1").engine,
            "--node-engine",
            nodes,
        ],
        env={**os.environ, "WHARF_ADMIN_PASSWORD": ADMIN_PASSWORD},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        yield _setup(cluster, root, base, proc)
    finally:
        proc.terminate()
        proc.wait(30)


def _setup(cluster: Cluster, root: Path, base: str, proc: subprocess.Popen[bytes]) -> World:
    wait_for(lambda: httpx.get(f"{base}/_ping", timeout=2).status_code == 200, 60, "wharf")
    api = httpx.Client(
        base_url=base,
        timeout=60,
        headers={"Authorization": f"Bearer {login(base, 'admin', ADMIN_PASSWORD)}"},
    )

    def ok(method: str, path: str, **kw: object) -> httpx.Response:
        r = api.request(method, path, **kw)  # type: ignore[arg-type]
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r

    for name in ("alice", "bob"):
        ok("POST", "/accounts/", json={"name": name, "password": f"{name}-password"})
    ok("POST", "/accounts/", json={"name": "carol", "password": "carol-password", "isAdmin": True})
    ok("POST", "/accounts/", json={"name": "acme", "isOrg": True})
    for team, user in (("dev", "alice"), ("ops", "bob")):
        ok("POST", "/accounts/acme/teams", json={"name": team})
        ok("PUT", f"/accounts/acme/teams/{team}/members/{user}")
    ok("POST", "/collections", json={"name": "dev", "parent_path": "/Shared"})
    ok("POST", "/collections", json={"name": "prod", "parent_path": "/"})
    ok("POST", "/collections", json={"name": "web", "parent_path": "/prod"})
    ids = {
        p: ok("GET", "/collectionByPath", params={"path": p}).json()["id"]
        for p in ("/Shared/dev", "/prod", "/prod/web")
    }
    teams = {t: ok("GET", f"/accounts/acme/teams/{t}").json()["id"] for t in ("dev", "ops")}
    for subject, role, path in (
        (teams["dev"], "fullcontrol", "/Shared/dev"),
        (teams["ops"], "scheduler", "/prod"),
        (teams["ops"], "restrictedcontrol", "/prod/web"),
        (teams["dev"], "viewonly", "/prod"),
    ):
        ok("PUT", f"/collectionGrants/{subject}/{ids[path]}/{role}")
    ok(
        "PUT",
        "/api/ucp/config/scheduling_configuration",
        json={"enable_admin_ucp_scheduling": False, "enable_user_ucp_scheduling": False},
    )
    bundles = {
        name: download_bundle(base, login(base, name, password), name, root / name)
        for name, password in (
            ("admin", ADMIN_PASSWORD),
            ("alice", "alice-password"),
            ("bob", "bob-password"),
            ("carol", "carol-password"),
        )
    }
    for worker in ("w1", "w2"):
        bundles["admin"].ok("node", "update", "--label-add", f"{ACCESS}=/prod", worker)
    m1 = cluster.host("m1")

    def labelled() -> bool:
        out = m1.docker("node", "inspect", "w1", "w3", "--format", "{{json .Spec.Labels}}").stdout
        w1, w3 = (json.loads(line) for line in out.splitlines())
        flag = "com.docker.ucp.collection."
        return (
            w1.get(flag + ids["/prod"]) == "true"
            and w3.get(flag + "shared") == "true"
            and flag + "shared" not in w1
        )

    wait_for(labelled, 30, "nodes to carry their collection labels")
    return World(cluster, base, api, bundles, proc)


def refused(bundle: ClientBundle, *args: str) -> str:
    rc, out, err = bundle.docker(*args)
    assert rc != 0, f"docker {' '.join(args)} as {bundle.user} was allowed:\n{out}"
    return err


@contextlib.contextmanager
def read_only_volumes(host: Host) -> Iterator[None]:
    """Make ``host``'s engine unable to create a local volume, without stopping it: its
    volumes directory is mounted read-only over itself, in the host's mount namespace."""
    where = "/var/lib/docker/volumes"
    subprocess.run(host.enter("mount", "--bind", where, where), check=True)
    try:
        subprocess.run(host.enter("mount", "-o", "remount,bind,ro", where), check=True)
        yield
    finally:
        subprocess.run(host.enter("umount", where), check=True)


def test_1_alice_runs_containers_on_shared_nodes_only(world: World) -> None:
    alice = world.bundles["alice"]
    for i in range(4):
        alice.ok("run", "-d", "--network", "none", "--name", f"alice-{i}", IMAGE, "sleep", "600")
    assert {world.node_of(f"alice-{i}") for i in range(4)} == {"w3"}
    labels = (
        world.cluster.host("w3")
        .docker("inspect", "alice-0", "--format", '{{index .Config.Labels "' + ACCESS + '"}}')
        .stdout
    )
    assert labels.strip() == "/Shared/Private/alice"


def test_2_no_host_bind_mount_under_restricted_control(world: World) -> None:
    err = refused(
        world.bundles["alice"], "run", "--rm", "--network", "none", "-v", "/:/host", IMAGE, "true"
    )
    assert "access denied: Container Create [Host Bind Mounts] on /Shared/Private/alice" in err


def test_3_service_with_a_secret_in_shared_dev(world: World) -> None:
    alice = world.bundles["alice"]
    alice.ok("secret", "create", "--label", f"{ACCESS}=/Shared/dev", "db_pw", "-", input="s3cret")
    alice.ok(
        "service",
        "create",
        "--detach",
        "--no-resolve-image",
        "--name",
        "redis",
        "--label",
        f"{ACCESS}=/Shared/dev",
        "--secret",
        "db_pw",
        IMAGE,
        "sleep",
        "600",
    )
    assert world.task_nodes("redis") <= {"w3"}


def test_4_alice_sees_her_containers_dev_and_prod_never_bobs_private(world: World) -> None:
    bob = world.bundles["bob"]
    bob.ok("run", "-d", "--network", "none", "--name", "bob-private", IMAGE, "sleep", "600")
    bob.ok(
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "bob-web",
        "--label",
        f"{ACCESS}=/prod/web",
        IMAGE,
        "sleep",
        "600",
    )
    assert world.node_of("bob-web") in {"w1", "w2"}
    names = set(world.bundles["alice"].ok("ps", "--format", "{{.Names}}").split())
    assert {"alice-0", "bob-web"} <= names
    assert "bob-private" not in names
    # The last two she sees, across the nodes: the newest first; bob's private one,
    # created just before, does not count.
    last = world.bundles["alice"].ok("ps", "-n", "2", "--format", "{{.Names}}").split()
    assert len(last) == 2 and last[0] == "bob-web" and last[1] in names, last


def test_5_visible_is_not_executable(world: World) -> None:
    err = refused(world.bundles["alice"], "exec", "bob-web", "true")
    assert "access denied: Container Exec on /prod/web" in err
    err = refused(world.bundles["alice"], "exec", "bob-private", "true")
    assert "No such container: bob-private" in err


def test_6_bob_deploys_to_prod_web_on_prod_nodes(world: World) -> None:
    world.bundles["bob"].ok(
        "service",
        "create",
        "--detach",
        "--no-resolve-image",
        "--name",
        "web",
        "--replicas",
        "4",
        "--label",
        f"{ACCESS}=/prod/web",
        IMAGE,
        "sleep",
        "600",
    )
    assert world.task_nodes("web") <= {"w1", "w2"}


def test_7_no_bind_mount_on_update(world: World) -> None:
    err = refused(
        world.bundles["bob"],
        "service",
        "update",
        "--detach",
        "--mount-add",
        "type=bind,src=/etc,dst=/x",
        "web",
    )
    assert "Service Update [Host Bind Mounts]" in err


def test_8_scheduler_cannot_move_nodes(world: World) -> None:
    err = refused(world.bundles["bob"], "node", "update", "--label-add", f"{ACCESS}=/Shared", "w1")
    assert "access denied: Node Update on /prod" in err


def test_9_a_stack_lands_in_one_collection(world: World, tmp_path: Path) -> None:
    compose = tmp_path / "stack.yml"
    compose.write_text(
        'version: "3.8"\n'
        "services:\n"
        "  app:\n"
        f"    image: {IMAGE}\n"
        "    command: [sleep, '600']\n"
        "    networks: [back]\n"
        "    secrets: [token]\n"
        "    deploy: {endpoint_mode: dnsrr}\n"
        "networks:\n"
        "  back: {driver: overlay}\n"
        "secrets:\n"
        "  token: {file: ./token.txt}\n"
    )
    (tmp_path / "token.txt").write_text("t0ken")
    world.bundles["alice"].ok(
        "stack", "deploy", "--resolve-image", "never", "-c", str(compose), "shop", cwd=tmp_path
    )
    m1 = world.cluster.host("m1")
    fmt = '{{index .Spec.Labels "' + ACCESS + '"}}'
    assert (
        m1.docker("service", "inspect", "shop_app", "--format", fmt).stdout.strip()
        == "/Shared/Private/alice"
    )
    assert (
        m1.docker("secret", "inspect", "shop_token", "--format", fmt).stdout.strip()
        == "/Shared/Private/alice"
    )
    net_fmt = '{{index .Labels "' + ACCESS + '"}}'
    assert (
        m1.docker("network", "inspect", "shop_back", "--format", net_fmt).stdout.strip()
        == "/Shared/Private/alice"
    )


def test_10_admin_workloads_avoid_managers(world: World) -> None:
    world.bundles["carol"].ok(
        "service",
        "create",
        "--detach",
        "--no-resolve-image",
        "--name",
        "admin-svc",
        "--mode",
        "global",
        IMAGE,
        "sleep",
        "600",
    )
    time.sleep(1)
    assert "m1" not in world.task_nodes("admin-svc")


def test_11_images_are_the_union_of_every_nodes(world: World) -> None:
    """``docker images`` shows every node's images, an image several nodes have once;
    one that only a worker has can be inspected, and ``docker rmi`` removes a name from
    every node holding it."""
    cluster, admin = world.cluster, world.bundles["carol"]
    m1 = cluster.host("m1")
    m1.docker("tag", IMAGE, "everywhere:1")
    saved = subprocess.run(
        ["docker", "-H", m1.engine, "save", "everywhere:1"], check=True, capture_output=True
    ).stdout
    for host in cluster.workers:  # the same image (same ID) on every node, as after a pull
        subprocess.run(
            ["docker", "-H", host.engine, "load"], input=saved, check=True, capture_output=True
        )
    for node in ("w2", "w3"):
        cluster.host(node).docker("tag", "everywhere:1", "on-w2-and-w3:1")
    cluster.host("w3").docker("tag", IMAGE, "only-on-w3:1")

    listed = admin.ok("images", "--format", "{{.Repository}}:{{.Tag}}").split()
    assert {"only-on-w3:1", "on-w2-and-w3:1", "everywhere:1"} <= set(listed)
    assert listed.count("everywhere:1") == 1

    w3_box = cluster.host("w3").docker("image", "inspect", IMAGE, "--format", "{{.Id}}")
    found = admin.ok("image", "inspect", "only-on-w3:1", "--format", "{{.Id}}")
    assert found.strip() == w3_box.stdout.strip()

    admin.ok("rmi", "on-w2-and-w3:1")
    for node in ("w2", "w3"):
        gone = cluster.host(node).docker("image", "inspect", "on-w2-and-w3:1", check=False)
        assert gone.returncode != 0
    assert "on-w2-and-w3:1" not in admin.ok("images", "--format", "{{.Repository}}:{{.Tag}}")
    refused(admin, "image", "inspect", "on-w2-and-w3:1")  # gone everywhere: not found

    # Users without Image View on / still see no images at all.
    assert world.bundles["alice"].ok("images", "-q").split() == []


def _push_from_m1(world: World, image: str) -> None:
    """Push ``image`` (already on m1) to Wharf's registry as carol, with her credentials
    also in her bundle's client configuration, then remove it from m1."""
    registry = image.split("/", 1)[0]
    carol = world.bundles["carol"]
    auth = base64.b64encode(b"carol:carol-password").decode()
    config = Path(carol.env["DOCKER_CONFIG"]) / "config.json"
    settings = json.loads(config.read_text()) if config.exists() else {}
    settings.setdefault("auths", {})[registry] = {"auth": auth}
    config.write_text(json.dumps(settings))
    m1 = world.cluster.host("m1")
    subprocess.run(
        ["docker", "--config", str(config.parent), "-H", m1.engine, "push", image],
        check=True,
        capture_output=True,
    )
    m1.docker("rmi", image)


def _registry(world: World) -> str:
    """Wharf's registry as the node engines reach it."""
    return f"{SUBNET}.1:{urlsplit(world.base).port}"


def test_12_docker_pull_pulls_on_every_node(world: World) -> None:
    """As in UCP, ``docker pull`` through the control plane leaves the image on every
    node, and the client sees each node's progress; a node that cannot pull fails the
    pull and is named."""
    cluster, carol = world.cluster, world.bundles["carol"]
    image = f"{_registry(world)}/carol/pulled:1"
    cluster.host("m1").docker("tag", IMAGE, image)
    _push_from_m1(world, image)

    progress = carol.ok("pull", image)
    missing = [
        h.name for h in cluster.hosts if h.docker("image", "inspect", image, check=False).returncode
    ]
    assert missing == []
    for host in cluster.hosts:
        assert f"{host.name}: Status: Downloaded newer image for {image}" in progress, progress
        assert f"{host.name}: 1: Pulling from carol/pulled" in progress, progress

    err = refused(carol, "pull", f"{_registry(world)}/carol/never-pushed:1")
    assert "on node" in err and "never-pushed" in err


def test_13_a_pull_that_fails_midway_names_every_node_it_failed_on(world: World) -> None:
    """A layer that cannot be fetched fails each node's pull after its progress began:
    the client still sees that progress, then one error naming every node, and exits
    non-zero."""
    cluster, carol = world.cluster, world.bundles["carol"]
    image = f"{_registry(world)}/carol/broken:1"
    m1 = cluster.host("m1")
    m1.docker("run", "--network", "none", "--name", "breaker", IMAGE, "sh", "-c", "date > /stamp")
    m1.docker("commit", "breaker", image)
    m1.docker("rm", "breaker")
    _push_from_m1(world, image)
    with httpx.Client(base_url=world.base, auth=("carol", "carol-password"), timeout=30) as api:
        manifest = api.get(
            "/v2/carol/broken/manifests/1",
            headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
        )
        assert manifest.status_code == 200, manifest.text
        own_layer = manifest.json()["layers"][-1]["digest"]  # the committed one, nowhere else
        gone = api.delete(f"/v2/carol/broken/blobs/{own_layer}")
        assert gone.status_code == 202, gone.text

    rc, out, err = carol.docker("pull", image)
    assert rc != 0, out
    for host in cluster.hosts:
        assert f"{host.name}: 1: Pulling from carol/broken" in out, out
        assert f"on node {host.name}: " in err, err


def test_14_volumes_live_on_the_node_of_the_containers_that_use_them(world: World) -> None:
    """A container's named volume is made, in the container's collection, on the node the
    container runs on; its owner lists, inspects and removes it there. A volume created
    through the control plane exists on every node, listed once, removed everywhere."""
    cluster, alice, bob, carol = (
        world.cluster,
        world.bundles["alice"],
        world.bundles["bob"],
        world.bundles["carol"],
    )
    alice.ok(
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "alice-vol",
        "-v",
        "alice-data:/data",
        IMAGE,
        "sleep",
        "600",
    )
    node = world.node_of("alice-vol")
    label = cluster.host(node).docker(
        "volume", "inspect", "alice-data", "--format", '{{index .Labels "' + ACCESS + '"}}'
    )
    assert label.stdout.strip() == "/Shared/Private/alice"
    elsewhere = [
        h.name
        for h in cluster.hosts
        if h.name != node
        and h.docker("volume", "inspect", "alice-data", check=False).returncode == 0
    ]
    assert elsewhere == []
    assert "alice-data" in alice.ok("volume", "ls", "--format", "{{.Name}}").split()
    assert "alice-data" not in bob.ok("volume", "ls", "--format", "{{.Name}}").split()
    assert "alice-data" in alice.ok("volume", "inspect", "alice-data", "--format", "{{.Name}}")
    assert "no such volume" in refused(bob, "volume", "inspect", "alice-data").lower()
    err = refused(alice, "volume", "rm", "alice-data")  # still in use by the container
    assert "in use" in err
    alice.ok("rm", "-f", "alice-vol")
    alice.ok("volume", "rm", "alice-data")
    assert cluster.host(node).docker("volume", "inspect", "alice-data", check=False).returncode

    carol.ok("volume", "create", "--label", f"{ACCESS}=/Shared", "everywhere")
    holders = [
        h.name
        for h in cluster.hosts
        if h.docker("volume", "inspect", "everywhere", check=False).returncode == 0
    ]
    assert holders == [h.name for h in cluster.hosts]
    assert carol.ok("volume", "ls", "--format", "{{.Name}}").split().count("everywhere") == 1
    # An unnamed one gets its name from Wharf, the same on every node.
    unnamed = carol.ok("volume", "create", "--label", f"{ACCESS}=/Shared").strip()
    assert len(unnamed) == 64, unnamed
    assert all(
        h.docker("volume", "inspect", unnamed, check=False).returncode == 0 for h in cluster.hosts
    )
    carol.ok("volume", "rm", unnamed)
    assert not any(
        h.docker("volume", "inspect", unnamed, check=False).returncode == 0 for h in cluster.hosts
    )
    # In use on one node: refused, naming that node, and left on every node.
    last = cluster.hosts[-1]
    last.docker(
        "run", "-d", "--network", "none", "--name", "uses-everywhere",
        "-v", "everywhere:/data", IMAGE, "sleep", "600",
    )  # fmt: skip
    err = refused(carol, "volume", "rm", "everywhere")
    assert f"on node {last.name}" in err and "in use" in err, err
    assert [
        h.name
        for h in cluster.hosts
        if h.docker("volume", "inspect", "everywhere", check=False).returncode == 0
    ] == holders
    last.docker("rm", "-f", "uses-everywhere")
    carol.ok("volume", "rm", "everywhere")
    assert all(
        h.docker("volume", "inspect", "everywhere", check=False).returncode for h in cluster.hosts
    )

    # Refused by one node (its volumes directory is read-only there): undone on the
    # others, except on a node that already had a volume of that name, which keeps it.
    def volume_holders(name: str) -> list[str]:
        return [
            h.name
            for h in cluster.hosts
            if h.docker("volume", "inspect", name, check=False).returncode == 0
        ]

    refusing, had_it = cluster.host("w2"), cluster.host("w1")
    had_it.docker("volume", "create", "half-made")
    with read_only_volumes(refusing):
        err = refused(carol, "volume", "create", "--label", f"{ACCESS}=/Shared", "half-made")
        assert "on node w2" in err and "read-only file system" in err, err
        assert volume_holders("half-made") == ["w1"]
    had_it.docker("volume", "rm", "half-made")


def test_15_prunes_clear_every_node(world: World) -> None:
    """``docker volume prune`` through the control plane prunes every node's engine and
    reports all that was removed; only administrators may prune."""
    cluster, carol = world.cluster, world.bundles["carol"]
    for host in ("m1", "w2"):
        cluster.host(host).docker("volume", "create", f"stray-on-{host}")
    assert "only administrators" in refused(world.bundles["alice"], "volume", "prune", "-f")
    report = carol.ok("volume", "prune", "-f")
    assert "stray-on-m1" in report and "stray-on-w2" in report, report
    for host in ("m1", "w2"):
        gone = cluster.host(host).docker("volume", "inspect", f"stray-on-{host}", check=False)
        assert gone.returncode != 0


def test_16_local_networks_exist_on_every_node(world: World) -> None:
    """A bridge network created through the control plane exists on every node, in its
    creator's collection, so her container joins it wherever it is scheduled. It is
    listed once; removal while a container uses it is refused and leaves it everywhere;
    connect and disconnect reach the container's node; a name some node already uses
    is refused without creating anything."""
    cluster, alice, bob = world.cluster, world.bundles["alice"], world.bundles["bob"]
    names = [h.name for h in cluster.hosts]

    def holders(network: str) -> list[str]:
        fmt = '{{index .Labels "' + ACCESS + '"}}'
        return [
            h.name
            for h in cluster.hosts
            if h.docker("network", "inspect", network, "--format", fmt, check=False).stdout.strip()
            == "/Shared/Private/alice"
        ]

    alice.ok("network", "create", "alice-net")
    assert holders("alice-net") == names
    assert alice.ok("network", "ls", "--format", "{{.Name}}").split().count("alice-net") == 1
    assert "alice-net" not in bob.ok("network", "ls", "--format", "{{.Name}}").split()
    assert "alice-net" in alice.ok("network", "inspect", "alice-net", "--format", "{{.Name}}")

    alice.ok("run", "-d", "--network", "alice-net", "--name", "alice-netc", IMAGE, "sleep", "600")
    node = world.node_of("alice-netc")
    assert node != "m1"  # users are not scheduled on managers
    attached = cluster.host(node).docker(
        "inspect", "alice-netc", "--format", "{{json .NetworkSettings.Networks}}"
    )
    assert "alice-net" in json.loads(attached.stdout)

    err = refused(alice, "network", "rm", "alice-net")
    assert f"on node {node}" in err and "active endpoints" in err, err
    assert holders("alice-net") == names

    # By the ID the client was given (the manager's copy's): the container's node knows
    # its own copy by another.
    net_id = alice.ok("network", "inspect", "alice-net", "--format", "{{.Id}}").strip()
    alice.ok("network", "disconnect", net_id, "alice-netc")
    alice.ok("network", "connect", net_id, "alice-netc")
    alice.ok("network", "disconnect", "alice-net", "alice-netc")
    alice.ok("network", "rm", "alice-net")
    assert holders("alice-net") == []
    # A network only her container's node has, outside her collections: it is judged
    # there, not waved through because the manager has never heard of it.
    cluster.host(node).docker("network", "create", "stray-net")
    err = refused(alice, "network", "connect", "stray-net", "alice-netc")
    assert "not found" in err.lower(), err
    cluster.host(node).docker("network", "rm", "stray-net")
    alice.ok("rm", "-f", "alice-netc")

    cluster.host("w2").docker("network", "create", "taken-net")
    err = refused(alice, "network", "create", "taken-net")
    assert "on node w2" in err and "already exists" in err, err
    assert [
        h.name
        for h in cluster.hosts
        if h.docker("network", "inspect", "taken-net", check=False).returncode == 0
    ] == ["w2"]
    cluster.host("w2").docker("network", "rm", "taken-net")

    # Refused by one node (its subnet is in use there): undone on the others.
    cluster.host("w2").docker("network", "create", "--subnet", "10.99.0.0/24", "w2-only")
    err = refused(alice, "network", "create", "--subnet", "10.99.0.0/24", "alice-sub")
    assert "on node w2" in err, err
    assert holders("alice-sub") == []
    cluster.host("w2").docker("network", "rm", "w2-only")
    # Refused by the manager alone, whose part used to be forwarded after the others'
    # were made: nothing is left on the workers either.
    cluster.host("m1").docker("network", "create", "--subnet", "10.98.0.0/24", "m1-only")
    err = refused(alice, "network", "create", "--subnet", "10.98.0.0/24", "alice-sub2")
    assert "on node m1" in err, err
    assert holders("alice-sub2") == []
    cluster.host("m1").docker("network", "rm", "m1-only")
