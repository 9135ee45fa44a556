"""Small HTTP helpers every domain's routes share."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from starlette.requests import Request


@dataclass(frozen=True)
class BasicCredentials:
    username: str
    password: str


@dataclass(frozen=True)
class BearerCredentials:
    token: str


Credentials = BasicCredentials | BearerCredentials


class MalformedAuthorization(ValueError):
    pass


def parse_authorization(header: str | None) -> Credentials | None:
    """The credentials in an ``Authorization`` header; None when there is none;
    MalformedAuthorization when it cannot be understood."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "bearer" and value:
        return BearerCredentials(value)
    if scheme == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise MalformedAuthorization("malformed Basic credentials") from None
        username, sep, password = decoded.partition(":")
        if not sep or "\x00" in decoded:
            raise MalformedAuthorization("malformed Basic credentials")
        return BasicCredentials(username, password)
    raise MalformedAuthorization(f"unsupported authorization scheme {scheme!r}")


def base_url(request: Request, configured: str) -> str:
    """The URL clients reach this server at: the configured public URL, or what the
    client used to reach us."""
    if configured:
        return configured.rstrip("/")
    scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{scheme}://{host}"
