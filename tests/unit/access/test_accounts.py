from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from wharf.access.accounts import Authenticator, create_user, ensure_admin, get_account
from wharf.access.interfaces import AccountExists, InvalidAccountName, InvalidCredentials
from wharf.access.passwords import hash_password, verify_password
from wharf.core.db import Database


def test_passwords_are_argon2_hashed() -> None:
    hashed = hash_password("s3cret")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "s3cret")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "anything")
    assert not verify_password("garbage", "anything")


def test_ensure_admin_generates_a_password_once(db: Database) -> None:
    generated = db.call(ensure_admin, None)
    assert generated and len(generated) >= 16
    assert db.call(ensure_admin, None) is None
    admin = db.call(get_account, "admin")
    assert admin is not None and admin.is_admin
    assert verify_password(admin.password_hash, generated)


def test_account_names_follow_the_namespace_grammar(db: Database) -> None:
    with pytest.raises(InvalidAccountName):
        db.call(create_user, "Alice", "password1")
    db.call(create_user, "alice", "password1")
    with pytest.raises(AccountExists):
        db.call(create_user, "alice", "password1")


def test_authenticator_checks_and_caches(db: Database) -> None:
    db.call(create_user, "alice", "password1")
    auth = Authenticator(cache_seconds=60)
    assert db.call(auth.authenticate, "alice", "password1").name == "alice"
    for name, password in [("alice", "wrong"), ("nobody", "password1")]:
        with pytest.raises(InvalidCredentials):
            db.call(auth.authenticate, name, password)


def test_cached_login_stops_working_when_the_password_changes(db: Database) -> None:
    db.call(create_user, "alice", "password1")
    auth = Authenticator(cache_seconds=60)
    db.call(auth.authenticate, "alice", "password1")

    def change(session: Session) -> None:
        account = get_account(session, "alice")
        assert account is not None
        account.password_hash = hash_password("password2")

    db.call(change)
    with pytest.raises(InvalidCredentials):
        db.call(auth.authenticate, "alice", "password1")
    assert db.call(auth.authenticate, "alice", "password2").name == "alice"


def test_cached_login_stops_working_when_deactivated(db: Database) -> None:
    db.call(create_user, "alice", "password1")
    auth = Authenticator(cache_seconds=60)
    db.call(auth.authenticate, "alice", "password1")

    def deactivate(session: Session) -> None:
        account = get_account(session, "alice")
        assert account is not None
        account.is_active = False

    db.call(deactivate)
    with pytest.raises(InvalidCredentials):
        db.call(auth.authenticate, "alice", "password1")
