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
from collections.abc import AsyncIterator
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

    async def start_pull(self, params: dict[str, str], registry_auth: str | None) -> PullProgress:
        """Start pulling an image (``POST /images/create?fromImage=…``). Raises the
        engine's error when it refuses at once (a bad reference, an unknown repository,
        wrong credentials); later failures arrive inside the progress stream."""
        headers = {"X-Registry-Auth": registry_auth} if registry_auth else {}
        request = self.client.build_request(
            "POST", "/images/create", params=params, headers=headers, timeout=PULL_TIMEOUT
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.TransportError as exc:
            raise _unreachable(self.address, exc) from exc
        if response.status_code >= 400:
            try:
                await response.aread()
            except httpx.TransportError as exc:
                raise _unreachable(self.address, exc) from exc
            finally:
                await response.aclose()
            self._json(response)  # raises the engine's error
        return PullProgress(response, self.address)

    async def _call(self, method: str, path: str, body: Any, params: dict[str, Any]) -> Any:
        """One request of Wharf's own (not a forwarded one); the answer's JSON."""
        try:
            response = await self.client.request(method, path, json=body, params=params or None)
        except httpx.TransportError as exc:
            raise _unreachable(self.address, exc) from exc
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


class PullProgress:
    """A pull under way on one engine: its progress messages as the engine sends them
    (``{"status": …, "id": …, "progressDetail": …}``, or ``{"error": …}`` when it
    fails). Close it to stop reading; the caller must, also when it stops early."""

    def __init__(self, response: httpx.Response, address: str) -> None:
        self._response = response
        self._address = address

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        try:
            async for line in self._response.aiter_lines():
                try:
                    message = json.loads(line) if line.strip() else None
                except ValueError:
                    continue
                if isinstance(message, dict):
                    yield message
        except httpx.TransportError as exc:
            raise _unreachable(self._address, exc) from exc

    async def aclose(self) -> None:
        await self._response.aclose()


def _unreachable(address: str, exc: Exception) -> EngineUnreachable:
    return EngineUnreachable(502, f"the engine at {address} is unreachable: {exc}")


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))
    except ValueError:
        return response.text
