"""Containers and exec instances."""

from __future__ import annotations

import re
from typing import Any

from wharf.access.operations import Operation, SubOption
from wharf.control.engine import Engine, EngineError, NotFoundInEngine
from wharf.control.proxy.call import Call, Refusal, Target, not_found
from wharf.control.proxy.handlers.common import (
    filter_list,
    label_new_volume,
    newest_first,
    stack_collection,
)
from wharf.control.resources import ACCESS_LABEL, collection_of
from wharf.control.scheduling import check_container_placement
from wharf.control.specs import container_needs

Op = Operation

# POST /containers/{id}/<action> → operation
ACTIONS = {
    "start": Op.CONTAINER_START,
    "stop": Op.CONTAINER_STOP,
    "restart": Op.CONTAINER_RESTART,
    "kill": Op.CONTAINER_KILL,
    "pause": Op.CONTAINER_PAUSE,
    "unpause": Op.CONTAINER_UNPAUSE,
    "rename": Op.CONTAINER_RENAME,
    "resize": Op.CONTAINER_RESIZE,
    "wait": Op.CONTAINER_WAIT,
    "attach": Op.CONTAINER_ATTACH,
    "update": Op.CONTAINER_UPDATE,
    "exec": Op.CONTAINER_EXEC,
}
# GET /containers/{id}/<what> → operation
READS = {
    "json": Op.CONTAINER_VIEW,
    "top": Op.CONTAINER_TOP,
    "logs": Op.CONTAINER_LOGS,
    "changes": Op.CONTAINER_CHANGES,
    "export": Op.CONTAINER_EXPORT,
    "stats": Op.CONTAINER_STATS,
    "attach/ws": Op.CONTAINER_ATTACH,
}


async def list_containers(call: Call, m: re.Match[str]) -> None:
    """Every node's containers (with node engines), each shown only if visible, newest
    first; a ``limit`` counts the merged list."""
    filter_list(call, "containers")
    engines = call.node_engines
    if engines is None:
        return
    limit = call.take_limit()  # (None if the filter took it: it applies it itself)
    visible_only = call.response_filter
    call.raw_filter = None  # merging needs the objects
    params = call.request.params

    async def everywhere(items: Any) -> Any:
        if isinstance(items, list):
            seen = {c.get("Id") for c in items if isinstance(c, dict)}
            others = await engines.other_lists("/containers/json", params)
            items += [c for c in others if c.get("Id") not in seen]
            newest_first(items)
        items = await visible_only(items) if visible_only is not None else items
        return items[:limit] if limit is not None and isinstance(items, list) else items

    call.response_filter = everywhere


async def create(call: Call, m: re.Match[str]) -> None:
    body = await call.json_body()
    labels = dict(body.get("Labels") or {})
    path = await call.target_collection(labels, await stack_collection(call, labels))
    body["Labels"] = labels
    needs = container_needs(body)
    call.require(Op.CONTAINER_CREATE, path, needs.sub_options)
    if needs.volume_driver_options:
        call.require(Op.VOLUME_CREATE, path, {SubOption.LOCAL_DRIVER_OPTIONS})
    for network in needs.networks:
        await call.referenced("networks", network, Op.NETWORK_CONNECT)
    for other in needs.containers:
        await call.referenced("containers", other, Op.CONTAINER_VIEW)
    call.authorize()  # what the container may do is judged before where it may run
    await check_container_placement(call, path)
    # Named volumes are the chosen node's: that is where the engine would look for them.
    engine = call.forward_engine or call.engine
    new_volumes = [name for name in needs.volumes if await _volume(call, engine, name, path)]
    call.authorize()
    await _create_volumes(call, engine, body, new_volumes, path)
    call.replace_body(body)


async def _volume(call: Call, engine: Engine, name: str, path: str) -> bool:
    """A named volume on the container's node: attach needs rights on its collection;
    one that does not exist there yet is created in the container's collection (True)."""
    try:
        existing = await engine.inspect("volumes", name)
    except NotFoundInEngine:
        call.require(Op.VOLUME_CREATE, path)
        return True
    collection = collection_of("volumes", existing, call.snapshot)
    call.require(Op.VOLUME_CREATE, collection, target=Target("volumes", name))
    return False


async def _create_volumes(
    call: Call, engine: Engine, body: dict[str, Any], names: list[str], path: str
) -> None:
    """The engine would create missing named volumes without a collection label (in
    ``/``, where their owner cannot see them): ``--mount`` ones get the label in their
    volume options, ``-v name:/dir`` ones are created here, labelled, first."""
    if not names:
        return
    host = body.get("HostConfig") or {}
    pending = set(names)
    for mount in host.get("Mounts") or []:
        if isinstance(mount, dict) and label_new_volume(mount, pending, path):
            pending.discard(str(mount["Source"]))
    for name in sorted(pending):
        try:
            await engine.post(
                "/volumes/create",
                {
                    "Name": name,
                    "Driver": host.get("VolumeDriver") or "local",
                    "Labels": {ACCESS_LABEL: path},
                },
            )
        except EngineError as exc:
            raise Refusal(exc.status, exc.message) from None


async def read(call: Call, m: re.Match[str]) -> None:
    await call.existing("containers", m["id"], READS[m["what"]])


async def action(call: Call, m: re.Match[str]) -> None:
    ident, verb = m["id"], m["action"]
    operation = ACTIONS[verb]
    if verb == "exec":
        body = await call.json_body()
        subs = {SubOption.PRIVILEGED} if body.get("Privileged") else set()
        await call.existing("containers", ident, Op.CONTAINER_EXEC)
        if subs:
            await call.existing("containers", ident, Op.CONTAINER_CREATE, subs)
        return
    missing = None
    if verb == "kill":  # the engine words a missing container differently here
        missing = f"Cannot kill container: {ident}: No such container: {ident}"
    await call.existing("containers", ident, operation, missing=missing)


async def remove(call: Call, m: re.Match[str]) -> None:
    await call.existing("containers", m["id"], Op.CONTAINER_REMOVE)


async def archive(call: Call, m: re.Match[str]) -> None:
    operation = Op.CONTAINER_FS_WRITE if call.request.method == "PUT" else Op.CONTAINER_FS_READ
    await call.existing("containers", m["id"], operation)


async def exec_instance(call: Call, m: re.Match[str]) -> None:
    """/exec/{id}/start|resize|json act on the exec's container."""
    instance = await call.lookup("exec", m["id"])
    if instance is None:
        return  # the engine answers "No such exec instance"
    container = str(instance.get("ContainerID", ""))
    operation = Op.CONTAINER_VIEW if m["what"] == "json" else Op.CONTAINER_EXEC
    obj = await call.existing("containers", container, operation)
    if obj is None:
        raise not_found("exec", m["id"])


async def admin_only(call: Call, m: re.Match[str] | None = None) -> None:
    if not call.is_admin:
        raise Refusal(403, "access denied: only administrators may do this")
