"""Accounts: users, organizations and service accounts — creation with everything a new
user gets, lookup, listing, changes, deletion, and password authentication.

Password checks cost an argon2 verification (tens of milliseconds by design). Registry
clients that send Basic credentials on every request would pay it each time, so
:class:`Authenticator` remembers a successful check — keyed by a salted hash of the
credentials and tied to the stored password hash, so a changed password, a deactivated or
a locked account takes effect at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, event, func, or_, select
from sqlalchemy.orm import Session

from wharf.access import collections
from wharf.access.interfaces import (
    AccountExists,
    Forbidden,
    InvalidAccountName,
    InvalidCredentials,
    InvalidInput,
    NotFound,
)
from wharf.access.models import Account, Grant, OrgMember, Team
from wharf.access.passwords import generate_password, hash_password, verify_password
from wharf.access.principal import Principal
from wharf.access.roles import find_role
from wharf.access.settings import AuthSettings, LockoutSettings
from wharf.core.db import PreparedQuery, Reader, UTCDateTime, insert_or_ignore, utcnow
from wharf.core.settings_store import get_section

# Account names are namespaces of repository names, so they follow the same grammar as a
# path component of an OCI repository name.
ACCOUNT_NAME = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
ADMIN_NAME = "admin"
# The built-in organization every user belongs to; a grant to it applies to everyone.
EVERYONE_ORG = "docker-datacenter"
MIN_PASSWORD_LENGTH = 8

ACCOUNT_FILTERS = (
    "all",
    "users",
    "orgs",
    "admins",
    "non-admins",
    "active-users",
    "inactive-users",
    "service-accounts",
)


class AccountChanges:
    """A process-local generation counter, bumped in the transaction that changes any
    account, so caches of "is this account still active" in this process drop at once
    (other processes see the change when their short cache expires)."""

    generation = 0

    @classmethod
    def bump(cls) -> None:
        cls.generation += 1


@event.listens_for(Session, "after_flush")
def _accounts_changed(session: Session, _context: Any) -> None:
    if any(isinstance(obj, Account) for obj in (*session.dirty, *session.deleted)):
        AccountChanges.bump()


def validate_account_name(name: str) -> str:
    if len(name) > 255 or not ACCOUNT_NAME.match(name):
        raise InvalidAccountName(
            f"invalid account name {name!r}: use lower-case letters, digits and single "
            "separators (. _ -), starting and ending with a letter or digit"
        )
    return name


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


def get_account(session: Session, name: str) -> Account | None:
    return session.scalar(select(Account).where(Account.name == name))


def require_account(session: Session, name: str) -> Account:
    account = get_account(session, name)
    if account is None:
        raise NotFound(f"no account {name!r}")
    return account


def everyone_org(session: Session) -> Account:
    org = get_account(session, EVERYONE_ORG)
    if org is None:
        org = Account(name=EVERYONE_ORG, is_org=True, full_name="Everyone")
        session.add(org)
        session.flush()
    return org


def _new_account(session: Session, account: Account) -> Account:
    validate_account_name(account.name)
    if get_account(session, account.name) is not None:
        raise AccountExists(f"account {account.name!r} already exists")
    session.add(account)
    session.flush()
    return account


def _set_up_user(session: Session, user: Account) -> None:
    """What every new user gets: membership of the everyone-org, a private collection,
    the default role on it, and that collection as their default."""
    insert_or_ignore(session, OrgMember, {"org_id": everyone_org(session).id, "user_id": user.id})
    private = collections.ensure_private_collection(session, user.name)
    role = find_role(session, get_section(session, AuthSettings).default_new_user_role)
    insert_or_ignore(
        session,
        Grant,
        {
            "subject_id": str(user.id),
            "subject_type": "user",
            "collection_id": private.id,
            "role_id": role.id,
        },
    )
    user.default_collection_id = private.id


def create_user(
    session: Session,
    name: str,
    password: str | None,
    *,
    is_admin: bool = False,
    full_name: str = "",
    is_active: bool = True,
    source: str = "managed",
    ldap_dn: str | None = None,
) -> Account:
    if source == "managed":
        if password is None:
            raise InvalidInput("a password is required")
        validate_password(password)
    user = _new_account(
        session,
        Account(
            name=name,
            password_hash=hash_password(password) if password else None,
            is_admin=is_admin,
            is_active=is_active,
            full_name=full_name,
            source=source,
            ldap_dn=ldap_dn,
        ),
    )
    _set_up_user(session, user)
    return user


def create_org(session: Session, name: str, full_name: str = "") -> Account:
    return _new_account(session, Account(name=name, is_org=True, full_name=full_name))


def create_service_account(
    session: Session, org: Account, name: str, full_name: str = ""
) -> Account:
    """A robot account of ``org`` for CI: no password, logs in with access tokens, and may
    only join that organization's teams."""
    if not org.is_org:
        raise InvalidInput(f"{org.name!r} is not an organization")
    account = _new_account(session, Account(name=name, full_name=full_name, service_org_id=org.id))
    insert_or_ignore(session, OrgMember, {"org_id": org.id, "user_id": account.id})
    return account


