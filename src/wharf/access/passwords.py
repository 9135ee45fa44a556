"""Password hashing with argon2id.

The cost defaults to argon2-cffi's RFC 9106 "low memory" profile (3 passes, 64 MiB).
``WHARF_ARGON2_TIME_COST`` and ``WHARF_ARGON2_MEMORY_KIB`` tune it for the machine; hashes
record their own parameters, so changing them never locks anyone out.
"""

from __future__ import annotations

import os
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher(
    time_cost=int(os.environ.get("WHARF_ARGON2_TIME_COST", "3")),
    memory_cost=int(os.environ.get("WHARF_ARGON2_MEMORY_KIB", str(64 * 1024))),
)
# A real hash to verify against when the user does not exist, so that "unknown user"
# and "wrong password" take the same time and cannot be told apart.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(18)
