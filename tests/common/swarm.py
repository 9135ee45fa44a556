"""A private dockerd in swarm mode (a single manager node), and a busybox image whose
every applet is there (``sleep``, ``tty``, ``seq``...) for workloads that keep running.

The swarm listens on free loopback ports, not the default 2377, so it does not collide
with another swarm on the machine. Its gossip port (7946) cannot be moved; if another
daemon holds it, overlay networks' data plane does not come up, which these tests do not
need (services that use networks get ``--endpoint-mode dnsrr`` and are judged by the
objects the control plane creates, not by their traffic).
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess

from tests.common.dockerd import DockerDaemon
from tests.common.procs import free_port, short_tmpdir


def free_udp_port() -> int:
    """A free UDP port in swarm's data path range (1024-49151, below the ephemeral
    ports)."""
    for _ in range(100):
        port = random.randint(20000, 32000)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free UDP port between 20000 and 32000")


def init_swarm(daemon: DockerDaemon) -> str:
    """``docker swarm init`` on loopback; returns the node id."""
    port = free_port()
    daemon.docker(
        "swarm", "init",
        "--advertise-addr", f"127.0.0.1:{port}",
        "--listen-addr", f"127.0.0.1:{port}",
        "--data-path-port", str(free_udp_port()),
    )  # fmt: skip
    return daemon.docker("info", "--format", "{{.Swarm.NodeID}}").stdout.strip()


def leave_swarm(daemon: DockerDaemon) -> None:
    """Remove every container and leave the swarm, so the daemon stops quickly."""
    if daemon.proc.poll() is not None:
        return
    daemon.docker("swarm", "leave", "--force", check=False, timeout=60)
    ids = daemon.docker("ps", "-aq", check=False).stdout.split()
    if ids:
        daemon.docker("rm", "-f", *ids, check=False, timeout=120)


def import_busybox(daemon: DockerDaemon, name: str) -> str:
    """``docker import`` a rootfs of a static busybox with all its applets linked;
    returns the image id."""
    busybox = shutil.which("busybox")
    if busybox is None:
        raise FileNotFoundError("busybox")
    work = short_tmpdir("wts-")
    try:
        rootfs = work / "rootfs"
        for directory in ("bin", "tmp", "etc", "root"):
            (rootfs / directory).mkdir(parents=True)
        shutil.copy2(busybox, rootfs / "bin" / "busybox")
        applets = subprocess.run(
            [busybox, "--list"], capture_output=True, text=True, check=True
        ).stdout.split()
        for applet in applets:
            if applet != "busybox":
                (rootfs / "bin" / applet).symlink_to("busybox")
        (rootfs / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
        tar = subprocess.run(["tar", "-C", str(rootfs), "-c", "."], capture_output=True, check=True)
        imported = subprocess.run(
            ["docker", "import", "--change", 'CMD ["sh"]', "-", name],
            input=tar.stdout,
            env={**os.environ, **daemon.env},
            capture_output=True,
            check=True,
        )
        return imported.stdout.decode().strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)
