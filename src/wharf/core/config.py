"""Settings for one Wharf process.

Settings come from the command line, falling back to ``WHARF_*`` environment variables,
falling back to defaults that give the embedded single-machine platform (SQLite and the
local filesystem under ``--data-dir``). They are immutable once the app is built so that
no module can change behaviour behind another's back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_LISTEN = "127.0.0.1:5000"
DEFAULT_DATA_DIR = "./var/wharf"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"WHARF_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Everything a Wharf process needs to know about where it runs."""

    listen: str = DEFAULT_LISTEN
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str = ""
    storage_driver: str = "filesystem"
    storage_root: Path | None = None
    # The ``service`` of Docker token auth: the audience of every registry token.
    service_name: str = "wharf"
    # Base URL clients use to reach this server; derived from the request when empty.
    public_url: str = ""
    # The Docker API endpoint as clients reach it (``host:port``), written into client
    # bundles; when empty, the host a bundle is requested from, on the default port.
    docker_public_url: str = ""
    # host:port of the Docker API endpoint (TLS); empty: not served.
    docker_listen: str = ""
    # The engine the control plane drives (a swarm manager): unix:// or tcp://.
    engine: str = "unix:///var/run/docker.sock"
    # Every node's engine, "HOSTNAME=ADDRESS,..." — containers are placed on them.
    node_engines: str = ""
    token_ttl_seconds: int = 300
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    # How long a successful Basic login on /v2/ is remembered so that argon2 is not
    # re-run on every request of a pull.
    credential_cache_seconds: int = 60
    manifest_max_bytes: int = 4 * 1024 * 1024
    log_level: str = "info"
    log_format: str = "json"
    access_log: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0] or "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wharf.db').resolve()}"

    @property
    def resolved_storage_root(self) -> Path:
        return (self.storage_root or self.data_dir / "blobs").resolve()

    @property
    def keys_dir(self) -> Path:
        return (self.data_dir / "keys").resolve()

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with every non-None value of ``changes`` applied (CLI over env)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls) -> Settings:
        """Defaults overridden by ``WHARF_*`` environment variables."""
        storage_root = _env("STORAGE_ROOT", "")
        return cls(
            listen=_env("LISTEN", DEFAULT_LISTEN),
            data_dir=Path(_env("DATA_DIR", DEFAULT_DATA_DIR)),
            database_url=_env("DATABASE_URL", ""),
            storage_driver=_env("STORAGE_DRIVER", "filesystem"),
            storage_root=Path(storage_root) if storage_root else None,
            service_name=_env("SERVICE_NAME", "wharf"),
            public_url=_env("PUBLIC_URL", ""),
            docker_public_url=_env("DOCKER_PUBLIC_URL", ""),
            docker_listen=_env("DOCKER_LISTEN", ""),
            engine=_env("ENGINE", "unix:///var/run/docker.sock"),
            node_engines=_env("NODE_ENGINES", ""),
            token_ttl_seconds=int(_env("TOKEN_TTL", "300")),
            log_level=_env("LOG_LEVEL", "info"),
            log_format=_env("LOG_FORMAT", "json"),
            access_log=_env("ACCESS_LOG", "1") not in ("0", "false", "no"),
        )
