"""The end-to-end suite: a 1-manager, 3-worker swarm on network namespaces (made and
removed by the suite), with Wharf in front of it placing containers on node engines."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cluster import Cluster


def _can_run() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "nsenter", "unshare", "dockerd", "docker", "busybox"):
        if shutil.which(tool) is None:
            return f"needs {tool}"
    return None


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    reason = _can_run()
    if reason:
        pytest.skip(reason)
    swarm = Cluster.up(Path("/tmp/wx-e2e"), managers=1, workers=3)
    try:
        busybox = shutil.which("busybox")
        assert busybox is not None
        rootfs = Path("/tmp/wx-e2e/rootfs")
        (rootfs / "bin").mkdir(parents=True)
        (rootfs / "tmp").mkdir()
        shutil.copy2(busybox, rootfs / "bin" / "busybox")
        for applet in ("sh", "echo", "sleep", "cat", "ls", "true"):
            (rootfs / "bin" / applet).symlink_to("busybox")
        tar = subprocess.run(["tar", "-C", str(rootfs), "-c", "."], capture_output=True, check=True)
        swarm.load_image(tar.stdout, "box:1")
        yield swarm
    finally:
        swarm.down_now()
