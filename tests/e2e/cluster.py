"""A multi-host Docker Swarm on one machine, for the end-to-end tests.

Each "host" is a network namespace with its own address on a private bridge, plus a
mount, UTS and IPC namespace (kept alive by a ``sleep`` holder) where its own dockerd
runs with a private ``/run``, ``/etc/docker`` and ``/var/lib/docker``, and a ``/sys``
that shows its own network devices. The engines form a real swarm; the test runner
reaches each engine through a unix socket in a directory both sides see, and reaches
the hosts' addresses through a veth into the bridge.

No IPVS in the test kernel: services that need networking use ``--endpoint-mode dnsrr``.
Everything is found again by name (``wx-*`` namespaces) so ``down`` can clean up after a
crashed run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PREFIX = "wx"
SUBNET = "10.77.0"
BRIDGE_NS = f"{PREFIX}-sw"
ROOT_IF = f"{PREFIX}-root"

# Runs inside a fresh holder's namespaces (a slave of the machine's mount namespace, so
# nothing here propagates back). $1 host name, $2 host directory, $3 the machine's
# mount namespace (as readlink shows it).
_MOUNT_SETUP = r"""
set -eu
h=$1 hd=$2 machine_ns=$3
# Never in the machine's own mount namespace: these mounts would shadow its /run.
[ "$(readlink /proc/self/ns/mnt)" != "$machine_ns" ] || { echo "in the machine's mount namespace" >&2; exit 1; }
hostname "$h"
findmnt -rn -o TARGET | grep -E '^/(run|var/run|var/lib/docker)(/|$)' | sort -r \
  | while read -r t; do umount -l "$t" 2>/dev/null || true; done
