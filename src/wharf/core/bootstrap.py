"""First-start work, done once before serving: directories, schema, the admin account."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy.orm import Session

from wharf.access.accounts import ensure_admin, everyone_org
from wharf.access.collections import ensure_builtin_collections
from wharf.access.grants import grant_default_scheduler
from wharf.access.roles import ensure_builtin_roles
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
    generated = db.call(seed, password)
    return BootstrapResult(generated_admin_password=generated)


def seed(session: Session, admin_password: str | None) -> str | None:
    """What a fresh install has, and the admin. Idempotent."""
    seed_reference_data(session)
    return ensure_admin(session, admin_password)


def seed_reference_data(session: Session) -> None:
    """Built-in roles and collections, and the everyone-org with Scheduler on /Shared."""
    ensure_builtin_roles(session)
    ensure_builtin_collections(session)
    grant_default_scheduler(session, everyone_org(session).id)
