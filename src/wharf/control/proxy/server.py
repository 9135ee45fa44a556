"""The Docker API endpoint: a TLS server that authenticates each request (client bundle
certificate or Bearer token), lets the handler of its endpoint decide, and forwards it to
the engine — streaming bodies, following hijacked connections, filtering lists.

One engine connection per forwarded request keeps the relay logic simple and lets a
hijacked stream (``docker exec -it``) own its connection; opening a unix socket costs
tens of microseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import ssl
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from wharf.access.api_auth import ApiAuth
from wharf.access.collections import PRIVATE_ID
from wharf.access.decide import requester_for
from wharf.access.interfaces import InvalidCredentials
from wharf.access.models import Account, Collection
from wharf.access.principal import Principal
from wharf.access.snapshot import SnapshotCache
from wharf.control.audit import AuditLog, AuditRecord
from wharf.control.bundles import certificate_fingerprint, identify_certificate
from wharf.control.engines import EngineSet
from wharf.control.proxy import tls
from wharf.control.proxy.call import Call, Refusal
from wharf.control.proxy.routes import api_path, match
from wharf.control.proxy.wire import (
    RELAY_CHUNK,
    BodyTooLarge,
    Framing,
    Head,
    ProtocolError,
    Request,
    Response,
    discard,
    json_response,
    parse_request,
    parse_response,
    read_body,
    read_head,
    relay,
    relay_response,
    request_framing,
    response_framing,
)
from wharf.control.settings import SchedulerSettings
from wharf.core.db import Database, PreparedQuery
from wharf.core.http import BearerCredentials, MalformedAuthorization, parse_authorization
from wharf.core.logging import get_logger
from wharf.core.settings_store import get_section

log = get_logger("control.proxy")

MAX_FILTERED_BODY = 256 * 1024 * 1024

_DEFAULT_COLLECTION = PreparedQuery(
    select(Collection.path)
    .join(Account, Account.default_collection_id == Collection.id)
    .where(Account.id == bindparam("account_id"))
)


@dataclass
class _Cached:
    value: Any
    until: float


class DockerProxy:
    def __init__(
        self,
        db: Database,
        engines: EngineSet,
        snapshots: SnapshotCache,
        api_auth: ApiAuth,
        audit: AuditLog,
    ) -> None:
        self.db = db
        self.engines = engines
        self.engine = engines.manager
        self.snapshots = snapshots
        self.api_auth = api_auth
        self.audit = audit
        self._scheduler = _Cached(SchedulerSettings(), 0.0)
        self.server: asyncio.Server | None = None
        self.tls: ssl.SSLContext | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int, tls: ssl.SSLContext | None) -> asyncio.Server:
        self.tls = tls
        self.server = await asyncio.start_server(self._serve, host, port, limit=2**20, backlog=1024)
        return self.server

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self.server is not None:
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            if self.tls is not None:
                reader, writer = await tls.accept(reader, writer, self.tls)  # type: ignore[assignment]
            await self._connection(reader, writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ProtocolError):
            pass
        except ssl.SSLError:
            pass
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("proxy connection failed")
        finally:
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    # -- one connection, many requests ----------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ssl_object = writer.get_extra_info("ssl_object")
        peer_cert = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        # None without a certificate, or with one that does not parse (never identified).
        fingerprint = certificate_fingerprint(peer_cert) if peer_cert is not None else None
        while True:
            raw = await read_head(reader)
            if raw is None:
                return
            request = parse_request(raw)
            keep_going = await self._request(request, reader, writer, fingerprint)
            if not keep_going or not request.keep_alive:
                return

    async def _request(
        self,
        request: Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        fingerprint: str | None,
    ) -> bool:
        started = time.perf_counter()
        framing = request_framing(request.head)
        path = api_path(request.path)
        principal, access_version = await self._identify(request, fingerprint)
        if principal is None:
            await discard(reader, framing)
            writer.write(
                json_response(
                    401,
                    {"message": "authentication required: use a client bundle or a Bearer token"},
                    head_only=request.method == "HEAD",
                )
            )
            await writer.drain()
            return True
        snapshot = await self.snapshots.get(access_version)
        call = Call(
            request=request,
            principal=principal,
            requester=requester_for(
                str(principal.id), principal.name, principal.is_admin, principal.is_active, snapshot
            ),
            snapshot=snapshot,
            engine=self.engine,
            scheduler=await self._scheduler_settings(),
            reader=reader,
            body_framing=framing,
            api_path=path,
            default_collection_loader=lambda: self._default_collection(principal),
            engines=self.engines,
        )
        try:
            handler, found = match(request.method, path)
            await handler(call, found)  # type: ignore[arg-type]
            call.authorize()
        except Refusal as refusal:
            if call.body is None:
                await discard(reader, framing)
            writer.write(
                json_response(
                    refusal.status,
                    {"message": refusal.message},
                    head_only=request.method == "HEAD",
                )
            )
            await writer.drain()
            self.audit.record(self._audit(call, False, refusal.status, refusal.message, started))
            return True
        except BodyTooLarge as exc:
            writer.write(json_response(413, {"message": str(exc)}))
            await writer.drain()
            return False
        if call.respond is not None:
            if call.body is None:
                await discard(reader, framing)
            status = await call.respond(writer)
            self.audit.record(self._audit(call, True, status, "", started))
            return True
        status, keep = await self._forward(call, reader, writer)
        self.audit.record(self._audit(call, True, status, "", started))
        return keep

    async def handle(
        self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """One request from another front door (the HTTP bridge): no client certificate."""
        await self._request(request, reader, writer, None)

    # -- identity ----------------------------------------------------------------------------------

    async def _identify(
        self, request: Request, fingerprint: str | None
    ) -> tuple[Principal | None, int | None]:
        """Who asks (None: nobody we know), and the access version when the same read
        told it."""
        if fingerprint is not None:
            holder = await self.db.read(identify_certificate, fingerprint)
            if holder is not None:
                return holder.principal, holder.access_version
        try:
            credentials = parse_authorization(request.head.get("authorization"))
        except MalformedAuthorization:
            return None, None
        if not isinstance(credentials, BearerCredentials):
            return None, None

        def resolve(session: Session) -> Principal | None:
            try:
                return Principal.of(self.api_auth.resolve(session, credentials))
            except InvalidCredentials:
                return None

        return await self.db.run(resolve), None

    async def _default_collection(self, principal: Principal) -> str:
        row = await self.db.fetch_one(_DEFAULT_COLLECTION, {"account_id": principal.id})
        if row is not None:
            return str(row[0])
        snapshot = await self.snapshots.get()
        private = snapshot.collections.get(PRIVATE_ID)
        return private.path + "/" + principal.name if private else "/"

    async def _scheduler_settings(self) -> SchedulerSettings:
        now = time.monotonic()
        if self._scheduler.until < now:
            value = await self.db.run(lambda s: get_section(s, SchedulerSettings))
            self._scheduler = _Cached(value, now + 1.0)
        settings: SchedulerSettings = self._scheduler.value
        return settings

    # -- forwarding --------------------------------------------------------------------------------

    async def _forward(
        self, call: Call, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[int, bool]:
        """Send the (possibly rewritten) request to the engine and relay the answer.
        Returns the status and whether the client connection may carry on."""
        request = call.request
        engine = call.forward_engine or self.engine
        try:
            e_reader, e_writer = await engine.open()
        except OSError as exc:
            if call.body is None:
                await discard(reader, call.body_framing)
            writer.write(
                json_response(
                    502,
                    {"message": f"the engine is unreachable: {exc}"},
                    head_only=request.method == "HEAD",
                )
            )
            await writer.drain()
            return 502, True
        try:
            head = Head(request.head.start_line, list(request.head.headers))
            head.remove("authorization")
            if "upgrade" not in (head.get("connection") or "").lower():
                # The engine connection serves this request only: asking the engine to
                # close it after answering lets the relay copy a body to the end of the
                # connection instead of following its framing (see relay_response).
                head.set("Connection", "close")
            body = call.new_body if call.new_body is not None else call.body
            if body is not None:
                head.remove("transfer-encoding")
                head.set("Content-Length", str(len(body)))
                e_writer.write(head.encode() + body)
            else:
                e_writer.write(head.encode())
                await relay(reader, e_writer, call.body_framing)
            await e_writer.drain()
            raw = await read_head(e_reader)
            if raw is None:
                raise ProtocolError("the engine closed the connection without answering")
            response = parse_response(raw)
            if response.status == 101:
                writer.write(response.head.encode())
                await writer.drain()
                await _pipe(reader, writer, e_reader, e_writer)
                return 101, False
            framing = response_framing(response, request.method)
            answer = self._answer(call, response, e_reader, framing, writer)
            if framing.kind in ("length", "none") or not _may_follow(request, call.api_path):
                return response.status, await answer
            # A followed stream (logs -f, events, stats, wait) may stay silent for hours:
            # stop relaying when the client goes, not at the next write.
            keep = await _unless_client_leaves(reader, answer)
            return response.status, bool(keep)
        finally:
            with contextlib.suppress(Exception):
                e_writer.close()

    async def _answer(
        self,
        call: Call,
        response: Response,
        e_reader: asyncio.StreamReader,
        framing: Framing,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Relay the engine's answer (filtered where the call says so); whether the client
        connection may carry on."""
        if call.response_filter is not None and 200 <= response.status < 300:
            await self._filtered(call, response.head, e_reader, framing, writer)
            return True
        if call.event_filter is not None and 200 <= response.status < 300:
            await self._events(call, response.head, e_reader, framing, writer)
            return False
        # The engine closes its connection (we asked it to); the client's stays open
        # unless the body is delimited by that close.
        out = Head(response.head.start_line, list(response.head.headers))
        out.remove("connection")
        if framing.kind == "close":
            out.set("Connection", "close")
        await relay_response(e_reader, writer, framing, out.encode())
        return framing.kind != "close"

    async def _filtered(
        self,
        call: Call,
        head: Head,
        e_reader: asyncio.StreamReader,
        framing: Framing,
        writer: asyncio.StreamWriter,
    ) -> None:
        assert call.response_filter is not None
        raw = await read_body(e_reader, framing, MAX_FILTERED_BODY)
        with _collector_paused():
            try:
                body = call.raw_filter(raw) if call.raw_filter and raw.strip() else None
                if body is None:
                    body = _dumps(await call.response_filter(_loads(raw))) if raw.strip() else raw
            except ValueError:
                # Never the unfiltered answer: it may hold what the caller may not see.
                writer.write(json_response(502, {"message": "the engine's answer is not JSON"}))
                await writer.drain()
                return
        out = Head(head.start_line, list(head.headers))
        out.remove("transfer-encoding")
        out.remove("connection")
        out.set("Content-Length", str(len(body)))
        writer.write(out.encode() + body)
        await writer.drain()

    async def _events(
        self,
        call: Call,
        head: Head,
        e_reader: asyncio.StreamReader,
        framing: Framing,
        writer: asyncio.StreamWriter,
    ) -> None:
        """Stream ``/events`` line by line, dropping what the caller may not see."""
        assert call.event_filter is not None
        out = Head(head.start_line, list(head.headers))
        out.remove("content-length")
        out.set("Transfer-Encoding", "chunked")
        out.set("Connection", "close")
        writer.write(out.encode())
        await writer.drain()
        pending = b""
        async for piece in _decoded(e_reader, framing):
            pending += piece
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if not line.strip():
                    continue
                try:
                    event = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(event, dict) and await call.event_filter(event):
                    data = line + b"\n"
                    writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    def _audit(
        self, call: Call, allowed: bool, status: int, message: str, started: float
    ) -> AuditRecord:
        return AuditRecord(
            user=call.principal.name,
            method=call.request.method,
            path=call.api_path,
            operations=tuple(call.operations),
            collections=tuple(dict.fromkeys(c.collection for c in call.checks)),
            allowed=allowed,
            status=status,
            message=message,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            body=call.body,
        )


