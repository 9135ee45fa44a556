"""Nodes."""

from __future__ import annotations

import re

from wharf.access.operations import Operation
from wharf.control.proxy.call import Call
from wharf.control.proxy.handlers.common import filter_list
from wharf.control.resources import ACCESS_LABEL, collection_of
from wharf.control.scheduling import node_labels

Op = Operation


async def list_nodes(call: Call, m: re.Match[str]) -> None:
    filter_list(call, "nodes")


async def inspect(call: Call, m: re.Match[str]) -> None:
    await call.existing("nodes", m["id"], Op.NODE_VIEW)


async def update(call: Call, m: re.Match[str]) -> None:
    """Node Update on its collection, and on the new one when it moves; the bookkeeping
    labels that placement relies on are rewritten in the same request."""
    current = await call.existing("nodes", m["id"], Op.NODE_UPDATE)
    if current is None:
        return
    spec = await call.json_body()
    labels = dict(spec.get("Labels") or {})
    old_path = collection_of("nodes", current, call.snapshot)
    labels.setdefault(ACCESS_LABEL, old_path)
    new_path = await call.target_collection(labels)
    if new_path != old_path:
        call.require(Op.NODE_UPDATE, new_path)
    moved = {**current, "Spec": {**spec, "Labels": labels}}
    spec["Labels"] = node_labels(moved, call.snapshot, call.scheduler)
    call.replace_body(spec)
