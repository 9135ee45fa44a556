"""Images: shared resources that always live in ``/`` (UCP's rule)."""

from __future__ import annotations

import re

from wharf.access.operations import Operation, SubOption
from wharf.control.proxy.call import Call
from wharf.control.resources import ROOT

Op = Operation

READS = {"json": Op.IMAGE_VIEW, "history": Op.IMAGE_HISTORY, "get": Op.IMAGE_EXPORT}
WRITES = {"push": Op.IMAGE_PUSH, "tag": Op.IMAGE_TAG}


async def list_images(call: Call, m: re.Match[str]) -> None:
    if call.is_admin or call.may(Op.IMAGE_VIEW, ROOT):
        return

    async def nothing(items: object) -> object:
        return [] if isinstance(items, list) else items

    call.response_filter = nothing


async def read(call: Call, m: re.Match[str]) -> None:
    call.require(READS[m["what"]], ROOT)


async def write(call: Call, m: re.Match[str]) -> None:
    call.require(WRITES[m["what"]], ROOT)


async def remove(call: Call, m: re.Match[str]) -> None:
    force = call.request.param("force").lower() in ("1", "true")
    call.require(Op.IMAGE_REMOVE, ROOT, {SubOption.FORCE_REMOVE} if force else set())


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
