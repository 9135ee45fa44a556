"""Identity and access: accounts, organizations, teams, sessions, access tokens,
registry tokens, roles, collections, grants and the authorization decision."""

from __future__ import annotations

from dataclasses import dataclass

from wharf.access.access_tokens import account_for_token
from wharf.access.accounts import Authenticator
from wharf.access.api_auth import ApiAuth
from wharf.access.ldap import LdapService
from wharf.access.settings import AuthSettings, LockoutSettings, SessionSettings
from wharf.access.snapshot import SnapshotCache
from wharf.access.tokens import TokenService, load_or_create_signing_key
from wharf.core.config import Settings
from wharf.core.db import Database

SETTINGS_SECTIONS = [AuthSettings, SessionSettings, LockoutSettings]


@dataclass(frozen=True)
class AccessServices:
    tokens: TokenService
    authenticator: Authenticator
    api_auth: ApiAuth
    snapshots: SnapshotCache
    ldap: LdapService


def build_access(settings: Settings, db: Database) -> AccessServices:
    key = load_or_create_signing_key(settings.keys_dir)
    authenticator = Authenticator(settings.credential_cache_seconds)
    authenticator.token_login = account_for_token
    # Reader passwords are sealed with a key derived from the signing key.
    ldap = LdapService.with_key_material(db, key.private_numbers().private_value.to_bytes(32))
    authenticator.directory = ldap.directory_login
    return AccessServices(
        tokens=TokenService(key, settings.service_name, settings.token_ttl_seconds),
        authenticator=authenticator,
        api_auth=ApiAuth(db, authenticator),
        snapshots=SnapshotCache(db),
        ldap=ldap,
    )