def ensure_admin(session: Session, password: str | None) -> str | None:
    """Create the ``admin`` user on first start. Returns the password if one was generated
    (so it can be printed once), else None."""
    everyone_org(session)
    if get_account(session, ADMIN_NAME) is not None:
        return None
    generated = password is None
    pw = password or generate_password()
    create_user(session, ADMIN_NAME, pw, is_admin=True, full_name="Administrator")
    return pw if generated else None


@dataclass(frozen=True)
class AccountPage:
    accounts: list[Account]
    next_start: int | None


def list_accounts(
    session: Session,
    *,
    filter: str = "all",
    contains: str = "",
    start: int = 0,
    limit: int = 100,
    order: str = "name",
    visible_to: Account | None = None,
) -> AccountPage:
    """Accounts by UCP's filters, ordered, paged; ``visible_to`` limits a non-admin to
    themselves and the organizations they belong to and their fellow members."""
    if filter not in ACCOUNT_FILTERS:
        raise InvalidInput(f"unknown filter {filter!r}; use one of {', '.join(ACCOUNT_FILTERS)}")
    query = select(Account)
    conditions = {
        "users": ~Account.is_org,
        "orgs": Account.is_org,
        "admins": Account.is_admin,
        "non-admins": ~Account.is_admin & ~Account.is_org,
        "active-users": Account.is_active & ~Account.is_org,
        "inactive-users": ~Account.is_active & ~Account.is_org,
        "service-accounts": Account.service_org_id.is_not(None),
    }
    if filter in conditions:
        query = query.where(conditions[filter])
    if contains:
        like = f"%{contains.lower()}%"
        query = query.where(or_(Account.name.like(like), func.lower(Account.full_name).like(like)))
    if visible_to is not None and not visible_to.is_admin:
        my_orgs = select(OrgMember.org_id).where(OrgMember.user_id == visible_to.id)
        fellow = select(OrgMember.user_id).where(OrgMember.org_id.in_(my_orgs))
        query = query.where(
            (Account.id == visible_to.id) | Account.id.in_(my_orgs) | Account.id.in_(fellow)
        )
    sort = {
        "name": Account.name,
        "-name": Account.name.desc(),
        "created": Account.created_at,
        "-created": Account.created_at.desc(),
    }.get(order)
    if sort is None:
        raise InvalidInput("order is one of name, -name, created, -created")
    rows = list(session.scalars(query.order_by(sort, Account.id).offset(start).limit(limit + 1)))
    next_start = start + limit if len(rows) > limit else None
    return AccountPage(rows[:limit], next_start)


