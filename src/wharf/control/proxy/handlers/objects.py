"""Networks, volumes, secrets and configs."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any
from urllib.parse import quote

from wharf.access.operations import Operation, SubOption
from wharf.control.engine import Engine, NotFoundInEngine
from wharf.control.engines import EngineSet
from wharf.control.proxy.call import Call, Refusal, Target
from wharf.control.proxy.handlers.common import (
    create_labelled,
    create_on_every_node,
    filter_list,
    on_nodes,
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
#
# A swarm-wide (overlay) network is the manager's to answer for. A node-local one (bridge,
# macvlan, ipvlan) exists per node, under its own ID on each: with node engines, Wharf
# creates it on every node, lists it once, and removes it everywhere, so a container
# finds its network wherever it is scheduled.


def _node_local(spec: dict[str, Any]) -> bool:
    """Whether a network (an engine's answer, or a create request) is node-local: by the
    ``Scope`` the engine gives, else by its driver (``bridge`` when none is named)."""
    scope = spec.get("Scope")
    if scope:
        return bool(scope == "local")
    return (spec.get("Driver") or "bridge") != "overlay"


async def list_networks(call: Call, m: re.Match[str]) -> None:
    """Only visible networks (and the built-in ones); with node engines, every node's,
    a node-local network once by name (the manager's copy first), a swarm-wide one,
    which workers using it list too, once by ID."""
    engines = call.node_engines
    if call.is_admin and engines is None:
        return
    params = call.request.params

    async def visible(items: Any) -> Any:
        if not isinstance(items, list):
            return items
        if engines is not None:
            items = items + await engines.other_lists("/networks", params)
        seen: set[tuple[str, Any]] = set()
        shown = []
        for n in items:
            if not isinstance(n, dict):
                continue
            if not (call.is_admin or is_builtin_network(n) or call.visible("networks", n)):
                continue
            key = ("name", n.get("Name")) if _node_local(n) else ("id", n.get("Id"))
            if key not in seen:
                seen.add(key)
                shown.append(n)
        return shown

    call.response_filter = visible


async def network(call: Call, m: re.Match[str]) -> None:
    ident = m["id"]
    obj = await call.lookup("networks", ident)
    engines = call.node_engines
    if engines is not None and (obj is None or _node_local(obj)):
        # The manager's copy names it; one only other nodes have is looked for there.
        if obj is None:
            found = await engines.everywhere("networks", ident)
            obj = found[0][2] if found else None
        if obj is not None and _node_local(obj) and not is_builtin_network(obj):
            await _node_local_network(call, engines, ident, str(obj.get("Name")))
            return
    if obj is not None and is_builtin_network(obj) and call.request.method == "GET":
        return  # infrastructure networks are visible to everyone
    operation = Op.NETWORK_VIEW if call.request.method == "GET" else Op.NETWORK_REMOVE
    await call.existing("networks", ident, operation)


Copy = tuple[str, Engine, dict[str, Any]]  # a node's copy of a node-local object


def _acted_on(
    call: Call, kind: str, ident: str, copies: list[Copy], operation: Operation, removing: bool
) -> list[Copy]:
    """The copies of a node-local object a request acts on: every visible one for a
    removal, the first for a view; the caller must hold ``operation`` on each. An
    invisible copy only when there is no other: the check then answers "not found"."""
    shown = [c for c in copies if call.visible(kind, c[2])] or copies[:1]
    acted = shown if removing else shown[:1]
    for _node, _engine, obj in acted:
        collection = collection_of(kind, obj, call.snapshot)
        call.require(operation, collection, target=Target(kind, ident))
    return acted


async def _node_local_network(call: Call, engines: EngineSet, ident: str, name: str) -> None:
    """Inspect answers from the first node holding a visible copy (the manager first).
    Removal removes every visible copy; every node is first asked whether a container
    uses its copy, so a network in use on one node is left on all of them."""
    removing = call.request.method == "DELETE"
    operation = Op.NETWORK_REMOVE if removing else Op.NETWORK_VIEW
    copies = [
        found
        for found in await engines.everywhere("networks", name)
        if found[2].get("Name") == name and _node_local(found[2])
    ]
    acted = _acted_on(call, "networks", ident, copies, operation, removing)
    if not acted:
        return  # the manager answers "not found" itself
    _node, last_engine, last = acted[-1]
    call.forward_engine = last_engine
    call.rewrite_path(f"/networks/{last.get('Id')}")
    if not removing:
        return
    call.authorize()
    for node, _engine, obj in acted:
        if obj.get("Containers"):
            raise Refusal(
                403,
                f"on node {node}: error while removing network: network {name} id "
                f"{obj.get('Id')} has active endpoints",
            )
    copy_ids = {engine: obj.get("Id") for _node, engine, obj in acted[:-1]}
    await on_nodes(
        {node: engine for node, engine, _obj in acted[:-1]},
        lambda engine: engine.delete(f"/networks/{copy_ids[engine]}"),
    )


async def create_network(call: Call, m: re.Match[str]) -> None:
    """With node engines, a node-local network is created on every node. It is refused
    if any node already has a network of that name, and, if one node refuses (the
    manager too), undone on the others."""
    body = await call.json_body()
    labels = dict(body.get("Labels") or {})
    path = await call.target_collection(labels, await stack_collection(call, labels))
    body["Labels"] = labels
    call.require(
        Op.NETWORK_CREATE, path, {SubOption.ATTACHABLE} if body.get("Attachable") else set()
    )
    engines = call.node_engines
    if engines is not None and _node_local(body):
        call.authorize()
        name = str(body.get("Name", ""))
        for node, _engine, obj in await engines.everywhere("networks", name):
            if obj.get("Name") == name:
                raise Refusal(409, f"on node {node}: network with name {name} already exists")
        await create_on_every_node(
            call,
            engines,
            "/networks/create",
            body,
            undo=lambda engine, created: engine.delete(f"/networks/{created.get('Id')}"),
        )
        return
    call.replace_body(body)


async def connect(call: Call, m: re.Match[str]) -> None:
    """Connecting needs Network Connect on the network and Container Connect on the
    container (and the same for disconnecting). With node engines the request goes to
    the container's node, and the network checked is the one that node will use: a
    node-local network is named by name there, since the ID the client holds is the
    manager's copy's."""
    body = await call.json_body()
    connecting = m["action"] == "connect"
    net_operation = Op.NETWORK_CONNECT if connecting else Op.NETWORK_DISCONNECT
    container_operation = Op.CONTAINER_CONNECT if connecting else Op.CONTAINER_DISCONNECT
    container = str(body.get("Container", ""))
    engines = call.node_engines
    if engines is None or not container:
        await call.existing("networks", m["id"], net_operation)
        if container:
            await call.referenced("containers", container, container_operation)
        return
    await call.referenced("containers", container, container_operation)
    engine = engines.located("containers", container) or call.engine
    call.forward_engine = engine
    ident = m["id"]
    known = await call.lookup("networks", ident)  # the manager's, by the client's ID
    if known is not None and not _node_local(known):
        net = known  # a swarm-wide network: the manager's copy is the one to judge
    else:
        if known is not None:
            ident = str(known.get("Name"))
            call.rewrite_path(f"/networks/{quote(ident, safe='')}/{m['action']}")
        try:
            net = await engine.inspect("networks", ident)
        except NotFoundInEngine:
            return  # the container's node answers "not found" itself
    call.require(
        net_operation,
        collection_of("networks", net, call.snapshot),
        target=Target("networks", m["id"]),
    )


# -- volumes --------------------------------------------------------------------------------


async def list_volumes(call: Call, m: re.Match[str]) -> None:
    """With node engines, every node's volumes: a named volume lives on the node whose
    containers use it. The same name on several nodes is listed once."""
    engines = call.node_engines
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
    engines = call.node_engines
    if engines is None:
        await call.existing("volumes", name, operation)
        return
    found = await engines.everywhere("volumes", name)
    acted = _acted_on(call, "volumes", name, found, operation, removing)
    if not acted:
        return  # the manager answers "no such volume" itself
    call.forward_engine = acted[-1][1]
    if removing and len(acted) > 1:
        call.authorize()
        await _refuse_if_in_use(name, {node: engine for node, engine, _obj in acted})
        await on_nodes(
            {node: engine for node, engine, _obj in acted[:-1]},
            lambda engine: engine.delete(f"/volumes/{quote(name, safe='')}", **call.request.params),
        )


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
    its name here, the same everywhere. If one node refuses (the manager too), it is
    undone on the others."""
    body = await call.json_body()
    labels = dict(body.get("Labels") or {})
    path = await call.target_collection(labels, await stack_collection(call, labels))
    body["Labels"] = labels
    call.require(Op.VOLUME_CREATE, path, volume_create_needs(body))
    engines = call.node_engines
    if engines is not None:
        given = str(body.get("Name") or "")
        body["Name"] = given or secrets.token_hex(32)
        call.authorize()
        name = quote(str(body["Name"]), safe="")
        # Creating a volume a node already has answers with that volume: undoing it
        # there would delete a volume this request did not make. (A name Wharf just
        # made up is on no node.)
        had = (
            {engine for _node, engine, _obj in await engines.everywhere("volumes", given)}
            if given
            else set()
        )

        async def undo(engine: Engine, _created: Any) -> None:
            if engine not in had:
                await engine.delete(f"/volumes/{name}")

        await create_on_every_node(call, engines, "/volumes/create", body, undo)
        return
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
