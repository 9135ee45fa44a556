"""What callers of the access domain must handle. Routes turn these into API errors."""

from __future__ import annotations


class AccessError(Exception):
    """Base of access-domain errors; the message is safe to show to the caller."""


class NotFound(AccessError):
    """Something does not exist — or the caller may not know that it does."""


class Conflict(AccessError):
    """The request contradicts existing state (a name taken, a role in use...)."""


class InvalidInput(AccessError):
    pass


class Forbidden(AccessError):
    """The caller is known and the object visible, but the action is not theirs."""


class InvalidCredentials(AccessError):
    """Unknown user, wrong password, inactive or locked account: deliberately one error,
    so callers cannot tell the cases apart."""


class InvalidAccountName(InvalidInput):
    pass


class AccountExists(Conflict):
    pass


class TokenInvalid(AccessError):
    """A token that is malformed, not signed by us, for another service, or expired."""
