"""A private Docker daemon for tests, and the images the registry tests push.

The daemon gets its own data root, exec root, socket and containerd namespace so it
never touches another daemon on the machine; ``--bridge=none`` keeps it off the shared
``docker0`` bridge (containers get no network, which the tests do not need).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.common.procs import run, short_tmpdir, tail, wait_for

BUSYBOX_APPLETS = ("sh", "ls", "cat", "echo", "mkdir", "test")


@dataclass
class DockerDaemon:
    root: Path
    socket: Path
    proc: subprocess.Popen[bytes]
    log: Path
    config_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(
        cls, dockerd: str = "dockerd", timeout: float = 60, extra_args: Sequence[str] = ()
    ) -> DockerDaemon:
        root = short_tmpdir("wtd-")
        sock = root / "d.sock"
        log = root / "dockerd.log"
        (root / "daemon.json").write_text("{}")
        ns = f"wharftest{os.getpid()}"
        args = [
            dockerd,
            "--iptables=false",
            "--ip-masq=false",
            "--bridge=none",
            "--config-file", str(root / "daemon.json"),
            "--data-root", str(root / "data"),
            "--exec-root", str(root / "exec"),
            "--pidfile", str(root / "dockerd.pid"),
            "-H", f"unix://{sock}",
            "--containerd-namespace", ns,
            "--containerd-plugins-namespace", ns + "p",
            *extra_args,
        ]  # fmt: skip
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        config_dir = root / "client-config"
        config_dir.mkdir()
        daemon = cls(root, sock, proc, log, config_dir)
        daemon.env = {"DOCKER_HOST": f"unix://{sock}", "DOCKER_CONFIG": str(config_dir)}
        try:
            wait_for(
                daemon._pings,
                timeout,
                "dockerd to answer /_ping",
                alive=lambda: (
                    None
                    if proc.poll() is None
                    else f"dockerd exited {proc.returncode}:\n{tail(log)}"
                ),
            )
        except BaseException:
            daemon.stop()
            raise
        return daemon

    def _pings(self) -> bool:
        transport = httpx.HTTPTransport(uds=str(self.socket))
        with httpx.Client(transport=transport, timeout=2) as client:
            return client.get("http://docker/_ping").status_code == 200

    def docker(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        timeout: float = 180,
        config_dir: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the docker CLI against this daemon (``config_dir``: a client config
        directory, i.e. a separate set of logins)."""
        env = dict(self.env)
        if config_dir is not None:
            env["DOCKER_CONFIG"] = str(config_dir)
        return run(["docker", *args], env=env, input=input, check=check, timeout=timeout)

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # Anything dockerd left mounted under its roots (it should have cleaned up).
        with contextlib.suppress(Exception):
            mounts = Path("/proc/self/mounts").read_text().splitlines()
            for line in reversed(mounts):
                target = line.split()[1]
                if target.startswith(str(self.root) + "/"):
                    subprocess.run(["umount", "-l", target], check=False, capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass(frozen=True)
class BuiltImage:
    """An image built in the daemon: ``name`` is its local tag."""

    name: str
    base: str
    image_id: str
    layers: int
    run_file: str  # created by the RUN step
    run_content: str
    copy_file: str  # added by the COPY step
    copy_content: str


def build_images(
    daemon: DockerDaemon, base_name: str = "wharf-test/base:1", name: str = "wharf-test/app:1"
) -> BuiltImage:
    """Import a busybox base image from a local rootfs, then ``docker build`` an image
    with a RUN and a COPY layer on top (legacy builder: no network, no BuildKit)."""
    busybox = shutil.which("busybox")
    if busybox is None:
        raise FileNotFoundError("busybox")
    work = short_tmpdir("wtb-")
    try:
        rootfs = work / "rootfs"
        (rootfs / "bin").mkdir(parents=True)
        (rootfs / "tmp").mkdir()
        shutil.copy2(busybox, rootfs / "bin" / "busybox")
        for applet in BUSYBOX_APPLETS:
            (rootfs / "bin" / applet).symlink_to("busybox")
        tar = subprocess.run(["tar", "-C", str(rootfs), "-c", "."], capture_output=True, check=True)
        env = {**os.environ, **daemon.env}
        subprocess.run(
            ["docker", "import", "-", base_name], input=tar.stdout, env=env,
            capture_output=True, check=True,
        )  # fmt: skip
        context = work / "context"
        context.mkdir()
        copy_content = f"copied by the COPY step {os.urandom(8).hex()}"
        (context / "greeting.txt").write_text(copy_content + "\n")
        run_content = "written by the RUN step"
        (context / "Dockerfile").write_text(
            f"FROM {base_name}\n"
            f"RUN mkdir -p /data && echo '{run_content}' > /data/run.txt\n"
            "COPY greeting.txt /data/greeting.txt\n"
            'CMD ["cat", "/data/run.txt"]\n'
        )
        run(
            ["docker", "build", "--network", "none", "-t", name, str(context)],
            env={**daemon.env, "DOCKER_BUILDKIT": "0"},
            timeout=300,
        )
        inspect = json.loads(daemon.docker("image", "inspect", name).stdout)[0]
        return BuiltImage(
            name=name,
            base=base_name,
            image_id=inspect["Id"],
            layers=len(inspect["RootFS"]["Layers"]),
            run_file="/data/run.txt",
            run_content=run_content,
            copy_file="/data/greeting.txt",
            copy_content=copy_content,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass(frozen=True)
class DockerPush:
    """An image pushed to a Wharf server with ``docker push``."""

    host: str
    repository: str
    tag: str
    reference: str  # host:port/repository:tag
    digest: str
    output: str
    config_dir: Path  # the docker client configuration holding the login
