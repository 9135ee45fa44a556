"""The integration fixtures themselves: each daemon is private, and a ``wharf up`` on the
postgres backend really keeps its metadata in PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.common.dockerd import DockerDaemon
from tests.common.oci import make_image
from tests.common.registry import push_image
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration


def test_dockerd_is_private(dockerd: dict[str, str], docker_daemon: DockerDaemon) -> None:
    assert dockerd["DOCKER_HOST"] == f"unix://{docker_daemon.socket}"
    assert len(str(docker_daemon.socket)) < 100
    info = docker_daemon.docker("info", "--format", "{{.DockerRootDir}}").stdout.strip()
    assert info.startswith(str(docker_daemon.root))


def test_postgres_gives_a_fresh_database(postgres: str) -> None:
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(postgres) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


def test_backend_holds_the_metadata(
    wharf_server: Callable[..., WharfServer], db_backend: str
) -> None:
    server = wharf_server()
    with server.client() as client:
        push_image(client, "admin/where", "v1", make_image())
    sqlite_file = server.data_dir / "wharf.db"
    if db_backend == "sqlite":
        assert server.database_url is None
        assert sqlite_file.exists()
        return
    assert server.database_url and server.database_url.startswith("postgresql://")
    assert not sqlite_file.exists()
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(server.database_url) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM repositories")]
    assert "admin/where" in names
