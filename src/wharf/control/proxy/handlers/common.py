"""Pieces several handlers share: list filtering and creation into a collection."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from wharf.access.operations import Operation
from wharf.control.engine import Engine, EngineError
from wharf.control.engines import EngineSet
from wharf.control.proxy.call import Call, Refusal
from wharf.control.proxy.listing import keep_elements
from wharf.control.proxy.wire import json_response
from wharf.control.resources import (
    ACCESS_LABEL,
    KINDS,
    ROOT,
    STACK_LABEL,
    labels_of,
)

# Kinds whose list the engine can narrow to one collection by its label (nodes
# without the label belong to /System or /Shared, so theirs cannot be).
NARROWED_BY_ENGINE = frozenset({"containers", "services", "secrets", "configs"})


Undo = Callable[[Engine, Any], Awaitable[Any]]


async def on_other_nodes(
    engines: EngineSet, act: Callable[[Engine], Awaitable[Any]], undo: Undo | None = None
) -> list[Any]:
    """``act`` on every node engine but the manager's (whose part is the forwarded
    request), as ``on_nodes`` does."""
    return await on_nodes(engines.others(), act, undo)


async def on_nodes(
    nodes: dict[str, Engine], act: Callable[[Engine], Awaitable[Any]], undo: Undo | None = None
) -> list[Any]:
    """``act`` on each of ``nodes``' engines, side by side; their results in node order.
    A node whose engine refuses stops the request with its reason, naming the node.
    Given ``undo(engine, result)``, what the other nodes did is undone first (as far as
    they let it), so that a create refused on one node is left on none."""
    outcomes = await asyncio.gather(*(act(e) for e in nodes.values()), return_exceptions=True)
    failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
    if failure is None:
        return outcomes
    if undo is not None:
        await asyncio.gather(
            *(
                undo(e, o)
                for e, o in zip(nodes.values(), outcomes, strict=True)
                if not isinstance(o, BaseException)
            ),
            return_exceptions=True,
        )
    node = next(n for n, o in zip(nodes, outcomes, strict=True) if o is failure)
    if isinstance(failure, EngineError):
        raise Refusal(failure.status, f"on node {node}: {failure.message}")
    raise failure


async def create_on_every_node(
    call: Call, engines: EngineSet, path: str, body: dict[str, Any], undo: Undo
) -> None:
    """Create what ``body`` describes on every node, the manager's included, and answer
    ``call`` with the manager's reply instead of forwarding the request. A
    create that any node refuses, the manager too, is undone on the others: forwarding
    the manager's part after the others' would leave their copies behind when only the
    manager refused."""
    created = await on_nodes(engines.by_node(), lambda engine: engine.post(path, body), undo)

    async def answer(writer: asyncio.StreamWriter) -> int:
        writer.write(json_response(201, created[0]))
        await writer.drain()
        return 201

    call.respond = answer


def newest_first(items: list[Any]) -> None:
    """Sort a merged list of several engines' containers or images as one engine
    would answer: newest (``Created``) first."""

    def created(item: Any) -> int:
        value = item.get("Created") if isinstance(item, dict) else None
        return value if isinstance(value, int) else 0

    items.sort(key=created, reverse=True)


def filter_list(call: Call, kind: str) -> None:
    """Lists show only what the caller may view. Who may view the root collection sees
    everything. Who may view exactly one collection gets the engine's list narrowed to
    that collection's label: relayed as it comes. Anyone else gets the engine's list
    filtered object by object, and a container list's ``limit`` applied afterwards, so
    it counts only what they see."""
    if call.is_admin:
        return
    allowed = call.collections_allowing(KINDS[kind][0])
    if ROOT in allowed:
        return
    if (
        len(allowed) == 1
        and kind in NARROWED_BY_ENGINE
        and call.narrow_to_label(f"{ACCESS_LABEL}={next(iter(allowed))}")
    ):
        return
    limit = call.take_limit() if kind == "containers" else None

    def visible(obj: dict[str, Any]) -> bool:
        return call.visible(kind, obj)

    async def keep_visible(items: Any) -> Any:
        if not isinstance(items, list):
            return items
        kept = [obj for obj in items if isinstance(obj, dict) and visible(obj)]
        return kept[:limit] if limit is not None else kept

    call.response_filter = keep_visible
    call.raw_filter = lambda body: keep_elements(kind, body, visible, limit)


async def stack_collection(call: Call, labels: dict[str, str]) -> str | None:
    """The collection the other objects of the same stack went to: a stack lands in one
    collection even though ``docker stack deploy`` creates its objects one by one."""
    stack = labels.get(STACK_LABEL)
    if not stack or labels.get(ACCESS_LABEL):
        return None
    label_filter = f'{{"label":["{STACK_LABEL}={stack}"]}}'
    for kind, path in (
        ("services", "/services"),
        ("networks", "/networks"),
        ("secrets", "/secrets"),
        ("configs", "/configs"),
    ):
        for obj in await call.engine.get(path, filters=label_filter) or []:
            found = labels_of(kind, obj).get(ACCESS_LABEL)
            if found:
                return found
    return None


async def create_labelled(
    call: Call, kind: str, operation: Operation, labels_at: list[str]
) -> None:
    """``POST /<kind>/create`` for objects whose only stake is their collection
    (secrets, configs, networks): label it, require ``operation`` there."""
    body = await call.json_body()
    holder: dict[str, Any] = body
    for key in labels_at:
        holder = holder.setdefault(key, {}) if key != labels_at[-1] else holder
    labels = dict(holder.get(labels_at[-1]) or {})
    path = await call.target_collection(labels, await stack_collection(call, labels))
    holder[labels_at[-1]] = labels
    call.replace_body(body)
    call.require(operation, path)


def label_new_volume(mount: dict[str, Any], new: set[str], path: str) -> bool:
    """Label a volume mount whose named volume the engine will create (its name is in
    ``new``) with the collection ``path``, so that it lands there and not in ``/``."""
    source = str(mount.get("Source") or "")
    if str(mount.get("Type", "volume")).lower() != "volume" or source not in new:
        return False
    options = mount.get("VolumeOptions")
    if not isinstance(options, dict):
        options = mount["VolumeOptions"] = {}
    labels = options.get("Labels")
    if not isinstance(labels, dict):
        labels = options["Labels"] = {}
    labels[ACCESS_LABEL] = path
    return True
