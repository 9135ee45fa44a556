"""``wharf up`` as a subprocess: its own process group (so a test can ``kill -9`` it),
a free port, a temporary data directory and, for PostgreSQL, a fresh database."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.common.procs import free_port, stop_process_group, tail, wait_for

ADMIN = "admin"


@dataclass
class WharfServer:
    data_dir: Path
    port: int
    admin_password: str
    backend: str  # "sqlite" or "postgres"
    database_url: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        """``host:port``, as registry clients name the registry."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def admin(self) -> tuple[str, str]:
        return ADMIN, self.admin_password

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def log_tail(self, limit: int = 4000) -> str:
        return tail(self.log, limit)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 60) -> WharfServer:
        assert not self.running, "already running"
        args = [
            sys.executable, "-m", "wharf", "up",
            "--data-dir", str(self.data_dir),
            "--listen", self.host,
        ]  # fmt: skip
        if self.database_url:
            args += ["--database-url", self.database_url]
        env = {
            **os.environ,
            "WHARF_ADMIN_PASSWORD": self.admin_password,
            **self.extra_env,
        }
        # Settings fall back to WHARF_* variables: keep the caller's out of the way.
        for key in ("WHARF_DATABASE_URL", "WHARF_DATA_DIR", "WHARF_LISTEN", "WHARF_PUBLIC_URL"):
            env.pop(key, None)
        self.starts += 1
        with open(self.log, "ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(args)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        proc = self.proc

        def healthy() -> bool:
            return httpx.get(f"{self.url}/_ping", timeout=2).status_code == 200

        def alive() -> str | None:
            if proc.poll() is None:
                return None
            return f"wharf up exited with {proc.returncode}:\n{self.log_tail()}"

        try:
            wait_for(healthy, timeout, f"wharf on {self.host} to answer /_ping", alive=alive)
        except BaseException:
            self.kill9()
            raise
        return self

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM (graceful shutdown) and wait."""
        if self.proc is not None:
            stop_process_group(self.proc, timeout)

    def kill9(self) -> None:
        """SIGKILL the whole process group, as a power cut would."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def restart(self, timeout: float = 60) -> WharfServer:
        """Stop if running, then start again on the same port, data directory and
        database."""
        self.stop()
        return self.start(timeout)

    def client(
        self, auth: tuple[str, str] | str | None = "admin", **kwargs: object
    ) -> httpx.Client:
        """An HTTP client for this server; Basic auth as admin unless ``auth`` says
        otherwise (None: anonymous)."""
        credentials = self.admin if auth == "admin" else auth
        return httpx.Client(
            base_url=self.url,
            auth=credentials,  # type: ignore[arg-type]
            timeout=httpx.Timeout(120, connect=10),
            **kwargs,  # type: ignore[arg-type]
        )


def new_server(root: Path, backend: str, database_url: str | None = None) -> WharfServer:
    """A server (not started yet) with its data directory under ``root``."""
    data_dir = root / f"wharf-{backend}-{secrets.token_hex(3)}"
    return WharfServer(
        data_dir=data_dir,
        port=free_port(),
        admin_password=f"pw-{secrets.token_urlsafe(12)}",
        backend=backend,
        database_url=database_url,
    )
