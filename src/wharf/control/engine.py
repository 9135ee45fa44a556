"""The Docker engine Wharf drives: a JSON client for the lookups authorization needs
(inspect a container, list a service's tasks...) and raw connections for forwarding.

The address is ``unix:///path/to/docker.sock`` (the default, the local engine) or
``tcp://host:port``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

API_VERSION = "v1.41"
DEFAULT_ENGINE = "unix:///var/run/docker.sock"

# Where each kind of object is inspected.
INSPECT_PATHS = {
    "containers": "/containers/{}/json",
    "exec": "/exec/{}/json",
    "images": "/images/{}/json",
    "services": "/services/{}",
    "tasks": "/tasks/{}",
    "networks": "/networks/{}",
    "volumes": "/volumes/{}",
    "secrets": "/secrets/{}",
    "configs": "/configs/{}",
    "nodes": "/nodes/{}",
}


# A pull may go quiet for a while (a large layer extracting) but not for this long.
PULL_TIMEOUT = httpx.Timeout(60.0, read=600.0)
# Connections opened ahead of need, waiting for a forwarded request: opening one costs a
# quarter of a millisecond on the request's path otherwise. A spare older than this is
# closed rather than used, well before any engine would time an idle connection out.
SPARES = 2
SPARE_MAX_AGE = 20.0

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class EngineError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class NotFoundInEngine(EngineError):
    pass


class EngineUnreachable(EngineError):
    pass


class Engine:
    def __init__(self, address: str = DEFAULT_ENGINE) -> None:
        self.address = address
        parts = urlsplit(address)
        if parts.scheme == "unix":
            self.socket_path: str | None = parts.path
            self.host: str | None = None
            self.port = 0
            transport = httpx.AsyncHTTPTransport(uds=parts.path)
            base = "http://docker"
        elif parts.scheme in ("tcp", "http"):
            self.socket_path = None
            self.host = parts.hostname or "127.0.0.1"
            self.port = parts.port or 2375
            transport = httpx.AsyncHTTPTransport()
            base = f"http://{self.host}:{self.port}"
        else:
            raise ValueError(f"unsupported engine address {address!r}: use unix:// or tcp://")
        self.client = httpx.AsyncClient(
            transport=transport, base_url=f"{base}/{API_VERSION}", timeout=60.0
        )
        self._spares: deque[tuple[float, Connection]] = deque()
        self._refilling: asyncio.Task[None] | None = None

    async def open(self) -> Connection:
        """A raw connection to the engine that has never carried a request, for
        forwarding one: a spare opened ahead of time when one is ready, else a new one.
        Either way the pool is topped up in the background, off the request's path."""
        connection = self._take_spare()
        self._refill()
        if connection is not None:
            return connection
        return await self._connect()

    async def _connect(self) -> Connection:
        if self.socket_path is not None:
            return await asyncio.open_unix_connection(self.socket_path, limit=2**20)
        assert self.host is not None
        return await asyncio.open_connection(self.host, self.port, limit=2**20)

    def _take_spare(self) -> Connection | None:
        now = time.monotonic()
        while self._spares:
            opened, (reader, writer) = self._spares.popleft()
            # A spare the engine closed (restart) or that waited too long is dropped.
            if now - opened < SPARE_MAX_AGE and not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return None

    def _refill(self) -> None:
        if self._refilling is None or self._refilling.done():
            self._refilling = asyncio.ensure_future(self._fill_spares())

    async def _fill_spares(self) -> None:
        while len(self._spares) < SPARES:
            try:
                connection = await self._connect()
            except OSError:
                return  # the engine is down: requests will say so when they try
            self._spares.append((time.monotonic(), connection))

    def _close_spares(self) -> None:
        if self._refilling is not None:
            self._refilling.cancel()
        while self._spares:
            _opened, (_reader, writer) = self._spares.popleft()
            with contextlib.suppress(Exception):
                writer.close()

    async def get(self, path: str, **params: Any) -> Any:
        return await self._call("GET", path, None, params)

    async def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return await self._call("POST", path, body, params)

    async def delete(self, path: str, **params: Any) -> Any:
        return await self._call("DELETE", path, None, params)

    async def pull(self, params: dict[str, str], registry_auth: str | None) -> None:
        """Pull an image (``POST /images/create?fromImage=…``) to the end. The engine
        answers 200 at once and reports a failure inside its progress stream, so the
        stream is read through and its first error raised."""
        headers = {"X-Registry-Auth": registry_auth} if registry_auth else {}
        try:
            async with self.client.stream(
                "POST", "/images/create", params=params, headers=headers, timeout=PULL_TIMEOUT
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    self._json(response)  # raises the engine's error
                async for line in response.aiter_lines():
                    error = _stream_error(line)
                    if error is not None:
                        raise EngineError(500, error)
        except httpx.TransportError as exc:
            raise EngineUnreachable(
                502, f"the engine at {self.address} is unreachable: {exc}"
            ) from exc

    async def _call(self, method: str, path: str, body: Any, params: dict[str, Any]) -> Any:
        """One request of Wharf's own (not a forwarded one); the answer's JSON."""
        try:
            response = await self.client.request(method, path, json=body, params=params or None)
        except httpx.TransportError as exc:
            raise EngineUnreachable(
                502, f"the engine at {self.address} is unreachable: {exc}"
            ) from exc
        return self._json(response)

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.status_code == 404:
            raise NotFoundInEngine(404, _message(response))
        if response.status_code >= 400:
            raise EngineError(response.status_code, _message(response))
        if not response.content:
            return None
        return response.json()

    async def inspect(self, kind: str, ident: str) -> dict[str, Any]:
        """One object by id or name; NotFoundInEngine when the engine knows none."""
        result: dict[str, Any] = await self.get(INSPECT_PATHS[kind].format(quote(ident, safe="")))
        return result

    async def ping(self) -> bool:
        try:
            response = await self.client.get("/_ping", timeout=5.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def close(self) -> None:
        self._close_spares()
        await self.client.aclose()


def _stream_error(line: str) -> str | None:
    """The error a line of a progress stream reports (``{"error": …}``), if any."""
    if '"error' not in line:
        return None
    try:
        message = json.loads(line)
    except ValueError:
        return None
    error = message.get("error") if isinstance(message, dict) else None
    return str(error) if error else None


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))
    except ValueError:
        return response.text
