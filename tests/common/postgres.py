"""A private PostgreSQL server for tests: ``initdb`` into a temporary directory (as the
``postgres`` user when running as root, since initdb refuses root), trust auth, one
fresh database per Wharf server."""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.common.procs import free_port, short_tmpdir, tail

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")


def find_pg_bin() -> Path | None:
    env = os.environ.get("WHARF_TEST_PG_BIN")
    candidates = [env] if env else []
    candidates += list(PG_BIN_CANDIDATES)
    for directory in candidates:
        if directory and (Path(directory) / "initdb").exists():
            return Path(directory)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int
    _user_prefix: list[str]
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    @classmethod
    def start(cls, bin_dir: Path) -> PostgresServer:
        root = short_tmpdir("wtp-")
        prefix: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
            prefix = ["runuser", "-u", "postgres", "--"]
        server = cls(bin_dir, root, free_port(), prefix)
        try:
            server._run(
                "initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--no-sync",
            )  # fmt: skip
            server._run(
                "pg_ctl", "-D", str(server.data), "-l", str(server.log), "-w", "-t", "60",
                "-o", f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c max_connections=200",
                "start",
            )  # fmt: skip
        except BaseException:
            server.stop()
            raise
        return server

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self._user_prefix, str(self.bin_dir / tool), *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(
                f"{tool} failed ({result.returncode}): {result.stdout}\n{result.stderr}\n"
                f"{tail(self.log)}"
            )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "wharf") -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
