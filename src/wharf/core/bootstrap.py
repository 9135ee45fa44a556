"""First-start work, done once before serving: directories, schema, the admin account."""

from __future__ import annotations

import os
from dataclasses import dataclass

from wharf.access.accounts import ensure_admin
from wharf.core.config import Settings
from wharf.core.db import Database
from wharf.core.migrate import upgrade


@dataclass(frozen=True)
class BootstrapResult:
    generated_admin_password: str | None


def bootstrap(settings: Settings, db: Database) -> BootstrapResult:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.data_dir, 0o700)
    upgrade(db)
    password = os.environ.get("WHARF_ADMIN_PASSWORD") or None
    generated = db.call(ensure_admin, password)
    return BootstrapResult(generated_admin_password=generated)
