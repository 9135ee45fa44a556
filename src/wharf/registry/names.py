"""Grammar of repository names, tags and digests (OCI distribution spec)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wharf.registry.errors import ErrorCode, RegistryError

COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY_NAME = re.compile(rf"^{COMPONENT}(?:/{COMPONENT})*$")
TAG = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")
DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
MAX_NAME_LENGTH = 255

HEX_LENGTHS = {"sha256": 64, "sha512": 128}


def validate_repository_name(name: str) -> str:
    if len(name) > MAX_NAME_LENGTH:
        raise RegistryError(
            ErrorCode.NAME_INVALID,
            f"repository name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}",
            detail={"name": name[:64] + "..."},
        )
    if not REPOSITORY_NAME.match(name):
        raise RegistryError(
            ErrorCode.NAME_INVALID,
            "invalid repository name: use lower-case components of letters and digits "
            "separated by '/', with single '.', '_', '__' or '-' inside a component",
            detail={"name": name},
        )
    if "/" not in name:
        raise RegistryError(
            ErrorCode.NAME_INVALID,
            "repository names need a namespace: <user or organization>/<repository>",
            detail={"name": name},
        )
    return name


def namespace_of(name: str) -> str:
    return name.split("/", 1)[0]


def is_tag(reference: str) -> bool:
    return TAG.match(reference) is not None


@dataclass(frozen=True)
class Digest:
    algorithm: str
    hex: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"


def parse_digest(text: str) -> Digest:
    """A supported digest, or DIGEST_INVALID."""
    if not DIGEST.match(text):
        raise RegistryError(ErrorCode.DIGEST_INVALID, f"invalid digest {text!r}")
    algorithm, hex_digest = text.split(":", 1)
    expected = HEX_LENGTHS.get(algorithm)
    if expected is None:
        raise RegistryError(
            ErrorCode.DIGEST_INVALID,
            f"unsupported digest algorithm {algorithm!r}; use sha256 or sha512",
        )
    if len(hex_digest) != expected or not re.fullmatch(r"[a-f0-9]+", hex_digest):
        raise RegistryError(ErrorCode.DIGEST_INVALID, f"invalid {algorithm} digest {text!r}")
    return Digest(algorithm, hex_digest)
