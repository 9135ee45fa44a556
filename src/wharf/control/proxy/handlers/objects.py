"""Networks, volumes, secrets and configs."""

from __future__ import annotations

import re
from typing import Any

from wharf.access.operations import Operation, SubOption
from wharf.control.proxy.call import Call
from wharf.control.proxy.handlers.common import create_labelled, filter_list, stack_collection
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
    if call.is_admin:
        return

    async def visible(payload: Any) -> Any:
        if isinstance(payload, dict) and isinstance(payload.get("Volumes"), list):
            payload["Volumes"] = [v for v in payload["Volumes"] if call.visible("volumes", v)]
        return payload

    call.response_filter = visible


async def volume(call: Call, m: re.Match[str]) -> None:
    operation = Op.VOLUME_VIEW if call.request.method == "GET" else Op.VOLUME_REMOVE
    await call.existing("volumes", m["name"], operation)


async def create_volume(call: Call, m: re.Match[str]) -> None:
    body = await call.json_body()
    labels = dict(body.get("Labels") or {})
    path = await call.target_collection(labels, await stack_collection(call, labels))
    body["Labels"] = labels
    call.require(Op.VOLUME_CREATE, path, volume_create_needs(body))
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
