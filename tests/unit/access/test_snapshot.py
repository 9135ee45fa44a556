"""The access snapshot is reloaded whenever what it holds changes, however the change is
written (ORM objects or INSERT ... ON CONFLICT statements)."""

from __future__ import annotations

from wharf.access.accounts import create_user
from wharf.access.decide import AccessSnapshot, GrantRef
from wharf.access.grants import put_grant
from wharf.access.snapshot import SnapshotCache
from wharf.core.db import Database


def _grants_of(snapshot: AccessSnapshot, subject_id: str) -> list[GrantRef]:
    return [
        grant
        for grants in snapshot.grants_by_collection.values()
        for grant in grants
        if grant.subject_id == subject_id
    ]


def test_a_new_grant_reaches_the_next_snapshot(db: Database) -> None:
    user = str(db.call(lambda s: create_user(s, "dana", "a-long-password").id))
    cache = SnapshotCache(db)
    before = cache.get_sync()
    shared = before.by_path["/Shared"]
    view_only = GrantRef(user, "user", shared, "viewonly")
    assert view_only not in _grants_of(before, user)

    db.call(put_grant, "dana", "/Shared", "viewonly")  # an INSERT ... ON CONFLICT statement

    after = cache.get_sync()
    assert after.version != before.version
    assert view_only in _grants_of(after, user)
