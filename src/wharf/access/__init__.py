"""Identity and access: accounts, passwords, registry tokens, and (as it grows) teams,
roles, collections and grants."""

from __future__ import annotations

from dataclasses import dataclass

from wharf.access.accounts import Authenticator
from wharf.access.tokens import TokenService, load_or_create_signing_key
from wharf.core.config import Settings


@dataclass(frozen=True)
class AccessServices:
    tokens: TokenService
    authenticator: Authenticator


def build_access(settings: Settings) -> AccessServices:
    key = load_or_create_signing_key(settings.keys_dir)
    return AccessServices(
        tokens=TokenService(key, settings.service_name, settings.token_ttl_seconds),
        authenticator=Authenticator(settings.credential_cache_seconds),
    )
