from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from wharf.access.interfaces import TokenInvalid
from wharf.access.scopes import Scope
from wharf.access.tokens import TokenService, load_or_create_signing_key

PULL = Scope("repository", "alice/app", frozenset({"pull"}))


@pytest.fixture
def service(tmp_path: Path) -> TokenService:
    return TokenService(load_or_create_signing_key(tmp_path / "keys"), "wharf", ttl_seconds=60)


def test_issued_tokens_verify_and_carry_only_granted_access(service: TokenService) -> None:
    issued = service.issue("alice", [PULL])
    claims = service.verify(issued.token)
    assert claims.subject == "alice"
    assert claims.allows("repository", "alice/app", "pull")
    assert not claims.allows("repository", "alice/app", "push")
    assert not claims.allows("repository", "bob/app", "pull")
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "ES256"
    assert header["kid"]


def test_signing_key_is_created_once_with_private_mode(tmp_path: Path) -> None:
    key1 = load_or_create_signing_key(tmp_path / "keys")
    key2 = load_or_create_signing_key(tmp_path / "keys")
    assert key1.private_numbers() == key2.private_numbers()
    assert (tmp_path / "keys" / "token-signing.pem").stat().st_mode & 0o777 == 0o600


def test_token_from_another_key_is_refused(service: TokenService, tmp_path: Path) -> None:
    other = TokenService(ec.generate_private_key(ec.SECP256R1()), "wharf")
    with pytest.raises(TokenInvalid):
        service.verify(other.issue("alice", [PULL]).token)


def test_token_for_another_service_is_refused(service: TokenService) -> None:
    other = TokenService(service._private_key, "other-registry")
    with pytest.raises(TokenInvalid):
        service.verify(other.issue("alice", [PULL]).token)


def test_tampered_token_is_refused(service: TokenService) -> None:
    token = service.issue("alice", [PULL]).token
    header, _payload, signature = token.split(".")
    forged = jwt.encode({"sub": "admin"}, "s" * 32, algorithm="HS256").split(".")[1]
    with pytest.raises(TokenInvalid):
        service.verify(f"{header}.{forged}.{signature}")
    with pytest.raises(TokenInvalid):
        service.verify("not-a-token")


def test_expired_tokens_are_refused_even_when_cached(service: TokenService) -> None:
    short = TokenService(service._private_key, "wharf", ttl_seconds=1)
    token = short.issue("alice", [PULL]).token
    assert short.verify(token).subject == "alice"
    time.sleep(2.1)
    with pytest.raises(TokenInvalid, match="expired"):
        short.verify(token)
    with pytest.raises(TokenInvalid, match="expired"):
        service.verify(token)
