"""A fresh, migrated and seeded SQLite database for the access unit tests that need one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wharf.core.bootstrap import seed_reference_data
from wharf.core.db import Database
from wharf.core.migrate import upgrade


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/wharf.db")
    upgrade(database)
    database.call(seed_reference_data)
    yield database
    database.dispose()