def may_see(session: Session, viewer: Account, account: Account) -> bool:
    """Admins see every account; others see themselves, the organizations they belong to
    and the members of those (every user shares the everyone-org)."""
    if viewer.is_admin or viewer.id == account.id:
        return True
    my_orgs = select(OrgMember.org_id).where(OrgMember.user_id == viewer.id)
    if account.is_org:
        return account.id in set(session.scalars(my_orgs))
    shared = select(OrgMember.user_id).where(
        OrgMember.org_id.in_(my_orgs), OrgMember.user_id == account.id
    )
    return session.scalar(shared.limit(1)) is not None


def update_account(
    session: Session,
    actor: Account,
    account: Account,
    *,
    full_name: str | None = None,
    password: str | None = None,
    is_admin: bool | None = None,
    is_active: bool | None = None,
) -> Account:
    """Apply changes an actor may make: anyone their own full name and password; admins
    everything except their own admin flag and activity (no locking oneself out)."""
    if not actor.is_admin and actor.id != account.id:
        raise Forbidden("only administrators may change other accounts")
    if (is_admin is not None or is_active is not None) and not actor.is_admin:
        raise Forbidden("only administrators may change isAdmin or isActive")
    if actor.id == account.id and (is_admin is False or is_active is False):
        raise Forbidden("you cannot remove your own admin rights or deactivate yourself")
    if account.is_org and (password is not None or is_admin is not None):
        raise InvalidInput("organizations have no password and cannot be admins")
    if full_name is not None:
        account.full_name = full_name[:255]
    if password is not None:
        if account.source != "managed":
            raise InvalidInput("this account's password is managed by the directory")
        account.password_hash = hash_password(validate_password(password))
        account.failed_logins = 0
        account.locked_until = None
    if is_admin is not None:
        account.is_admin = is_admin
    if is_active is not None:
        account.is_active = is_active
    session.flush()
    return account


def delete_account(session: Session, actor: Account, account: Account) -> None:
    if not actor.is_admin:
        raise Forbidden("only administrators may delete accounts")
    if account.id == actor.id:
        raise Forbidden("you cannot delete yourself")
    if account.name in (EVERYONE_ORG,):
        raise Forbidden(f"{account.name!r} is built in")
    session.execute(delete(Grant).where(Grant.subject_id == str(account.id)))
    if account.is_org:
        team_ids = [
            str(t) for t in session.scalars(select(Team.id).where(Team.org_id == account.id))
        ]
        if team_ids:
            session.execute(delete(Grant).where(Grant.subject_id.in_(team_ids)))
    session.delete(account)
    session.flush()


# -- authentication ----------------------------------------------------------------------

# Given a username and password, the account they prove (e.g. by an LDAP bind, creating
# the account just in time), or None when the directory does not know them.
DirectoryLogin = Callable[[Session, str, str, Account | None], Account | None]
# Given a token presented as a password, its account, or None when it is not a token.
TokenLogin = Callable[[Session, str], Account | None]


_REMEMBERED_ACCOUNT = PreparedQuery(
    select(
        Account.id,
        Account.is_admin,
        Account.is_active,
        Account.password_hash,
        func.coalesce(Account.locked_until > bindparam("now", type_=UTCDateTime), False),
    ).where(Account.name == bindparam("name"))
)


