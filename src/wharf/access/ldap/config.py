"""LDAP / Active Directory settings: domain servers, ordered user search configurations,
just-in-time provisioning, the sync interval, admin sync — and the per-team member sync
configuration (§1.2, §1.3 of the control-plane reference).

The settings live in one admin-settings row (``auth.ldap``). The API speaks camelCase
JSON (UCP's names where UCP has one); every field is validated with a message that names
it, and an invalid document changes nothing. Reader passwords are write-only: they are
encrypted at rest with a key derived from the token signing key, never returned (the
API shows ``hasReaderPassword``), and never logged.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from ldap3.core.exceptions import LDAPException
from ldap3.operation.search import parse_filter
from ldap3.utils.dn import parse_dn
from sqlalchemy.orm import Session

from wharf.access.interfaces import InvalidInput
from wharf.core.settings_store import AdminSetting

SETTINGS_KEY = "auth.ldap"
MAX_ATTR_LENGTH = 100
# What an attribute name may not contain (the reference's rule for the username attribute).
_ATTR_FORBIDDEN = re.compile(r"[\s/\\\[\]:;|=,+*?<>'\"]")
MAX_SYNC_INTERVAL_HOURS = 24 * 365


# -- the settings ---------------------------------------------------------------------------


@dataclass
class LdapServer:
    url: str
    # The base DN suffix this server serves; "" for the first (default) server.
    domain: str = ""
    reader_dn: str = ""
    reader_password: str = field(default="", repr=False)
    start_tls: bool = False
    tls_skip_verify: bool = False
    # PEM CA certificates to trust instead of the system store.
    root_certs: str = ""
    no_simple_pagination: bool = False


@dataclass
class UserSearch:
    base_dn: str
    username_attr: str = "uid"
    full_name_attr: str = "cn"
    filter: str = ""
    scope_subtree: bool = True
    # Only members of this group match.
    match_group: bool = False
    match_group_dn: str = ""
    match_group_member_attr: str = "member"
    # Read the group's members one by one instead of searching the base DN.
    match_group_iterate: bool = False


@dataclass
class MemberSync:
    """Who belongs to a team (or is an admin): the members of a group, or the results
    of a search."""

    enable_sync: bool = False
    select_group_members: bool = True
    group_dn: str = ""
    group_member_attr: str = "member"
    search_base_dn: str = ""
    search_filter: str = ""
    search_scope_subtree: bool = False


@dataclass
class LdapConfig:
    enabled: bool = False
    servers: list[LdapServer] = field(default_factory=list)
    user_searches: list[UserSearch] = field(default_factory=list)
    jit_user_provisioning: bool = True
    sync_interval_hours: int = 1
    # Deactivate LDAP accounts a sync no longer finds. UCP keeps them active under JIT
    # (their tokens keep working); set this false for that behaviour.
    deactivate_missing_users: bool = True
    admin_sync: MemberSync = field(default_factory=MemberSync)


# -- JSON field names -------------------------------------------------------------------------

# (json name, attribute name, type)
SERVER_FIELDS: list[tuple[str, str, type]] = [
    ("url", "url", str),
    ("domain", "domain", str),
    ("readerDN", "reader_dn", str),
    ("startTLS", "start_tls", bool),
    ("tlsSkipVerify", "tls_skip_verify", bool),
    ("rootCerts", "root_certs", str),
    ("noSimplePagination", "no_simple_pagination", bool),
]
SEARCH_FIELDS: list[tuple[str, str, type]] = [
    ("baseDN", "base_dn", str),
    ("usernameAttr", "username_attr", str),
    ("fullNameAttr", "full_name_attr", str),
    ("filter", "filter", str),
    ("scopeSubtree", "scope_subtree", bool),
    ("matchGroup", "match_group", bool),
    ("matchGroupDN", "match_group_dn", str),
    ("matchGroupMemberAttr", "match_group_member_attr", str),
    ("matchGroupIterate", "match_group_iterate", bool),
]
MEMBER_SYNC_FIELDS: list[tuple[str, str, type]] = [
    ("enableSync", "enable_sync", bool),
    ("selectGroupMembers", "select_group_members", bool),
    ("groupDN", "group_dn", str),
    ("groupMemberAttr", "group_member_attr", str),
    ("searchBaseDN", "search_base_dn", str),
    ("searchFilter", "search_filter", str),
    ("searchScopeSubtree", "search_scope_subtree", bool),
]
TOP_FIELDS: list[tuple[str, str, type]] = [
    ("enabled", "enabled", bool),
    ("jitUserProvisioning", "jit_user_provisioning", bool),
    ("syncIntervalHours", "sync_interval_hours", int),
    ("deactivateMissingUsers", "deactivate_missing_users", bool),
]


def _typed(path: str, value: Any, kind: type) -> Any:
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidInput(f"{path}: expected an integer")
    if kind is bool and not isinstance(value, bool):
        raise InvalidInput(f"{path}: expected true or false")
    if kind is str and not isinstance(value, str):
        raise InvalidInput(f"{path}: expected a string")
    return value


def _object(path: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{path}: expected an object")
    return value


def _apply_fields(
    path: str,
    data: dict[str, Any],
    fields: list[tuple[str, str, type]],
    target: Any,
    extra: tuple[str, ...] = (),
) -> None:
    known = {name for name, _, _ in fields} | set(extra)
    for key in data:
        if key not in known:
            raise InvalidInput(f"{path}: unknown field {key!r}")
    for name, attr, kind in fields:
        if name in data and data[name] is not None:
            value = _typed(f"{path}.{name}", data[name], kind)
            setattr(target, attr, value.strip() if isinstance(value, str) else value)


def _view(fields: list[tuple[str, str, type]], source: Any) -> dict[str, Any]:
    return {name: getattr(source, attr) for name, attr, _ in fields}


# -- validation -----------------------------------------------------------------------------


def normalize_dn(dn: str) -> str:
    """A DN in one canonical spelling (attribute types and values lower-cased, no spaces
    around separators), for comparing DNs from different sources."""
    try:
        parts = parse_dn(dn, escape=False, strip=True)
    except LDAPException:
        return dn.strip().lower()
    return "".join(f"{t.lower()}={v.lower()}{sep}" for t, v, sep in parts)


def is_dn(value: str) -> bool:
    try:
        parse_dn(value, escape=False, strip=True)
    except LDAPException:
        return False
    return True


def check_dn(path: str, value: str, required: bool = True) -> None:
    if not value:
        if required:
            raise InvalidInput(f"{path}: a DN is required")
        return
    if not is_dn(value):
        raise InvalidInput(
            f"{path}: {value!r} is not a valid DN (e.g. ou=people,dc=example,dc=org)"
        )


def check_attr(path: str, value: str, required: bool = True) -> None:
    if not value:
        if required:
            raise InvalidInput(f"{path}: an attribute name is required")
        return
    if len(value) > MAX_ATTR_LENGTH or _ATTR_FORBIDDEN.search(value):
        raise InvalidInput(
            f"{path}: {value!r} is not a valid attribute name (at most {MAX_ATTR_LENGTH} "
            "characters, no whitespace or any of / \\ [ ] : ; | = , + * ? < > ' \")"
        )


def check_filter(path: str, value: str) -> None:
    if not value:
        return
    try:
        parse_filter(value, None, True, False, None, False)  # type: ignore[no-untyped-call]
    except LDAPException as exc:
        raise InvalidInput(
            f"{path}: {value!r} is not a valid LDAP filter ({exc}); "
            "write it in parentheses, e.g. (objectClass=person)"
        ) from None


def _check_url(path: str, url: str) -> None:
    if not url:
        raise InvalidInput(f"{path}: a server URL is required, e.g. ldaps://ldap.example.org")
    parts = urlsplit(url)
    if parts.scheme not in ("ldap", "ldaps"):
        raise InvalidInput(f"{path}: {url!r} must start with ldap:// or ldaps://")
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput(f"{path}: {url!r} has an invalid port") from None
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidInput(f"{path}: {url!r} must be scheme://host[:port] and nothing else")
    if port == 0:
        raise InvalidInput(f"{path}: {url!r} has an invalid port")


def _check_member_sync(path: str, sync: MemberSync) -> None:
    if not sync.enable_sync:
        return
    if sync.select_group_members:
        check_dn(f"{path}.groupDN", sync.group_dn)
        check_attr(f"{path}.groupMemberAttr", sync.group_member_attr)
    else:
        check_dn(f"{path}.searchBaseDN", sync.search_base_dn)
        check_filter(f"{path}.searchFilter", sync.search_filter)


def validate_config(config: LdapConfig) -> None:
    """Raise InvalidInput naming the first bad field."""
    domains: set[str] = set()
    for i, server in enumerate(config.servers):
        path = f"servers[{i}]"
        _check_url(f"{path}.url", server.url)
        if i == 0:
            check_dn(f"{path}.domain", server.domain, required=False)
        else:
            check_dn(f"{path}.domain", server.domain)
        if server.domain:
            domain = normalize_dn(server.domain)
            if domain in domains:
                raise InvalidInput(f"{path}.domain: {server.domain!r} is served by two servers")
            domains.add(domain)
        check_dn(f"{path}.readerDN", server.reader_dn, required=False)
        if server.reader_dn and not server.reader_password:
            raise InvalidInput(f"{path}.readerPassword: required with a readerDN")
        if not server.reader_dn and server.reader_password:
            raise InvalidInput(f"{path}.readerDN: a reader password needs a reader DN")
        if server.start_tls and server.url.startswith("ldaps:"):
            raise InvalidInput(
                f"{path}.startTLS: ldaps:// is TLS already; use ldap:// for StartTLS"
            )
        if server.root_certs:
            try:
                x509.load_pem_x509_certificates(server.root_certs.encode())
            except ValueError:
                raise InvalidInput(f"{path}.rootCerts: not PEM certificates") from None
    for i, search in enumerate(config.user_searches):
        path = f"userSearchConfigs[{i}]"
        check_dn(f"{path}.baseDN", search.base_dn)
        check_attr(f"{path}.usernameAttr", search.username_attr)
        check_attr(f"{path}.fullNameAttr", search.full_name_attr, required=False)
        check_filter(f"{path}.filter", search.filter)
        if search.match_group:
            check_dn(f"{path}.matchGroupDN", search.match_group_dn)
            check_attr(f"{path}.matchGroupMemberAttr", search.match_group_member_attr)
    if not 1 <= config.sync_interval_hours <= MAX_SYNC_INTERVAL_HOURS:
        raise InvalidInput(f"syncIntervalHours: between 1 and {MAX_SYNC_INTERVAL_HOURS}")
    _check_member_sync("adminSyncOpts", config.admin_sync)
    if config.enabled:
        if not config.servers:
            raise InvalidInput("servers: LDAP needs at least one server to be enabled")
        if not config.user_searches:
            raise InvalidInput(
                "userSearchConfigs: LDAP needs at least one user search to be enabled"
            )


# -- JSON in and out ------------------------------------------------------------------------


def _parse_server(path: str, data: Any, current: list[LdapServer]) -> LdapServer:
    data = _object(path, data)
    server = LdapServer(url="")
    _apply_fields(path, data, SERVER_FIELDS, server, extra=("readerPassword", "hasReaderPassword"))
    password = data.get("readerPassword")
    if password is None:
        # Not given: keep the stored password of the same server and reader.
        for old in current:
            if old.url == server.url and old.reader_dn == server.reader_dn:
                server.reader_password = old.reader_password
                break
    else:
        server.reader_password = _typed(f"{path}.readerPassword", password, str)
    return server


def _parse_search(path: str, data: Any) -> UserSearch:
    search = UserSearch(base_dn="")
    _apply_fields(path, _object(path, data), SEARCH_FIELDS, search)
    return search


def parse_member_sync(path: str, data: Any, extra: tuple[str, ...] = ()) -> MemberSync:
    sync = MemberSync()
    _apply_fields(path, _object(path, data), MEMBER_SYNC_FIELDS, sync, extra)
    _check_member_sync(path, sync)
    return sync


def _list(path: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInput(f"{path}: expected a list")
    return value


def config_from_json(data: dict[str, Any], current: LdapConfig) -> LdapConfig:
    """Apply a PUT body to the current settings: fields given replace the current ones
    (lists as a whole), others stay. Reader passwords not given are kept."""
    allowed = {name for name, _, _ in TOP_FIELDS} | {
        "servers",
        "userSearchConfigs",
        "adminSyncOpts",
    }
    for key in data:
        if key not in allowed:
            raise InvalidInput(f"unknown field {key!r}")
    config = replace(current)
    for name, attr, kind in TOP_FIELDS:
        if name in data and data[name] is not None:
            setattr(config, attr, _typed(name, data[name], kind))
    if data.get("servers") is not None:
        config.servers = [
            _parse_server(f"servers[{i}]", item, current.servers)
            for i, item in enumerate(_list("servers", data["servers"]))
        ]
    if data.get("userSearchConfigs") is not None:
        config.user_searches = [
            _parse_search(f"userSearchConfigs[{i}]", item)
            for i, item in enumerate(_list("userSearchConfigs", data["userSearchConfigs"]))
        ]
    if data.get("adminSyncOpts") is not None:
        config.admin_sync = parse_member_sync("adminSyncOpts", data["adminSyncOpts"])
    validate_config(config)
    return config


def member_sync_view(sync: MemberSync) -> dict[str, Any]:
    return _view(MEMBER_SYNC_FIELDS, sync)


def config_view(config: LdapConfig) -> dict[str, Any]:
    """The settings as the API shows them: without any password."""
    return {
        **_view(TOP_FIELDS, config),
        "servers": [
            {**_view(SERVER_FIELDS, s), "hasReaderPassword": bool(s.reader_password)}
            for s in config.servers
        ],
        "userSearchConfigs": [_view(SEARCH_FIELDS, s) for s in config.user_searches],
        "adminSyncOpts": member_sync_view(config.admin_sync),
    }


# -- storage --------------------------------------------------------------------------------


class SecretBox:
    """AES-GCM for secrets stored in the database (the reader passwords)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def derived_from(cls, material: bytes, purpose: bytes) -> SecretBox:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
        return cls(hkdf.derive(material))

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(
            nonce + self._aead.encrypt(nonce, plaintext.encode(), None)
        ).decode()

    def open(self, sealed: str) -> str | None:
        """The plaintext, or None when it was sealed with another key or is damaged."""
        try:
            raw = base64.b64decode(sealed, validate=True)
            return self._aead.decrypt(raw[:12], raw[12:], None).decode()
        except (binascii.Error, ValueError, InvalidTag):
            return None


