"""``/_ping``, ``/version``, ``/info``, ``/events``, ``/swarm``: open to every
authenticated caller, filtered for non-admins."""

from __future__ import annotations

import re
import time
from typing import Any

from wharf.access.operations import Operation
from wharf.control.proxy.call import Call, Refusal
from wharf.control.resources import ACCESS_LABEL, KINDS, ROOT, collection_of

Op = Operation


async def open_to_all(call: Call, m: re.Match[str]) -> None:
    return None


async def info(call: Call, m: re.Match[str]) -> None:
    """Counts are of what the caller can see; cluster internals are for admins."""
    if call.is_admin:
        return
    containers = await call.engine.get("/containers/json", all="1") or []
    mine = [c for c in containers if call.visible("containers", c)]

    async def filtered(data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        states = [c.get("State") for c in mine]
        data["Containers"] = len(mine)
        data["ContainersRunning"] = states.count("running")
        data["ContainersPaused"] = states.count("paused")
        data["ContainersStopped"] = len(mine) - data["ContainersRunning"] - data["ContainersPaused"]
        if not call.may(Op.IMAGE_VIEW, ROOT):
            data["Images"] = 0
        swarm = data.get("Swarm")
        if isinstance(swarm, dict):
            swarm.pop("Cluster", None)
            swarm.pop("RemoteManagers", None)
        for key in ("RegistryConfig", "DockerRootDir", "Plugins", "SecurityOptions"):
            data.pop(key, None)
        return data

    call.response_filter = filtered


# Event types → the kind of object they are about.
_EVENT_KINDS = {
    "container": "containers",
    "service": "services",
    "network": "networks",
    "volume": "volumes",
    "secret": "secrets",
    "config": "configs",
    "node": "nodes",
}


async def events(call: Call, m: re.Match[str]) -> None:
    """Each event is shown only if the caller may view its object; objects already gone
    are judged by what was known of them (cached while the stream lasts)."""
    if call.is_admin:
        return
    known: dict[str, tuple[float, str]] = {}

    async def collection_for(kind: str, ident: str, attributes: dict[str, Any]) -> str | None:
        if kind == "containers" and ACCESS_LABEL in attributes:
            return str(attributes[ACCESS_LABEL])
        cached = known.get(ident)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        obj = await call.lookup(kind, ident)
        if obj is None:
            return cached[1] if cached else None
        path = collection_of(kind, obj, call.snapshot)
        known[ident] = (time.monotonic() + 30, path)
        return path

    async def keep(event: dict[str, Any]) -> bool:
        etype = str(event.get("Type", ""))
        if etype == "image":
            return call.may(Op.IMAGE_VIEW, ROOT)
        kind = _EVENT_KINDS.get(etype)
        if kind is None:
            return False  # daemon, plugin, builder events: admins only
        actor = event.get("Actor") or {}
        path = await collection_for(kind, str(actor.get("ID", "")), actor.get("Attributes") or {})
        return path is not None and call.may(KINDS[kind][0], path)

    call.event_filter = keep


async def swarm(call: Call, m: re.Match[str]) -> None:
    """Inspecting the swarm is fine; its join tokens are for admins."""
    if call.request.method != "GET":
        if not call.is_admin:
            raise Refusal(403, "access denied: only administrators may change the swarm")
        return
    if call.is_admin:
        return

    async def without_tokens(data: Any) -> Any:
        if isinstance(data, dict):
            data.pop("JoinTokens", None)
            data.pop("UnlockKey", None)
        return data

    call.response_filter = without_tokens
