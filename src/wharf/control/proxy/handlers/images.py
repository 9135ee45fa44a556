"""Images: shared resources that always live in ``/`` (UCP's rule). With node engines,
``docker images`` is the union of every node's images (as in UCP), and a request about
one image goes to a node that has it; ``docker rmi`` removes it from every node."""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import quote

from wharf.access.operations import Operation, SubOption
from wharf.control.proxy.call import Call
from wharf.control.proxy.handlers.common import newest_first, on_nodes
from wharf.control.proxy.pulls import pull_everywhere
from wharf.control.resources import ROOT

Op = Operation

READS = {"json": Op.IMAGE_VIEW, "history": Op.IMAGE_HISTORY, "get": Op.IMAGE_EXPORT}
WRITES = {"push": Op.IMAGE_PUSH, "tag": Op.IMAGE_TAG}


async def list_images(call: Call, m: re.Match[str]) -> None:
    if not (call.is_admin or call.may(Op.IMAGE_VIEW, ROOT)):

        async def nothing(items: object) -> object:
            return [] if isinstance(items, list) else items

        call.response_filter = nothing
        return
    engines = call.node_engines
    if engines is None:
        return
    params = call.request.params

    async def everywhere(items: Any) -> Any:
        if isinstance(items, list):
            items = merge_images(items + await engines.other_lists("/images/json", params))
            newest_first(items)
        return items

    call.response_filter = everywhere


def merge_images(images: list[Any]) -> list[Any]:
    """One entry per image ID: the same image on several nodes is one image, with the
    names and digests any node gives it and the containers of all of them."""
    merged: dict[str, dict[str, Any]] = {}
    for image in images:
        if not isinstance(image, dict) or not isinstance(image.get("Id"), str):
            continue
        seen = merged.get(image["Id"])
        if seen is None:
            merged[image["Id"]] = dict(image)
            continue
        for key in ("RepoTags", "RepoDigests"):
            names = list(seen.get(key) or [])
            names += [n for n in image.get(key) or [] if n not in names]
            seen[key] = names
        counts = (seen.get("Containers"), image.get("Containers"))
        if all(isinstance(c, int) and c >= 0 for c in counts):
            seen["Containers"] = counts[0] + counts[1]  # type: ignore[operator]
    return list(merged.values())


async def create(call: Call, m: re.Match[str]) -> None:
    """``docker pull`` pulls on every node (as in UCP), side by side, and the client sees
    every node's progress (``control/proxy/pulls.py``). An import (``fromSrc``) stays on
    the manager."""
    call.require(Op.IMAGE_CREATE, ROOT)
    engines = call.node_engines
    params = call.request.params
    if engines is None or not params.get("fromImage"):
        return
    auth = call.request.head.get("x-registry-auth")
    call.respond = functools.partial(pull_everywhere, engines.by_node(), params, auth)


async def _on_a_holder(call: Call, name: str) -> None:
    """Send a request about image ``name`` to a node that has it (the manager when it
    does, or when none does: the engine then answers "no such image" itself)."""
    if call.node_engines is not None:
        holders = await call.node_engines.holders("images", name)
        if holders:
            call.forward_engine = holders[0]


async def read(call: Call, m: re.Match[str]) -> None:
    call.require(READS[m["what"]], ROOT)
    await _on_a_holder(call, m["name"])


async def write(call: Call, m: re.Match[str]) -> None:
    call.require(WRITES[m["what"]], ROOT)
    await _on_a_holder(call, m["name"])


async def remove(call: Call, m: re.Match[str]) -> None:
    """Removed from every node that has it: from the others first, then the request
    itself goes to the first. A node that refuses (the image is in use there) stops
    the removal with its reason, naming the node."""
    force = call.request.param("force").lower() in ("1", "true")
    call.require(Op.IMAGE_REMOVE, ROOT, {SubOption.FORCE_REMOVE} if force else set())
    engines = call.node_engines
    if engines is None:
        return
    name = m["name"]
    holders = await engines.everywhere("images", name)
    if not holders:
        return
    params = call.request.params
    await on_nodes(
        {node: engine for node, engine, _obj in holders[1:]},
        lambda engine: engine.delete(f"/images/{quote(name, safe='')}", **params),
    )
    call.forward_engine = holders[0][1]


def simple(operation: Operation):  # type: ignore[no-untyped-def]
    async def handler(call: Call, m: re.Match[str]) -> None:
        call.require(operation, ROOT)

    return handler


async def commit(call: Call, m: re.Match[str]) -> None:
    call.require(Op.IMAGE_COMMIT, ROOT)
    container = call.request.param("container")
    if container:
        await call.referenced("containers", container, Op.CONTAINER_VIEW)


async def build(call: Call, m: re.Match[str]) -> None:
    """``docker build``: Image Build on ``/``; build steps sharing the host's network
    namespace need Host Networking Mode there as well."""
    call.require(Op.IMAGE_BUILD, ROOT)
    if call.request.param("networkmode") == "host":
        call.require(Op.CONTAINER_CREATE, ROOT, {SubOption.HOST_NETWORKING})
