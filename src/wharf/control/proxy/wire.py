"""HTTP/1.1 on raw asyncio streams, just enough to proxy the Docker Engine API.

An ASGI server cannot hand over the socket, and the Docker API needs exactly that:
``docker exec -it`` and ``docker attach`` upgrade the connection to a raw bidirectional
stream. So the proxy speaks HTTP/1.1 itself: it parses request and response heads, and
relays bodies verbatim while following their framing (Content-Length, chunked, or
until close), which keeps client connections alive between requests.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_HEAD = 64 * 1024
RELAY_CHUNK = 256 * 1024
# The end of a chunked body without trailers (Docker engines send none).
CHUNKED_END = b"\r\n0\r\n\r\n"


class ProtocolError(Exception):
    """The peer sent something that is not HTTP/1.1 we can proxy."""


@dataclass
class Head:
    """A request or response head. ``headers`` keeps order and case for relaying."""

    start_line: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self.headers if k.lower() == lname]

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.headers.append((name, value))

    def remove(self, name: str) -> None:
        lname = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lname]

    def encode(self) -> bytes:
        lines = [self.start_line, *(f"{k}: {v}" for k, v in self.headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Request:
    head: Head
    method: str
    target: str
    version: str

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def param(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[-1] if values else default

    @property
    def params(self) -> dict[str, str]:
        """Each query parameter's last value (as the engine reads them): what Wharf
        passes on when it repeats a request to other node engines."""
        return {name: values[-1] for name, values in self.query.items()}

    @property
    def keep_alive(self) -> bool:
        connection = (self.head.get("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    @property
    def wants_upgrade(self) -> bool:
        return "upgrade" in (self.head.get("connection") or "").lower()


@dataclass
class Response:
    head: Head
    status: int
    version: str

    @property
    def closes(self) -> bool:
        return "close" in (self.head.get("connection") or "").lower()


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    """The raw head up to the blank line; None at a clean end of stream."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise ProtocolError("connection closed in the middle of a message head") from None
    except asyncio.LimitOverrunError:
        raise ProtocolError("message head larger than 64 KiB") from None
    return raw


def _parse_head(raw: bytes) -> Head:
    try:
        text = raw.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes everything
        raise ProtocolError("undecodable head") from None
    lines = text.split("\r\n")
    head = Head(lines[0])
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ProtocolError(f"malformed header line {line[:80]!r}")
        head.headers.append((name, value.strip()))
    return head


def parse_request(raw: bytes) -> Request:
    head = _parse_head(raw)
    parts = head.start_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ProtocolError(f"malformed request line {head.start_line[:80]!r}")
    return Request(head, parts[0].upper(), parts[1], parts[2])


def parse_response(raw: bytes) -> Response:
    head = _parse_head(raw)
    parts = head.start_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise ProtocolError(f"malformed status line {head.start_line[:80]!r}")
    return Response(head, int(parts[1]), parts[0])


@dataclass(frozen=True)
class Framing:
    """How a body is delimited: ``length`` bytes, ``chunked``, ``close`` (until the end
    of the stream), or ``none``."""

    kind: str
    length: int = 0


NO_BODY = Framing("none")


def request_framing(head: Head) -> Framing:
    if "chunked" in (head.get("transfer-encoding") or "").lower():
        return Framing("chunked")
    length = head.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise ProtocolError(f"invalid Content-Length {length!r}")
        return Framing("length", int(length)) if int(length) else NO_BODY
    return NO_BODY


def response_framing(response: Response, request_method: str) -> Framing:
    if request_method == "HEAD" or response.status in (204, 304) or response.status < 200:
        return NO_BODY
    if "chunked" in (response.head.get("transfer-encoding") or "").lower():
        return Framing("chunked")
    length = response.head.get("content-length")
    if length is not None and length.isdigit():
        return Framing("length", int(length)) if int(length) else NO_BODY
    return Framing("close")


