"""Accounts: creation, lookup and password authentication.

Password checks cost an argon2 verification (tens of milliseconds by design). Registry
clients that send Basic credentials on every request would pay it each time, so
:class:`Authenticator` remembers a successful check — keyed by a hash of the credentials
and tied to the stored password hash, so a changed password or a deactivated account
takes effect at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from wharf.access.interfaces import AccountExists, InvalidAccountName, InvalidCredentials
from wharf.access.models import Account
from wharf.access.passwords import generate_password, hash_password, verify_password

# Account names are namespaces of repository names, so they follow the same grammar as a
# path component of an OCI repository name.
ACCOUNT_NAME = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
ADMIN_NAME = "admin"


def validate_account_name(name: str) -> str:
    if len(name) > 255 or not ACCOUNT_NAME.match(name):
        raise InvalidAccountName(
            f"invalid account name {name!r}: use lower-case letters, digits and single "
            "separators (. _ -), starting and ending with a letter or digit"
        )
    return name


def get_account(session: Session, name: str) -> Account | None:
    return session.scalar(select(Account).where(Account.name == name))


def create_user(
    session: Session, name: str, password: str, *, is_admin: bool = False, full_name: str = ""
) -> Account:
    validate_account_name(name)
    if get_account(session, name) is not None:
        raise AccountExists(f"account {name!r} already exists")
    account = Account(
        name=name,
        password_hash=hash_password(password),
        is_admin=is_admin,
        full_name=full_name,
    )
    session.add(account)
    session.flush()
    return account


def ensure_admin(session: Session, password: str | None) -> str | None:
    """Create the ``admin`` user on first start. Returns the password if one was generated
    (so it can be printed once), else None."""
    if get_account(session, ADMIN_NAME) is not None:
        return None
    generated = password is None
    create_user(session, ADMIN_NAME, password or (pw := generate_password()), is_admin=True)
    return pw if generated else None


class Authenticator:
    """Checks username/password pairs, remembering recent successes."""

    def __init__(self, cache_seconds: int = 60, max_entries: int = 10_000) -> None:
        self._ttl = cache_seconds
        self._max = max_entries
        self._cache: OrderedDict[str, tuple[str, float]] = OrderedDict()
        # Salt for the cache keys, so a memory dump does not give plain SHA-256 of passwords.
        self._salt = secrets.token_bytes(16)

    def _key(self, name: str, password: str) -> str:
        return hashlib.sha256(self._salt + name.encode() + b"\0" + password.encode()).hexdigest()

    def authenticate(self, session: Session, name: str, password: str) -> Account:
        """The active account these credentials belong to; raises InvalidCredentials."""
        account = get_account(session, name)
        key = self._key(name, password)
        cached = self._cache.get(key)
        now = time.monotonic()
        if (
            cached is not None
            and account is not None
            and cached[1] > now
            and cached[0] == account.password_hash
        ):
            if not account.is_active:
                raise InvalidCredentials()
            return account
        if account is None or not verify_password(account.password_hash, password):
            raise InvalidCredentials()
        if not account.is_active:
            raise InvalidCredentials()
        assert account.password_hash is not None
        self._cache[key] = (account.password_hash, now + self._ttl)
        self._cache.move_to_end(key)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return account
