"""``docker pull`` on every node at once, with every node's progress shown to the client.

UCP pulled an image on all nodes of the swarm, so that a service could start anywhere
without each node pulling on its own. Wharf starts the pull on every node engine side by
side and answers the client itself with one progress stream, each message marked with
its node (``w2: 3f4d90098f5b: Downloading``), so the user sees every node's progress
instead of waiting in silence for the slowest one.

A node that refuses at once (bad reference, unknown repository, wrong credentials) fails
the whole pull with that node's status and reason, before any progress is sent. A node
that fails later does not stop the others: its error is held back, and once every node
has finished the stream ends with one error naming each failed node, so the client
exits non-zero and the nodes that could pull have the image.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson

from wharf.control.engine import Engine, EngineError, PullProgress
from wharf.control.proxy.wire import Head, json_response

_STREAM_HEAD = Head(
    "HTTP/1.1 200 OK",
    [
        ("Content-Type", "application/json"),
        ("Transfer-Encoding", "chunked"),
        ("Api-Version", "1.41"),
        ("Server", "Wharf"),
    ],
).encode()
_LAST_CHUNK = b"0\r\n\r\n"


def on_node(node: str, message: dict[str, Any]) -> dict[str, Any]:
    """``message`` as the client should see it: marked with the node it comes from. The
    CLI draws one progress line per ``id``, so prefixing the id keeps each node's layers
    on their own lines; a message without one has its status prefixed instead."""
    marked = dict(message)
    if isinstance(marked.get("id"), str) and marked["id"]:
        marked["id"] = f"{node}: {marked['id']}"
    elif isinstance(marked.get("status"), str):
        marked["status"] = f"{node}: {marked['status']}"
    return marked


def error_of(message: dict[str, Any]) -> str | None:
    """The failure a progress message reports, if it reports one."""
    detail = message.get("errorDetail")
    text = message.get("error") or (detail.get("message") if isinstance(detail, dict) else None)
    return str(text) if text else None


def _chunk(message: dict[str, Any]) -> bytes:
    data = orjson.dumps(message) + b"\r\n"
    return b"%x\r\n%s\r\n" % (len(data), data)


async def pull_everywhere(
    engines: dict[str, Engine],
    params: dict[str, str],
    registry_auth: str | None,
    writer: asyncio.StreamWriter,
) -> int:
    """Pull on every engine of ``engines`` (by node name) and stream the progress of all
    of them to ``writer``; returns the response status."""
    nodes = list(engines)
    started = await asyncio.gather(
        *(engine.start_pull(params, registry_auth) for engine in engines.values()),
        return_exceptions=True,
    )
    streams = {n: s for n, s in zip(nodes, started, strict=True) if isinstance(s, PullProgress)}
    try:
        for node, outcome in zip(nodes, started, strict=True):
            if isinstance(outcome, EngineError):
                writer.write(
                    json_response(outcome.status, {"message": f"on node {node}: {outcome.message}"})
                )
                await writer.drain()
                return outcome.status
            if isinstance(outcome, BaseException):
                raise outcome
        writer.write(_STREAM_HEAD)
        failures = await _relay_progress(streams, writer)
        if failures:
            text = "; ".join(failures)
            writer.write(_chunk({"errorDetail": {"message": text}, "error": text}))
        writer.write(_LAST_CHUNK)
        await writer.drain()
        return 200
    finally:
        for stream in streams.values():
            with contextlib.suppress(Exception):
                await stream.aclose()


async def _relay_progress(
    streams: dict[str, PullProgress], writer: asyncio.StreamWriter
) -> list[str]:
    """Copy every node's progress to the client as it comes, marked with its node;
    returns the failures, one per failed node, in node order."""
    # Unbounded: progress messages are small and come at the engines' pace, and the end
    # marker must go in even when the client has stopped reading.
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()
    failures: dict[str, str] = {}

    async def follow(node: str, stream: PullProgress) -> None:
        try:
            async for message in stream.messages():
                error = error_of(message)
                if error is not None:
                    failures.setdefault(node, f"on node {node}: {error}")
                    continue
                await queue.put(_chunk(on_node(node, message)))
        except EngineError as exc:
            failures.setdefault(node, f"on node {node}: {exc.message}")

    async def follow_all() -> None:
        try:
            await asyncio.gather(*(follow(n, s) for n, s in streams.items()))
        finally:
            queue.put_nowait(None)

    followers = asyncio.create_task(follow_all())
    try:
        while (data := await queue.get()) is not None:
            writer.write(data)
            await writer.drain()
        await followers
    finally:
        if not followers.done():  # the client went away: stop following the engines
            followers.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await followers
    return [failures[n] for n in streams if n in failures]