async def relay_response(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, framing: Framing, head: bytes
) -> None:
    """Send ``head`` and copy the body behind it from an engine connection that was asked
    to close after answering (``Connection: close``), in the largest pieces available.
    The head goes out with the first bytes of the body, in one write, when those are
    already there.

    The body is copied to the connection's end rather than followed through its framing:
    engines send a chunk per log line, and parsing millions of them would cost more CPU
    than the engine's own work. Only its end is checked (a chunked body's last chunk, a
    length), so a body cut short is never passed off as complete."""
    pending = head
    if framing.kind == "none" or not _buffered(reader):
        # Nothing of the body yet (``wait`` answers its head at once and its body when
        # the container exits): the client must not wait for the head.
        writer.write(head)
        await writer.drain()
        pending = b""
    copied = 0
    tail = b""
    if framing.kind != "none":
        while data := await reader.read(RELAY_CHUNK):
            if framing.kind == "length":
                data = data[: framing.length - copied]
            elif framing.kind == "chunked":
                tail = (tail + data)[-len(CHUNKED_END) :]
            copied += len(data)
            writer.write(pending + data if pending else data)
            pending = b""
            await writer.drain()
            if framing.kind == "length" and copied == framing.length:
                break
    if pending:
        writer.write(pending)
        await writer.drain()
    if framing.kind == "chunked" and tail != CHUNKED_END:
        raise ProtocolError("the engine's chunked body ended before its last chunk")
    if framing.kind == "length" and copied != framing.length:
        raise ProtocolError("the engine's body ended before its Content-Length")


async def relay(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, framing: Framing
) -> int:
    """Copy one body verbatim (framing bytes included), never reading past its end (the
    client may send its next request right behind); returns payload bytes copied."""
    copied = 0
    if framing.kind == "length":
        remaining = framing.length
        while remaining:
            chunk = await reader.read(min(RELAY_CHUNK, remaining))
            if not chunk:
                raise ProtocolError("body ended before its Content-Length")
            writer.write(chunk)
            await writer.drain()
            remaining -= len(chunk)
            copied += len(chunk)
    elif framing.kind == "chunked":
        # Chunks are parsed (to find the body's end) but written in batches: engines send
        # a chunk per log line, and a write — a TLS record — per line would crawl.
        batch = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            batch += size_line
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError("malformed chunk size") from None
            if size == 0:
                # Trailers (usually none) up to the blank line.
                while True:
                    line = await reader.readuntil(b"\r\n")
                    batch += line
                    if line == b"\r\n":
                        break
                writer.write(bytes(batch))
                await writer.drain()
                break
            remaining = size + 2  # the data and its CRLF
            while remaining:
                chunk = await reader.read(min(RELAY_CHUNK, remaining))
                if not chunk:
                    raise ProtocolError("stream ended inside a chunk")
                batch += chunk
                remaining -= len(chunk)
            copied += size
            if len(batch) >= RELAY_CHUNK or not _buffered(reader):
                writer.write(bytes(batch))
                batch.clear()
                await writer.drain()
    elif framing.kind == "close":
        while chunk := await reader.read(RELAY_CHUNK):
            writer.write(chunk)
            await writer.drain()
            copied += len(chunk)
    return copied


def _buffered(reader: asyncio.StreamReader) -> bool:
    """Whether more bytes are already waiting in the reader (so a flush can wait)."""
    return bool(getattr(reader, "_buffer", b""))


async def read_body(reader: asyncio.StreamReader, framing: Framing, limit: int) -> bytes:
    """The decoded body, refusing more than ``limit`` bytes."""
    body = bytearray()
    if framing.kind == "length":
        if framing.length > limit:
            raise BodyTooLarge(limit)
        return await reader.readexactly(framing.length)
    if framing.kind == "chunked":
        while True:
            size_line = await reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError("malformed chunk size") from None
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass
                return bytes(body)
            if len(body) + size > limit:
                raise BodyTooLarge(limit)
            body.extend(await reader.readexactly(size))
            await reader.readexactly(2)
    if framing.kind == "close":
        while chunk := await reader.read(RELAY_CHUNK):
            body.extend(chunk)
            if len(body) > limit:
                raise BodyTooLarge(limit)
    return bytes(body)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"body larger than {limit} bytes")


async def discard(reader: asyncio.StreamReader, framing: Framing) -> None:
    """Read and drop a body (a refused request's), so the connection stays usable."""
    sink = _Sink()
    await relay(reader, sink, framing)  # type: ignore[arg-type]


class _Sink:
    def write(self, data: bytes) -> None:
        return None

    async def drain(self) -> None:
        return None


def json_response(status: int, payload: Any, reason: str = "", *, head_only: bool = False) -> bytes:
    """A complete response with a JSON body, in the engine's style. ``head_only``: the
    answer to a HEAD request, whose head announces the body but must not carry it (the
    client would read those bytes as an unsolicited response)."""
    body = json.dumps(payload).encode()
    head = Head(
        f"HTTP/1.1 {status} {reason or _REASONS.get(status, 'Error')}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Api-Version", "1.41"),
            ("Server", "Wharf"),
        ],
    )
    return head.encode() if head_only else head.encode() + body


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
