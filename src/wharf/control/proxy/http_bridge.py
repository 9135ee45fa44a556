"""The Docker API under ``/docker/`` on Wharf's main HTTP port, for the web UI.

A browser cannot present a client bundle, and the Docker endpoint's certificate comes
from Wharf's own CA; so the UI sends the same Docker API requests here, with its session
as a Bearer token. They go through the very same pipeline as the TLS endpoint —
authentication, the endpoint's handler, authorization, forwarding, filtering — by
handing the proxy an in-memory connection. Hijacked and streaming endpoints are for the
real endpoint; here each request gets its whole answer.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from wharf.control.proxy.server import DockerProxy
from wharf.control.proxy.wire import (
    Framing,
    Head,
    parse_request,
    parse_response,
    read_body,
    read_head,
    response_framing,
)

MAX_BODY = 16 * 1024 * 1024
MAX_ANSWER = 64 * 1024 * 1024
PREFIX = "/docker"
# Never over the bridge: they hold a connection open or take it over.
_STREAMING = ("/attach", "/exec/", "/events", "/stats")


class _Collector:
    """An in-memory writer: what the proxy would send to its client."""

    def __init__(self) -> None:
        self.reader = asyncio.StreamReader(limit=2**20)

    def write(self, data: bytes) -> None:
        self.reader.feed_data(data)

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        if not self.reader.at_eof():
            self.reader.feed_eof()

    def can_write_eof(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default


class DockerBridge:
    def __init__(self, proxy: DockerProxy, enabled: bool) -> None:
        self.proxy = proxy
        # Only when this process serves the Docker API (--docker-listen): otherwise no
        # engine is Wharf's to front, and none may be reached through it.
        self.enabled = enabled

    async def handle(self, request: Request) -> Response:
        if not self.enabled:
            return Response(
                b'{"message":"the Docker API is not enabled on this server (--docker-listen)"}',
                status_code=404,
                media_type="application/json",
            )
        path = request.url.path[len(PREFIX) :] or "/"
        if any(marker in path for marker in _STREAMING) or request.query_params.get("follow") in (
            "1",
            "true",
        ):
            return Response(
                b'{"message":"streaming endpoints are served on the Docker API endpoint"}',
                status_code=400,
                media_type="application/json",
            )
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(
                b'{"message":"request body too large"}', 413, media_type="application/json"
            )
        target = path + (f"?{request.url.query}" if request.url.query else "")
        head = Head(
            f"{request.method} {target} HTTP/1.1", [("Host", "docker"), ("Connection", "close")]
        )
        for name in ("authorization", "content-type", "x-registry-auth", "x-wharf-collection"):
            if (value := request.headers.get(name)) is not None:
                head.headers.append((name.title(), value))
        head.headers.append(("Content-Length", str(len(body))))
        incoming = asyncio.StreamReader()
        # No EOF after the request: to the proxy, an ended stream means the client left.
        incoming.feed_data(head.encode() + body)
        out = _Collector()
        raw_request = await read_head(incoming)
        assert raw_request is not None
        await self.proxy.handle(parse_request(raw_request), incoming, out)  # type: ignore[arg-type]
        out.close()
        raw = await read_head(out.reader)
        if raw is None:
            return Response(b'{"message":"no answer"}', 502, media_type="application/json")
        answer = parse_response(raw)
        framing = response_framing(answer, request.method)
        if framing.kind == "close":
            framing = Framing("close")
        content = await read_body(out.reader, framing, MAX_ANSWER)
        headers = {
            k: v
            for k, v in answer.head.headers
            if k.lower() not in ("content-length", "transfer-encoding", "connection")
        }
        return Response(content, status_code=answer.status, headers=headers)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(
                PREFIX + "/{path:path}",
                self.handle,
                methods=["GET", "HEAD", "POST", "PUT", "DELETE"],
            ),
        ]