async def _decoded(reader: asyncio.StreamReader, framing: Framing) -> Any:
    """The payload of a body as it arrives (chunked framing removed)."""
    if framing.kind == "chunked":
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                return
            data = await reader.readexactly(size)
            await reader.readexactly(2)
            yield data
    elif framing.kind == "length":
        remaining = framing.length
        while remaining:
            data = await reader.read(min(remaining, 65536))
            if not data:
                return
            remaining -= len(data)
            yield data
    elif framing.kind == "close":
        while data := await reader.read(65536):
            yield data


CLIENT_CHECK_INTERVAL = 0.5


def _loads(raw: bytes) -> Any:
    """orjson, or the standard parser for what orjson refuses (integers beyond 64 bits);
    ValueError if neither can read it."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def _dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError: integers beyond 64 bits
        return json.dumps(data).encode()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a parsed list holds no cycles (reference
    counting frees it), but its hundreds of thousands of new objects would trigger
    collections that walk the whole heap, several times per list."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Reads whose answer may be a stream that lasts as long as the client wants it.
_FOLLOWED_READS = ("/logs", "/events", "/stats", "/wait", "/attach")


def _may_follow(request: Request, api_path: str) -> bool:
    """Whether the answer may go on until the client leaves: anything but a plain read
    (lists and inspections end as soon as the engine has answered; watching the client
    for those would only cost a task per request)."""
    return request.method != "GET" or api_path.endswith(_FOLLOWED_READS)


async def _unless_client_leaves(
    reader: asyncio.StreamReader, answer: Coroutine[Any, Any, bool]
) -> bool | None:
    """Run ``answer`` (relaying a streamed response) until it ends or the client closes
    its connection (None then). A request is read whole before its answer, and Docker
    clients do not pipeline, so the client's end of stream can only mean it left."""
    relaying = asyncio.ensure_future(answer)
    try:
        while not relaying.done():
            if reader.at_eof():
                relaying.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await relaying
                return None
            await asyncio.wait({relaying}, timeout=CLIENT_CHECK_INTERVAL)
        return relaying.result()
    finally:
        if not relaying.done():
            relaying.cancel()


async def _pipe(
    c_reader: asyncio.StreamReader,
    c_writer: asyncio.StreamWriter,
    e_reader: asyncio.StreamReader,
    e_writer: asyncio.StreamWriter,
) -> None:
    """A hijacked connection: bytes both ways until the engine side ends (the session's
    end), half-closing the engine when the client stops sending (stdin EOF)."""

    async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter, half_close: bool) -> None:
        try:
            while data := await src.read(RELAY_CHUNK):
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            return
        if half_close and dst.can_write_eof():
            with contextlib.suppress(OSError):
                dst.write_eof()

    upstream = asyncio.ensure_future(copy(c_reader, e_writer, half_close=True))
    downstream = asyncio.ensure_future(copy(e_reader, c_writer, half_close=False))
    try:
        await downstream
    finally:
        upstream.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await upstream