class Authenticator:
    """Checks username/password pairs (passwords, access tokens, the directory),
    remembering recent successes and locking accounts after repeated failures."""

    def __init__(self, cache_seconds: int = 60, max_entries: int = 10_000) -> None:
        self._ttl = cache_seconds
        self._max = max_entries
        self._cache: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._recent: dict[str, tuple[Principal, float, int]] = {}
        # Salt for the cache keys, so a memory dump does not give plain SHA-256 of passwords.
        self._salt = secrets.token_bytes(16)
        self.directory: DirectoryLogin | None = None
        self.token_login: TokenLogin | None = None

    def _key(self, name: str, password: str) -> str:
        return hashlib.sha256(self._salt + name.encode() + b"\0" + password.encode()).hexdigest()

    def _remember(self, key: str, proof: str) -> None:
        self._cache[key] = (proof, time.monotonic() + self._ttl)
        self._cache.move_to_end(key)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)

    def remembered(self, reader: Reader, name: str, password: str) -> Principal | None:
        """The caller, if these credentials succeeded recently and nothing about the
        account changed since — two indexed reads, no ORM, no argon2 (the hot path of
        Basic authentication). None means "do the full check".

        The answer itself is kept for a second (a pull sends the same credentials with
        every request), and dropped at once when an account changes in this process."""
        key = self._key(name, password)
        now = time.monotonic()
        recent = self._recent.get(key)
        if recent is not None and recent[1] > now and recent[2] == AccountChanges.generation:
            return recent[0]
        cached = self._cache.get(key)
        if cached is None or cached[1] <= now:
            return None
        generation = AccountChanges.generation
        row = reader.one(_REMEMBERED_ACCOUNT, name=name, now=utcnow())
        if row is None:
            return None
        account_id, is_admin, is_active, password_hash, locked = row
        proof = password_hash or f"id:{uuid.UUID(str(account_id))}"
        if proof != cached[0] or not is_active or locked:
            return None
        principal = Principal(uuid.UUID(str(account_id)), name, bool(is_admin), True)
        if len(self._recent) > self._max:
            self._recent.clear()
        self._recent[key] = (principal, now + 1.0, generation)
        return principal

    def authenticate(self, session: Session, name: str, password: str) -> Account:
        """The active account these credentials belong to; raises InvalidCredentials."""
        account = get_account(session, name)
        if account is not None and self._is_locked(account):
            raise InvalidCredentials()
        key = self._key(name, password)
        cached = self._cache.get(key)
        if (
            account is not None
            and cached is not None
            and cached[1] > time.monotonic()
            and cached[0] == self._proof(account)
        ):
            if not account.is_active:
                raise InvalidCredentials()
            return account
        proved, cacheable = self._check(session, account, name, password)
        if proved is None:
            if account is not None:
                self._record_failure(session, account)
            raise InvalidCredentials()
        if not proved.is_active:
            raise InvalidCredentials()
        if proved.failed_logins:
            proved.failed_logins = 0
        if cacheable:
            self._remember(key, self._proof(proved))
        return proved

    @staticmethod
    def _proof(account: Account) -> str:
        """What a cached success is tied to: the password hash, or for directory logins
        the account id (the directory's own changes show within the cache lifetime)."""
        return account.password_hash or f"id:{account.id}"

    def _check(
        self, session: Session, account: Account | None, name: str, password: str
    ) -> tuple[Account | None, bool]:
        """Who the credentials prove, and whether that may be remembered. Access tokens
        are never remembered: checking one is cheap, and a deleted token must stop
        working at once."""
        if self.token_login is not None:
            by_token = self.token_login(session, password)
            if by_token is not None:
                return (by_token if by_token.name == name else None), False
        if account is not None and account.source == "managed":
            return (account if verify_password(account.password_hash, password) else None), True
        if self.directory is not None and (account is None or account.source == "ldap"):
            return self.directory(session, name, password, account), True
        verify_password(None, password)  # same cost as a real check
        return None, False

    @staticmethod
    def _is_locked(account: Account) -> bool:
        return account.locked_until is not None and account.locked_until > utcnow()

    @staticmethod
    def _record_failure(session: Session, account: Account) -> None:
        settings = get_section(session, LockoutSettings)
        if not settings.enabled or account.is_admin:
            return
        account.failed_logins += 1
        if account.failed_logins >= settings.failure_triggers:
            account.locked_until = utcnow() + timedelta(seconds=settings.duration_seconds)
            account.failed_logins = 0
        # The failure must be recorded even though the caller's transaction is about to
        # roll back on InvalidCredentials.
        session.commit()
