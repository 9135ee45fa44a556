"""Shared plumbing of the JSON REST APIs (accounts, access control, /api/v0): one error
format, JSON bodies read with a size limit, paging parameters.

Errors look like the trusted registry's: ``{"errors": [{"code", "message"}]}``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

MAX_JSON_BODY = 1024 * 1024
# Offsets go to the database as 64-bit integers; no list is anywhere near this long.
MAX_START = 2**31 - 1


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        return JSONResponse(
            {"errors": [{"code": self.code, "message": self.message}]},
            status_code=self.status,
            headers=self.headers,
        )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "INVALID_INPUT", message)


async def json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_JSON_BODY:
        raise ApiError(413, "TOO_LARGE", "request body larger than 1 MiB")
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request("request body must be a JSON object")
    if not storable_text(data):
        raise bad_request(
            "request body holds a NUL character or an unpaired UTF-16 surrogate; "
            "no field of Wharf's may"
        )
    return data


def storable_text(value: Any) -> bool:
    """Whether every string in a parsed JSON value can be stored as text: JSON can
    spell a NUL (``\\u0000``) or half a surrogate pair (``\\ud800``), which
    PostgreSQL refuses and UTF-8 cannot encode."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode()
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable_text(k) and storable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable_text(v) for v in value)
    return True


def field(data: dict[str, Any], name: str, kind: type, required: bool = False) -> Any:
    """A typed field of a JSON body; a clear 400 when it has the wrong type."""
    if name not in data or data[name] is None:
        if required:
            raise bad_request(f"{name!r} is required")
        return None
    value = data[name]
    if kind is int and isinstance(value, bool):
        raise bad_request(f"{name!r} must be an integer")
    if not isinstance(value, kind):
        raise bad_request(f"{name!r} must be {'a' if kind is not int else 'an'} {kind.__name__}")
    return value


def paging(request: Request, default_limit: int = 100, max_limit: int = 1000) -> tuple[int, int]:
    """``start`` and ``limit`` query parameters, validated."""
    try:
        start = int(request.query_params.get("start", 0))
        limit = int(request.query_params.get("limit", default_limit))
    except ValueError:
        raise bad_request("start and limit must be integers") from None
    if not 0 <= start <= MAX_START or limit < 1:
        raise bad_request(f"start must be between 0 and {MAX_START}, and limit >= 1")
    return start, min(limit, max_limit)


def flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("1", "true", "yes")