def _to_storage(config: LdapConfig, box: SecretBox) -> dict[str, Any]:
    def server(s: LdapServer) -> dict[str, Any]:
        row = {attr: getattr(s, attr) for _, attr, _ in SERVER_FIELDS}
        row["reader_password_sealed"] = box.seal(s.reader_password) if s.reader_password else ""
        return row

    return {
        **{attr: getattr(config, attr) for _, attr, _ in TOP_FIELDS},
        "servers": [server(s) for s in config.servers],
        "user_searches": [
            {attr: getattr(s, attr) for _, attr, _ in SEARCH_FIELDS} for s in config.user_searches
        ],
        "admin_sync": {attr: getattr(config.admin_sync, attr) for _, attr, _ in MEMBER_SYNC_FIELDS},
    }


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = set(cls.__dataclass_fields__)  # type: ignore[attr-defined]
    return {k: v for k, v in data.items() if k in names}


def _from_storage(value: dict[str, Any], box: SecretBox) -> LdapConfig:
    servers = []
    for row in value.get("servers", []):
        server = LdapServer(**_known(LdapServer, row))
        sealed = row.get("reader_password_sealed") or ""
        if sealed:
            opened = box.open(sealed)
            # An unreadable password (the signing key was replaced) counts as unset;
            # connecting then fails with a message asking to set it again.
            server.reader_password = opened or ""
        servers.append(server)
    return _build(value, servers)


def _build(value: dict[str, Any], servers: list[LdapServer]) -> LdapConfig:
    top = {attr: value[attr] for _, attr, _ in TOP_FIELDS if attr in value}
    return LdapConfig(
        **top,
        servers=servers,
        user_searches=[UserSearch(**_known(UserSearch, s)) for s in value.get("user_searches", [])],
        admin_sync=MemberSync(**_known(MemberSync, value.get("admin_sync", {}))),
    )


def load_config(session: Session, box: SecretBox) -> LdapConfig:
    row = session.get(AdminSetting, SETTINGS_KEY)
    if row is None:
        return LdapConfig()
    return _from_storage(row.value, box)


def save_config(session: Session, box: SecretBox, config: LdapConfig) -> None:
    validate_config(config)
    value = _to_storage(config, box)
    row = session.get(AdminSetting, SETTINGS_KEY)
    if row is None:
        session.add(AdminSetting(key=SETTINGS_KEY, value=value))
    else:
        row.value = value
    session.flush()
