"""HTTP/1.1 framing of the Docker API proxy: heads, bodies and their ends."""

from __future__ import annotations

import asyncio

import pytest

from wharf.control.proxy.wire import (
    Framing,
    ProtocolError,
    parse_request,
    parse_response,
    read_body,
    relay,
    relay_response,
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


async def test_relay_response_copies_a_chunked_body_to_the_connections_end() -> None:
    body = b"5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n"
    sink = Sink()
    await relay_response(reader_of(body), sink, Framing("chunked"), b"HEAD\r\n\r\n")  # type: ignore[arg-type]
    assert bytes(sink.data) == b"HEAD\r\n\r\n" + body


async def test_relay_response_copies_no_more_than_the_length() -> None:
    sink = Sink()
    await relay_response(reader_of(b"12345extra"), sink, Framing("length", 5), b"H")  # type: ignore[arg-type]
    assert bytes(sink.data) == b"H12345"
    with pytest.raises(ProtocolError, match="Content-Length"):
        await relay_response(reader_of(b"123"), Sink(), Framing("length", 5), b"H")  # type: ignore[arg-type]


async def test_relay_response_refuses_a_chunked_body_cut_short() -> None:
    sink = Sink()
    with pytest.raises(ProtocolError, match="last chunk"):
        await relay_response(  # type: ignore[arg-type]
            reader_of(b"5\r\nhello\r\n3\r\nab"), sink, Framing("chunked"), b""
        )


async def test_relay_response_sends_the_head_before_a_body_that_is_not_there_yet() -> None:
    """``wait`` answers its head at once and its body when the container exits; the
    docker CLI starts the container only once it has that head."""
    reader = asyncio.StreamReader()
    sink = Sink()
    relaying = asyncio.ensure_future(
        relay_response(reader, sink, Framing("chunked"), b"HEAD\r\n\r\n")  # type: ignore[arg-type]
    )
    await asyncio.sleep(0.01)
    assert bytes(sink.data) == b"HEAD\r\n\r\n"
    reader.feed_data(b"2\r\nok\r\n0\r\n\r\n")
    reader.feed_eof()
    await relaying
    assert bytes(sink.data) == b"HEAD\r\n\r\n2\r\nok\r\n0\r\n\r\n"
