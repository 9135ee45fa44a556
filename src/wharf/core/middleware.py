"""The request wrapper every route goes through once: Prometheus counters and latency,
and one structured access-log line. Written as plain ASGI (not a Starlette
BaseHTTPMiddleware) so it adds microseconds, not a task per request."""

from __future__ import annotations

import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wharf.core.logging import AccessLog, get_logger
from wharf.core.metrics import Metrics

log = get_logger("http")


def route_label(path: str) -> str:
    """A low-cardinality label for metrics: the route family, never a repository name."""
    if path.startswith("/v2/"):
        for marker in ("/blobs/uploads", "/manifests/", "/blobs/", "/tags/list", "/referrers/"):
            if marker in path:
                return "/v2/<name>" + marker.rstrip("/")
        if path == "/v2/_catalog":
            return path
        return "/v2/"
    return "/" + path.lstrip("/").split("/", 1)[0]


class RejectNul:
    """400 for a URL carrying a NUL character (``%00``). No name, path or parameter of
    Wharf's may hold one, and PostgreSQL refuses them in text: let through, one would
    be a 500 deep in a query instead of a clear error here."""

    BODY = json.dumps(
        {"errors": [{"code": "INVALID_INPUT", "message": "NUL characters are not allowed in URLs"}]}
    ).encode()

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"")
            or b"%00" in scope.get("raw_path", b"")
            or "\x00" in scope.get("path", "")
        ):
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": self.BODY})
            return
        await self.app(scope, receive, send)


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, access_log: AccessLog | None) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            log.exception(
                "unhandled error", extra={"method": scope["method"], "path": scope["path"]}
            )
            raise
        finally:
            elapsed = time.perf_counter() - start
            path = scope["path"]
            method = scope["method"]
            route = route_label(path)
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(elapsed)
            if self.access_log is not None:
                client = scope.get("client")
                self.access_log.emit(
                    {
                        "method": method,
                        "path": path,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 3),
                        "remote": client[0] if client else "",
                        "user": scope.get("state", {}).get("user", ""),
                    }
                )
