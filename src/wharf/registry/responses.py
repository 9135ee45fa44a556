"""Responses of the /v2 API: every one carries the API version header, and blobs go out
the cheapest way for their size (see ``PATHSEND_MAX_BYTES``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from wharf.core.metrics import Metrics
from wharf.registry.errors import ErrorCode, RegistryError

API_VERSION = {"Docker-Distribution-API-Version": "registry/2.0"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def registry_response(
    status: int,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    media_type: str | None = None,
) -> Response:
    return Response(
        body, status_code=status, headers={**API_VERSION, **(headers or {})}, media_type=media_type
    )


def error_response(error: RegistryError) -> Response:
    return Response(
        error.body(),
        status_code=error.status,
        headers={**API_VERSION, **error.headers},
        media_type="application/json",
    )


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single ``bytes=`` range, or None for the whole blob;
    a 416 error when the range cannot be satisfied."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    unsatisfiable = RegistryError(
        ErrorCode.RANGE_INVALID,
        f"cannot satisfy range {header!r} of a {size}-byte blob",
        headers={"Content-Range": f"bytes */{size}"},
    )
    if not match or (not match[1] and not match[2]):
        raise unsatisfiable
    if not match[1]:  # suffix: the last N bytes
        length = min(int(match[2]), size)
        if length == 0:
            raise unsatisfiable
        return size - length, size - 1
    first = int(match[1])
    last = int(match[2]) if match[2] else size - 1
    if first >= size or last < first:
        raise unsatisfiable
    return first, min(last, size - 1)


# Whole blobs up to this size go out with the server's ``pathsend``; larger ones are
# streamed from the storage driver in its 1 MiB reads. pathsend costs least per request
# (2,000 4 KiB pulls at c=8: 3,400 against 2,300 req/s streamed), but writes the socket
# 128 KiB at a time: 16 MiB blobs streamed go 9 % (c=1) to 19 % (c=8) faster, paired
# rounds, because the client wakes up and reads a tenth as often.
PATHSEND_MAX_BYTES = 1024 * 1024


class BlobResponse(Response):
    """A blob (or a byte range of it). A small whole blob on local storage goes out with
    the server's ``pathsend`` (the Rust side reads the file); anything else is streamed."""

    def __init__(
        self,
        *,
        size: int,
        headers: dict[str, str],
        local_path: str | None,
        stream: Callable[[], AsyncIterator[bytes]],
        byte_range: tuple[int, int] | None,
        head: bool,
        metrics: Metrics,
    ) -> None:
        self.status_code = 206 if byte_range else 200
        self.local_path = local_path
        self.stream = stream
        self.head = head
        self.metrics = metrics
        length = (byte_range[1] - byte_range[0] + 1) if byte_range else size
        self.length = length
        all_headers = {
            **API_VERSION,
            **headers,
            "Content-Length": str(length),
            "Accept-Ranges": "bytes",
        }
        if byte_range:
            all_headers["Content-Range"] = f"bytes {byte_range[0]}-{byte_range[1]}/{size}"
        self.background = None
        self.init_headers(all_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if self.head:
            await send({"type": "http.response.body", "body": b""})
            return
        extensions = scope.get("extensions") or {}
        if (
            self.status_code == 200
            and self.local_path is not None
            and self.length <= PATHSEND_MAX_BYTES
            and "http.response.pathsend" in extensions
        ):
            await send({"type": "http.response.pathsend", "path": self.local_path})
            self.metrics.bytes_sent.inc(self.length)
            return
        sent = 0
        try:
            async for chunk in self.stream():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                sent += len(chunk)
        finally:
            self.metrics.bytes_sent.inc(sent)
        await send({"type": "http.response.body", "body": b""})