mount -t tmpfs -o mode=755,size=256m "wx-run-$h" /run
mkdir -p /run/.cgroup
mount --rbind /sys/fs/cgroup /run/.cgroup
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount --rbind /run/.cgroup /sys/fs/cgroup
umount -l /run/.cgroup && rmdir /run/.cgroup
mkdir -p "$hd/var-lib-docker" "$hd/etc-docker" /var/lib/docker
mount --bind "$hd/var-lib-docker" /var/lib/docker
mount --bind "$hd/etc-docker" /etc/docker
"""


def _sh(
    *args: str, check: bool = True, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), check=check, capture_output=True, text=True, input=input)


@dataclass
class Host:
    name: str
    role: str  # "manager" or "worker"
    ip: str
    dir: Path
    holder: subprocess.Popen[bytes] | None = None
    dockerd: subprocess.Popen[bytes] | None = None

    @property
    def netns(self) -> str:
        return f"{PREFIX}-{self.name}"

    @property
    def socket(self) -> Path:
        return self.dir / "docker.sock"

    @property
    def engine(self) -> str:
        return f"unix://{self.socket}"

    def enter(self, *command: str) -> list[str]:
        assert self.holder is not None
        return ["nsenter", "-t", str(self.holder.pid), "-n", "-m", "-u", "-i", "--", *command]

    def docker(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _sh("docker", "-H", self.engine, *args, check=check)

    def api(self) -> httpx.Client:
        return httpx.Client(
            transport=httpx.HTTPTransport(uds=str(self.socket)),
            base_url="http://docker/v1.41",
            timeout=30,
        )


@dataclass
class Cluster:
    root: Path
    hosts: list[Host] = field(default_factory=list)

    @property
    def managers(self) -> list[Host]:
        return [h for h in self.hosts if h.role == "manager"]

    @property
    def workers(self) -> list[Host]:
        return [h for h in self.hosts if h.role == "worker"]

    def host(self, name: str) -> Host:
        return next(h for h in self.hosts if h.name == name)

    # -- lifecycle -----------------------------------------------------------------------------

    @classmethod
    def up(cls, root: Path, managers: int = 1, workers: int = 2, timeout: float = 60) -> Cluster:
        down(root)
        root.mkdir(parents=True, exist_ok=True)
        cluster = cls(root)
        for i in range(managers):
            cluster.hosts.append(
                Host(f"m{i + 1}", "manager", f"{SUBNET}.{11 + i}", root / f"m{i + 1}")
            )
        for i in range(workers):
            cluster.hosts.append(
                Host(f"w{i + 1}", "worker", f"{SUBNET}.{101 + i}", root / f"w{i + 1}")
            )
        try:
            cluster._network()
            for host in cluster.hosts:
                cluster._start(host, timeout)
            cluster._form_swarm(timeout)
        except BaseException:
            cluster.down_now()
            raise
        return cluster

    def _network(self) -> None:
        _sh("ip", "netns", "add", BRIDGE_NS)
        _sh("ip", "-n", BRIDGE_NS, "link", "set", "lo", "up")
        _sh("ip", "-n", BRIDGE_NS, "link", "add", "br0", "type", "bridge")
        _sh("ip", "-n", BRIDGE_NS, "link", "set", "br0", "up")
        _sh(
            "ip", "link", "add", ROOT_IF, "type", "veth", "peer", "name", "root", "netns", BRIDGE_NS
        )
        _sh("ip", "-n", BRIDGE_NS, "link", "set", "root", "master", "br0", "up")
        _sh("ip", "addr", "add", f"{SUBNET}.1/24", "dev", ROOT_IF)
        _sh("ip", "link", "set", ROOT_IF, "up")
        for host in self.hosts:
            _sh("ip", "netns", "add", host.netns)
            _sh(
                "ip",
                "-n",
                BRIDGE_NS,
                "link",
                "add",
                host.name,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                host.netns,
            )
            _sh("ip", "-n", BRIDGE_NS, "link", "set", host.name, "master", "br0", "up")
            _sh("ip", "-n", host.netns, "link", "set", "lo", "up")
            _sh("ip", "-n", host.netns, "addr", "add", f"{host.ip}/24", "dev", "eth0")
            _sh("ip", "-n", host.netns, "link", "set", "eth0", "up")

    def _start(self, host: Host, timeout: float) -> None:
        host.dir.mkdir(parents=True, exist_ok=True)
        host.holder = subprocess.Popen(
            [
                "nsenter",
                f"--net=/run/netns/{host.netns}",
                "--",
                "unshare",
                "--mount",
                "--uts",
                "--ipc",
                "--propagation",
                "slave",
                "--",
                "sleep",
                "infinity",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        # Both namespaces, not only the network one: nsenter joins the network namespace
        # before it runs unshare, and entering the holder in between would run the mount
        # set-up below in the machine's own mount namespace (a shadowed /run and
        # /etc/docker on the machine, seen once under load).
        while not (_in_netns(host.holder.pid, host.netns) and _own_mount_ns(host.holder.pid)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{host.name}: namespace holder did not start")
            time.sleep(0.05)
        machine_ns = os.readlink("/proc/self/ns/mnt")
        _sh(*host.enter("sh", "-c", _MOUNT_SETUP, "setup", host.name, str(host.dir), machine_ns))
        log = open(host.dir / "dockerd.log", "wb")  # noqa: SIM115 - lives as long as dockerd
        host.dockerd = subprocess.Popen(
            host.enter(
                "dockerd",
                "--iptables=false",
                # Wharf's registry, reached over plain HTTP at the machine's side of the
                # bridge (``SUBNET.1``), for pulls through the control plane.
                "--insecure-registry",
                f"{SUBNET}.0/24",
                "-H",
                "unix:///var/run/docker.sock",
                "-H",
                host.engine,
            ),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(httpx.HTTPError), host.api() as client:
                if client.get("/_ping").status_code == 200:
                    return
            if host.dockerd.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{host.name}: dockerd did not start:\n{(host.dir / 'dockerd.log').read_text()[-3000:]}"
                )
            time.sleep(0.1)

    def _form_swarm(self, timeout: float) -> None:
        first = self.managers[0]
        first.docker("swarm", "init", "--advertise-addr", first.ip)
        tokens = {
            role: first.docker("swarm", "join-token", "-q", role).stdout.strip()
            for role in ("manager", "worker")
        }
        for host in self.hosts[1:]:
            host.docker(
                "swarm",
                "join",
                "--advertise-addr",
                host.ip,
                "--token",
                tokens[host.role],
                f"{first.ip}:2377",
            )
        deadline = time.monotonic() + timeout
        while True:
            listing = first.docker(
                "node", "ls", "--format", "{{.Hostname}} {{.Status}}"
            ).stdout.split("\n")
            ready = [line for line in listing if line.endswith(" Ready")]
            if len(ready) == len(self.hosts):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"swarm not ready: {listing}")
            time.sleep(0.3)

    def load_image(self, tar: bytes, name: str) -> None:
        """``docker import`` the same rootfs on every host (no registry in the testbed)."""
        for host in self.hosts:
            subprocess.run(
                ["docker", "-H", host.engine, "import", "-", name],
                input=tar,
                check=True,
                capture_output=True,
            )

    def down_now(self) -> None:
        for host in self.hosts:
            if host.dockerd is not None and host.dockerd.poll() is None:
                host.dockerd.send_signal(signal.SIGTERM)
        for host in self.hosts:
            if host.dockerd is not None:
                try:
                    host.dockerd.wait(30)
                except subprocess.TimeoutExpired:
                    host.dockerd.kill()
        down(self.root)


def _own_mount_ns(pid: int) -> bool:
    """Whether ``pid`` runs in a mount namespace other than ours."""
    try:
        return os.stat(f"/proc/{pid}/ns/mnt").st_ino != os.stat("/proc/self/ns/mnt").st_ino
    except OSError:
        return False


def _in_netns(pid: int, netns: str) -> bool:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(f"/run/netns/{netns}").st_ino
    except OSError:
        return False


def down(root: Path | None = None) -> None:
    """Remove every trace of a testbed: processes in its namespaces, the namespaces and
    the root veth, and the state directory."""
    namespaces = [
        n.split()[0]
        for n in _sh("ip", "netns", "list", check=False).stdout.splitlines()
        if n.startswith(f"{PREFIX}-")
    ]
    inodes = set()
    for ns in namespaces:
        with contextlib.suppress(OSError):
            inodes.add(os.stat(f"/run/netns/{ns}").st_ino)
    for _ in range(50):
        victims = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if os.stat(proc / "ns" / "net").st_ino in inodes:
                    victims.append(int(proc.name))
        if not victims:
            break
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    for ns in namespaces:
        _sh("ip", "netns", "delete", ns, check=False)
    _sh("ip", "link", "delete", ROOT_IF, check=False)
    if root is not None and root.exists():
        for line in reversed(Path("/proc/self/mounts").read_text().splitlines()):
            target = line.split()[1]
            if target.startswith(str(root) + "/"):
                _sh("umount", "-l", target, check=False)
        shutil.rmtree(root, ignore_errors=True)
