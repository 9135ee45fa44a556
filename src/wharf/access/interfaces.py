"""What callers of the access domain must handle."""

from __future__ import annotations


class AccessError(Exception):
    """Base of access-domain errors."""


class InvalidCredentials(AccessError):
    """Unknown user, wrong password, or inactive account: deliberately one error, so
    callers cannot tell the cases apart."""


class InvalidAccountName(AccessError):
    pass


class AccountExists(AccessError):
    pass


class TokenInvalid(AccessError):
    """A token that is malformed, not signed by us, for another service, or expired."""
