"""HTTP/1.1 framing of the Docker API proxy: heads, bodies and their ends."""

from __future__ import annotations

import asyncio

import pytest

from wharf.control.proxy.wire import (
    ChunkScanner,
    Framing,
    ProtocolError,
    parse_request,
    parse_response,
    read_body,
    relay,
    request_framing,
    response_framing,
)

CHUNKED = b"5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: y\r\n\r\n"


def reader_of(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


class Sink:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        return None


def test_request_head() -> None:
    request = parse_request(
        b"POST /v1.41/containers/create?name=web HTTP/1.1\r\nHost: docker\r\n"
        b"Content-Length: 12\r\nConnection: Upgrade\r\n\r\n"
    )
    assert (request.method, request.path, request.param("name")) == (
        "POST",
        "/v1.41/containers/create",
        "web",
    )
    assert request.wants_upgrade
    assert request.keep_alive
    assert request_framing(request.head) == Framing("length", 12)


def test_malformed_heads_are_refused() -> None:
    with pytest.raises(ProtocolError):
        parse_request(b"GARBAGE\r\n\r\n")
    with pytest.raises(ProtocolError):
        parse_request(b"GET / HTTP/1.1\r\nno colon here\r\n\r\n")
    with pytest.raises(ProtocolError):
        parse_response(b"HTTP/1.1 abc\r\n\r\n")
    with pytest.raises(ProtocolError):
        request_framing(parse_request(b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").head)


def test_response_framing() -> None:
    chunked = parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert response_framing(chunked, "GET").kind == "chunked"
    assert response_framing(chunked, "HEAD").kind == "none"
    no_length = parse_response(b"HTTP/1.1 200 OK\r\n\r\n")
    assert response_framing(no_length, "GET").kind == "close"
    assert (
        response_framing(parse_response(b"HTTP/1.1 204 No Content\r\n\r\n"), "DELETE").kind
        == "none"
    )


async def test_relay_copies_chunked_bodies_verbatim_and_stops_at_their_end() -> None:
    reader = reader_of(CHUNKED + b"GET /next HTTP/1.1\r\n\r\n")
    sink = Sink()
    assert await relay(reader, sink, Framing("chunked")) == 8  # type: ignore[arg-type]
    assert bytes(sink.data) == CHUNKED
    assert await reader.read() == b"GET /next HTTP/1.1\r\n\r\n"  # nothing over-read


async def test_read_body_decodes_and_limits() -> None:
    assert await read_body(reader_of(CHUNKED), Framing("chunked"), 100) == b"helloabc"
    assert await read_body(reader_of(b"12345"), Framing("length", 5), 100) == b"12345"
    with pytest.raises(Exception, match="larger than"):
        await read_body(reader_of(b"x" * 50), Framing("length", 50), 10)


@pytest.mark.parametrize("step", [1, 2, 3, 5, 7, 64, 4096])
def test_chunk_scanner_finds_the_end_across_any_split(step: int) -> None:
    scanner = ChunkScanner()
    for i in range(0, len(CHUNKED), step):
        scanner.feed(CHUNKED[i : i + step])
    assert scanner.done
    assert scanner.payload == 8


def test_chunk_scanner_waits_for_the_last_bytes() -> None:
    scanner = ChunkScanner()
    scanner.feed(CHUNKED[:-1])
    assert not scanner.done
    scanner.feed(CHUNKED[-1:])
    assert scanner.done
    with pytest.raises(ProtocolError):
        ChunkScanner().feed(b"zz\r\n")
