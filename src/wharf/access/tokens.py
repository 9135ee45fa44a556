"""Registry tokens: short-lived ES256 JWTs, as the Docker token authentication spec
describes. The control plane signs them; the registry verifies them with the public key.

Verification is cached by token string: a pull sends the same token with each of its
requests and ECDSA verification is the most expensive step on the hot path.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from wharf.access.interfaces import TokenInvalid
from wharf.access.scopes import Scope

ISSUER = "wharf-token-service"
KEY_FILE = "token-signing.pem"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_or_create_signing_key(keys_dir: Path) -> ec.EllipticCurvePrivateKey:
    """The P-256 key that signs every token, created (mode 0600) on first start."""
    path = keys_dir / KEY_FILE
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an EC private key")
        return key
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.replace(tmp, path)
    return key


def key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638 JWK thumbprint: a stable name for the key in the JWT header."""
    numbers = public_key.public_numbers()
    jwk = {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


@dataclass(frozen=True)
class TokenClaims:
    subject: str  # account name, "" for anonymous
    access: tuple[Scope, ...]
    expires_at: float

    def allows(self, resource_type: str, name: str, action: str) -> bool:
        return any(
            s.type == resource_type and s.name == name and (action in s.actions or "*" in s.actions)
            for s in self.access
        )


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    issued_at: str


class TokenService:
    """Issues and verifies registry tokens for one service audience."""

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey,
        service: str,
        ttl_seconds: int = 300,
        cache_entries: int = 10_000,
    ) -> None:
        self._private_key = private_key
        self._public_key = private_key.public_key()
        self._kid = key_id(self._public_key)
        self.service = service
        self.ttl = ttl_seconds
        self._cache: OrderedDict[str, TokenClaims] = OrderedDict()
        self._cache_entries = cache_entries

    @property
    def public_key_pem(self) -> bytes:
        return self._public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def issue(self, subject: str, access: list[Scope]) -> IssuedToken:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": subject,
            "aud": self.service,
            "iat": now,
            "nbf": now - 1,
            "exp": now + self.ttl,
            "jti": secrets.token_urlsafe(16),
            "access": [s.to_claim() for s in access],
        }
        token = jwt.encode(claims, self._private_key, algorithm="ES256", headers={"kid": self._kid})
        issued_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        return IssuedToken(token=token, expires_in=self.ttl, issued_at=issued_at)

    def verify(self, token: str) -> TokenClaims:
        """The claims of a valid token; raises TokenInvalid."""
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None:
            if cached.expires_at > now:
                return cached
            self._cache.pop(token, None)
            raise TokenInvalid("token expired")
        try:
            raw = jwt.decode(
                token,
                self._public_key,
                algorithms=["ES256"],
                audience=self.service,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenInvalid("token expired") from None
        except jwt.PyJWTError as exc:
            raise TokenInvalid(f"invalid token: {exc}") from None
        access = tuple(
            Scope(str(a.get("type", "")), str(a.get("name", "")), frozenset(a.get("actions", [])))
            for a in raw.get("access", [])
            if isinstance(a, dict)
        )
        claims = TokenClaims(subject=str(raw["sub"]), access=access, expires_at=float(raw["exp"]))
        self._cache[token] = claims
        while len(self._cache) > self._cache_entries:
            self._cache.popitem(last=False)
        return claims
