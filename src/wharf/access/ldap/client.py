"""Talking to the directory with ldap3: reader binds, (paged) searches, user binds and
group members.

Every connection has connect and receive timeouts, never follows referrals (they could
send a bind to another host), and is closed after use. Errors become
:class:`DirectoryError` with a message that is safe to show an admin — it names the
server and the operation, never a password.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ldap3
from ldap3.utils.conv import escape_filter_chars

from wharf.access.ldap.config import (
    LdapConfig,
    LdapServer,
    MemberSync,
    UserSearch,
    is_dn,
    normalize_dn,
)

CONNECT_TIMEOUT = 5.0
RECEIVE_TIMEOUT = 15  # seconds; ldap3 needs an integer here
PAGE_SIZE = 500
RESULT_INVALID_CREDENTIALS = 49
RESULT_NO_SUCH_OBJECT = 32


class DirectoryError(Exception):
    """The directory could not be used (unreachable, TLS failure, reader refused, a bad
    base DN...). The message is safe to show an admin."""


@dataclass(frozen=True)
class DirectoryUser:
    username: str
    dn: str
    full_name: str
    server: LdapServer = field(compare=False, repr=False)
    search_index: int = 0

    @property
    def account_name(self) -> str:
        return self.username.lower()


@dataclass
class MemberSet:
    """Who a group or search matched: normalized DNs, plus bare names for groups whose
    member attribute holds user names (``memberUid``)."""

    dns: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def add(self, value: str) -> None:
        if is_dn(value):
            self.dns.add(normalize_dn(value))
        elif value:
            self.names.add(value.lower())

    def contains(self, dn: str | None, name: str) -> bool:
        return (dn is not None and normalize_dn(dn) in self.dns) or name.lower() in self.names


def _values(attributes: dict[str, Any], name: str) -> list[str]:
    if not name:
        return []
    for key, value in attributes.items():
        if key.lower() == name.lower():
            if isinstance(value, list | tuple):
                return [
                    v.decode(errors="replace") if isinstance(v, bytes) else str(v) for v in value
                ]
            if value is None:
                return []
            return [value.decode(errors="replace") if isinstance(value, bytes) else str(value)]
    return []


def _and(*filters: str) -> str:
    parts = [f for f in filters if f]
    if not parts:
        return "(objectClass=*)"
    if len(parts) == 1:
        return parts[0]
    return "(&" + "".join(parts) + ")"


def _in_scope(dn: str, base: str, subtree: bool) -> bool:
    ndn, nbase = normalize_dn(dn), normalize_dn(base)
    if subtree:
        return ndn == nbase or ndn.endswith("," + nbase)
    head, sep, parent = ndn.partition(",")
    return bool(sep) and parent == nbase and bool(head)


class Directory:
    """One configuration's view of the directory."""

    def __init__(
        self,
        config: LdapConfig,
        connect_timeout: float = CONNECT_TIMEOUT,
        receive_timeout: int = RECEIVE_TIMEOUT,
    ) -> None:
        self.config = config
        self.connect_timeout = connect_timeout
        self.receive_timeout = receive_timeout

    # -- servers and connections ---------------------------------------------------------------

    def server_for(self, base_dn: str) -> LdapServer:
        """The server whose domain is the longest suffix of ``base_dn``; else the first."""
        if not self.config.servers:
            raise DirectoryError("no LDAP server is configured")
        base = normalize_dn(base_dn)
        best: LdapServer | None = None
        best_len = -1
        for server in self.config.servers:
            if not server.domain:
                continue
            domain = normalize_dn(server.domain)
            if (base == domain or base.endswith("," + domain)) and len(domain) > best_len:
                best, best_len = server, len(domain)
        return best or self.config.servers[0]

    def _ldap3_server(self, server: LdapServer) -> ldap3.Server:
        tls = None
        secure = server.url.startswith("ldaps:")
        if secure or server.start_tls:
            tls = ldap3.Tls(
                validate=ssl.CERT_NONE if server.tls_skip_verify else ssl.CERT_REQUIRED,
                ca_certs_data=server.root_certs or None,
            )
        return ldap3.Server(
            server.url,
            use_ssl=secure,
            tls=tls,
            get_info=ldap3.NONE,
            connect_timeout=self.connect_timeout,
        )

    def _open(self, server: LdapServer, user: str | None, password: str | None) -> ldap3.Connection:
        conn = ldap3.Connection(
            self._ldap3_server(server),
            user=user or None,
            password=password or None,
            auto_bind=ldap3.AUTO_BIND_NONE,
            auto_referrals=False,
            receive_timeout=self.receive_timeout,
            raise_exceptions=False,
            return_empty_attributes=True,
        )
        try:
            conn.open()
            if server.start_tls and not conn.start_tls():
                raise DirectoryError(f"{server.url}: StartTLS refused: {conn.result}")
        except DirectoryError:
            _close(conn)
            raise
        except Exception as exc:  # ldap3 raises socket, ssl and struct errors too
            _close(conn)
            raise DirectoryError(f"{server.url}: cannot connect: {_reason(exc)}") from None
        return conn

    @contextmanager
    def reader(self, server: LdapServer) -> Iterator[ldap3.Connection]:
        """A connection bound as the server's reader (anonymous when none is set)."""
        if server.reader_dn and not server.reader_password:
            raise DirectoryError(
                f"{server.url}: the reader password is missing or unreadable; set it again"
            )
        conn = self._open(server, server.reader_dn, server.reader_password)
        try:
            try:
                bound = conn.bind()
            except Exception as exc:
                raise DirectoryError(f"{server.url}: reader bind failed: {_reason(exc)}") from None
            if not bound:
                who = server.reader_dn or "anonymous"
                raise DirectoryError(
                    f"{server.url}: reader bind as {who} refused: "
                    f"{conn.result.get('description', '')} {conn.result.get('message', '')}".strip()
                )
            yield conn
        finally:
            _close(conn)

    def search(
        self,
        conn: ldap3.Connection,
        server: LdapServer,
        base: str,
        search_filter: str,
        subtree: bool,
        attributes: list[str],
    ) -> list[tuple[str, dict[str, Any]]]:
        """Entries (dn, attributes) under ``base``; paged unless the server says not to."""
        scope = ldap3.SUBTREE if subtree else ldap3.LEVEL
        attrs = [a for a in attributes if a] or [ldap3.NO_ATTRIBUTES]
        try:
            if server.no_simple_pagination:
                conn.search(base, search_filter, scope, attributes=attrs)
                entries = list(conn.response or [])
            else:
                entries = list(
                    conn.extend.standard.paged_search(
                        base,
                        search_filter,
                        scope,
                        attributes=attrs,
                        paged_size=PAGE_SIZE,
                        generator=True,
                    )
                )
        except Exception as exc:
            if getattr(exc, "result", None) == RESULT_NO_SUCH_OBJECT:
                raise DirectoryError(f"{server.url}: {base!r} does not exist") from None
            raise DirectoryError(
                f"{server.url}: search of {base!r} failed: {_reason(exc)}"
            ) from None
        result = conn.result or {}
        code = result.get("result", 0)
        if code == RESULT_NO_SUCH_OBJECT:
            raise DirectoryError(f"{server.url}: {base!r} does not exist")
        if code not in (0, 4):  # success, or size limit exceeded with partial results
            raise DirectoryError(
                f"{server.url}: search of {base!r} failed: {result.get('description', code)} "
                f"{result.get('message', '')}".strip()
            )
        return [
            (str(e["dn"]), dict(e.get("attributes") or {}))
            for e in entries
            if e.get("type") == "searchResEntry"
        ]

    def read(
        self,
        conn: ldap3.Connection,
        server: LdapServer,
        dn: str,
        search_filter: str,
        attrs: list[str],
    ) -> dict[str, Any] | None:
        """One entry's attributes if it exists and matches the filter."""
        try:
            conn.search(
                dn,
                search_filter,
                ldap3.BASE,
                attributes=[a for a in attrs if a] or [ldap3.NO_ATTRIBUTES],
            )
        except Exception as exc:
            raise DirectoryError(f"{server.url}: reading {dn!r} failed: {_reason(exc)}") from None
        for entry in conn.response or []:
            if entry.get("type") == "searchResEntry":
                return dict(entry.get("attributes") or {})
        return None

    # -- users -------------------------------------------------------------------------------

    def _group_members(
        self, conn: ldap3.Connection, server: LdapServer, group_dn: str, attr: str
    ) -> MemberSet:
        entry = self.read(conn, server, group_dn, "(objectClass=*)", [attr])
        if entry is None:
            raise DirectoryError(f"{server.url}: group {group_dn!r} does not exist")
        members = MemberSet()
        for value in _values(entry, attr):
            members.add(value)
        return members

    def _user(
        self,
        dn: str,
        attributes: dict[str, Any],
        search: UserSearch,
        server: LdapServer,
        index: int,
        wanted: str | None = None,
    ) -> DirectoryUser | None:
        names = _values(attributes, search.username_attr)
        if not names:
            return None
        username = names[0]
        if wanted is not None:
            matching = [n for n in names if n.lower() == wanted.lower()]
            if not matching:
                return None
            username = matching[0]
        full = _values(attributes, search.full_name_attr)
        return DirectoryUser(username, dn, full[0] if full else "", server, index)

    def search_users(self, index: int) -> list[DirectoryUser]:
        """Every user the index-th search configuration matches."""
        search = self.config.user_searches[index]
        server = self.server_for(search.base_dn)
        attrs = [search.username_attr, search.full_name_attr]
        user_filter = _and(search.filter, f"({search.username_attr}=*)")
        found: list[DirectoryUser] = []
        with self.reader(server) as conn:
            members = (
                self._group_members(
                    conn, server, search.match_group_dn, search.match_group_member_attr
                )
                if search.match_group
                else None
            )
            if members is not None and search.match_group_iterate:
                for dn in sorted(members.dns):
                    if not _in_scope(dn, search.base_dn, search.scope_subtree):
                        continue
                    entry = self.read(conn, server, dn, user_filter, attrs)
                    if entry is not None and (user := self._user(dn, entry, search, server, index)):
                        found.append(user)
                return found
            for dn, entry in self.search(
                conn, server, search.base_dn, user_filter, search.scope_subtree, attrs
            ):
                user = self._user(dn, entry, search, server, index)
                if user is None:
                    continue
                if members is not None and not members.contains(dn, user.username):
                    continue
                found.append(user)
        return found

    def find_user(self, username: str) -> DirectoryUser | None:
        """The user called ``username`` by the first search configuration that matches
        them, or None. A name that matches several entries in one search is ambiguous
        and matches nothing there."""
        for index, search in enumerate(self.config.user_searches):
            server = self.server_for(search.base_dn)
            attrs = [search.username_attr, search.full_name_attr]
            user_filter = _and(
                search.filter, f"({search.username_attr}={escape_filter_chars(username)})"
            )
            with self.reader(server) as conn:
                entries = self.search(
                    conn, server, search.base_dn, user_filter, search.scope_subtree, attrs
                )
                users = [
                    u
                    for dn, entry in entries
                    if (u := self._user(dn, entry, search, server, index, wanted=username))
                ]
                if len(users) != 1:
                    continue
                user = users[0]
                if search.match_group:
                    members = self._group_members(
                        conn, server, search.match_group_dn, search.match_group_member_attr
                    )
                    if not members.contains(user.dn, user.username):
                        continue
                return user
        return None

    def check_password(self, user: DirectoryUser, password: str) -> bool:
        """Whether ``password`` binds as the user. An empty password is refused here:
        servers treat it as an anonymous bind, which always succeeds."""
        if not password:
            return False
        conn = self._open(user.server, user.dn, password)
        try:
            try:
                return bool(conn.bind())
            except Exception as exc:
                raise DirectoryError(f"{user.server.url}: bind failed: {_reason(exc)}") from None
        finally:
            _close(conn)

    # -- team and admin membership ------------------------------------------------------------

    def members(self, sync: MemberSync) -> MemberSet:
        """Who a team's (or the admins') member sync matches."""
        if sync.select_group_members:
            server = self.server_for(sync.group_dn)
            with self.reader(server) as conn:
                return self._group_members(conn, server, sync.group_dn, sync.group_member_attr)
        server = self.server_for(sync.search_base_dn)
        members = MemberSet()
        with self.reader(server) as conn:
            for dn, _ in self.search(
                conn,
                server,
                sync.search_base_dn,
                sync.search_filter or "(objectClass=*)",
                sync.search_scope_subtree,
                [],
            ):
                members.dns.add(normalize_dn(dn))
        return members


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _close(conn: ldap3.Connection) -> None:
    # Closing a connection that may already be dead.
    with contextlib.suppress(Exception):
        conn.unbind()
