"""Networks, volumes, secrets and configs."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any
from urllib.parse import quote

from wharf.access.operations import Operation, SubOption
from wharf.control.engine import Engine, EngineError
from wharf.control.proxy.call import Call, Refusal, Target
from wharf.control.proxy.handlers.common import (
    create_labelled,
    filter_list,
    on_nodes,
    on_other_nodes,
    stack_collection,
)
from wharf.control.resources import ACCESS_LABEL, collection_of, is_builtin_network
from wharf.control.specs import volume_create_needs

Op = Operation

# kind → (view, create, update, delete/remove)
OPS = {
    "secrets": (Op.SECRET_VIEW, Op.SECRET_CREATE, Op.SECRET_UPDATE, Op.SECRET_DELETE),
    "configs": (Op.CONFIG_VIEW, Op.CONFIG_CREATE, Op.CONFIG_UPDATE, Op.CONFIG_DELETE),
}


# -- networks -------------------------------------------------------------------------------


async def list_networks(call: Call, m: re.Match[str]) -> None:
    if call.is_admin:
        return

    async def visible(items: Any) -> Any:
        if not isinstance(items, list):
            return items
        return [n for n in items if is_builtin_network(n) or call.visible("networks", n)]

    call.response_filter = visible


async def network(call: Call, m: re.Match[str]) -> None:
    ident = m["id"]
    obj = await call.lookup("networks", ident)
    if obj is not None and is_builtin_network(obj) and call.request.method == "GET":
        return  # infrastructure networks are visible to everyone
    operation = Op.NETWORK_VIEW if call.request.method == "GET" else Op.NETWORK_REMOVE
    await call.existing("networks", ident, operation)


async def create_network(call: Call, m: re.Match[str]) -> None:
    body = await call.json_body()
    labels = dict(body.get("Labels") or {})
    path = await call.target_collection(labels, await stack_collection(call, labels))
    body["Labels"] = labels
    call.require(
        Op.NETWORK_CREATE, path, {SubOption.ATTACHABLE} if body.get("Attachable") else set()
    )
    call.replace_body(body)


async def connect(call: Call, m: re.Match[str]) -> None:
    """Connecting needs Network Connect on the network and Container Connect on the
    container (and the same for disconnecting)."""
    body = await call.json_body()
    connecting = m["action"] == "connect"
    await call.existing(
        "networks", m["id"], Op.NETWORK_CONNECT if connecting else Op.NETWORK_DISCONNECT
    )
    container = str(body.get("Container", ""))
    if container:
        await call.referenced(
            "containers", container, Op.CONTAINER_CONNECT if connecting else Op.CONTAINER_DISCONNECT
        )


# -- volumes --------------------------------------------------------------------------------


async def list_volumes(call: Call, m: re.Match[str]) -> None:
    """With node engines, every node's volumes: a named volume lives on the node whose
    containers use it. The same name on several nodes is listed once."""
    engines = call.engines if call.engines is not None and call.engines.multi else None
    if call.is_admin and engines is None:
        return
    params = call.request.params

    async def visible(payload: Any) -> Any:
        if not (isinstance(payload, dict) and isinstance(payload.get("Volumes"), list)):
            return payload
        volumes = payload["Volumes"]
        if engines is not None:
            volumes += await engines.other_lists("/volumes", params, key="Volumes")
        names: set[Any] = set()
        shown = []
        for v in volumes:
            if isinstance(v, dict) and v.get("Name") not in names and call.visible("volumes", v):
                names.add(v.get("Name"))
                shown.append(v)
        payload["Volumes"] = shown
        return payload

    call.response_filter = visible


async def volume(call: Call, m: re.Match[str]) -> None:
    """Inspect goes to the first node holding a volume of that name that the caller may
    see (the manager first). Removal removes it from every such node: all but the last
    directly, then the last through the forwarded request. Every node is first asked
    whether a container uses the volume there, so that a volume in use on one node is
    left on all of them, and the error names the node. (A container started between
    the check and the removal makes its node refuse, named the same way.)"""
    name = m["name"]
    removing = call.request.method == "DELETE"
    operation = Op.VOLUME_REMOVE if removing else Op.VOLUME_VIEW
    if call.engines is None or not call.engines.multi:
        await call.existing("volumes", name, operation)
        return
    found = await call.engines.everywhere("volumes", name)
    # Invisible ones only when nothing else is there: the check then answers "not found".
    shown = [f for f in found if call.visible("volumes", f[2])] or found[:1]
    for _node, _engine, obj in shown if removing else shown[:1]:
        collection = collection_of("volumes", obj, call.snapshot)
        call.require(operation, collection, target=Target("volumes", name))
    if not shown:
        return  # the manager answers "no such volume" itself
    call.forward_engine = shown[-1][1] if removing else shown[0][1]
    if removing and len(shown) > 1:
        call.authorize()
        await _refuse_if_in_use(name, {node: engine for node, engine, _obj in shown})
        for node, engine, _obj in shown[:-1]:
            try:
                await engine.delete(f"/volumes/{quote(name, safe='')}", **call.request.params)
            except EngineError as exc:
                raise Refusal(exc.status, f"on node {node}: {exc.message}") from None


async def _refuse_if_in_use(name: str, holders: dict[str, Engine]) -> None:
    """Refuse, as the engine would (409, "volume is in use"), if a container on any of
    ``holders`` uses the volume ``name``."""
    filters = json.dumps({"volume": [name]})
    users = await on_nodes(
        holders, lambda engine: engine.get("/containers/json", all="1", filters=filters)
    )
    for node, found in zip(holders, users, strict=True):
        if found:
            ids = ", ".join(str(c.get("Id", "")) for c in found if isinstance(c, dict))
            raise Refusal(409, f"on node {node}: remove {name}: volume is in use - [{ids}]")


async def create_volume(call: Call, m: re.Match[str]) -> None:
    """With node engines, a volume is created on every node (as classic Swarm under UCP
    did), so that a container finds it wherever it is scheduled; an unnamed one gets
    its name here, the same everywhere."""
    body = await call.json_body()
    labels = dict(body.get("Labels") or {})
    path = await call.target_collection(labels, await stack_collection(call, labels))
    body["Labels"] = labels
    call.require(Op.VOLUME_CREATE, path, volume_create_needs(body))
    engines = call.engines
    if engines is not None and engines.multi:
        body["Name"] = body.get("Name") or secrets.token_hex(32)
        call.authorize()
        await on_other_nodes(engines, lambda engine: engine.post("/volumes/create", body))
    call.replace_body(body)


# -- secrets and configs --------------------------------------------------------------------


def list_of(kind: str):  # type: ignore[no-untyped-def]
    async def handler(call: Call, m: re.Match[str]) -> None:
        filter_list(call, kind)

    return handler


def create_of(kind: str):  # type: ignore[no-untyped-def]
    async def handler(call: Call, m: re.Match[str]) -> None:
        await create_labelled(call, kind, OPS[kind][1], ["Labels"])

    return handler


def one_of(kind: str):  # type: ignore[no-untyped-def]
    """GET (view), DELETE (delete) and POST .../update (update, and moving between
    collections needs rights on both)."""

    async def handler(call: Call, m: re.Match[str]) -> None:
        view, _create, update, delete = OPS[kind]
        ident = m["id"]
        if call.request.method == "GET":
            await call.existing(kind, ident, view)
            return
        if call.request.method == "DELETE":
            await call.existing(kind, ident, delete)
            return
        current = await call.existing(kind, ident, update)
        if current is None:
            return
        body = await call.json_body()
        labels = dict(body.get("Labels") or {})
        if ACCESS_LABEL not in labels:
            labels[ACCESS_LABEL] = collection_of(kind, current, call.snapshot)
        call.require(update, await call.target_collection(labels))
        body["Labels"] = labels
        call.replace_body(body)

    return handler
