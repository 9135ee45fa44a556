"""Prunes (``docker container|image|volume|network prune``, and so ``docker system
prune``) run on every node with node engines: what they clear up is each node's own.
The nodes' reports are merged into the one answer the client gets: the lists joined,
the space reclaimed summed."""

from __future__ import annotations

import re
from typing import Any

from wharf.access.operations import Operation
from wharf.control.proxy.call import Call
from wharf.control.proxy.handlers.common import on_other_nodes
from wharf.control.proxy.handlers.containers import admin_only
from wharf.control.resources import ROOT

# Image Prune is a grantable operation (UCP's); the other prunes are for administrators.
OPERATIONS = {"images": Operation.IMAGE_PRUNE}


async def prune(call: Call, m: re.Match[str]) -> None:
    kind = m["kind"]
    operation = OPERATIONS.get(kind)
    if operation is None:
        await admin_only(call)
    else:
        call.require(operation, ROOT)
    engines = call.node_engines
    if engines is None:
        return
    call.authorize()
    params = call.request.params
    reports = await on_other_nodes(
        engines, lambda engine: engine.post(f"/{kind}/prune", None, **params)
    )

    async def with_the_others(report: Any) -> Any:
        return merge_reports([report, *reports])

    call.response_filter = with_the_others


def merge_reports(reports: list[Any]) -> dict[str, Any]:
    """One prune report from several nodes' (``{"VolumesDeleted": [...],
    "SpaceReclaimed": n}``): lists joined in node order, ``SpaceReclaimed`` summed."""
    merged: dict[str, Any] = {}
    for report in reports:
        if not isinstance(report, dict):
            continue
        for key, value in report.items():
            if isinstance(value, list):
                merged[key] = [*(merged.get(key) or []), *value]
            elif key == "SpaceReclaimed" and isinstance(value, int):
                merged[key] = (merged.get(key) or 0) + value
            else:
                merged.setdefault(key, value)
    return merged
