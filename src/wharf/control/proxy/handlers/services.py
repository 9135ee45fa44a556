"""Services and tasks."""

from __future__ import annotations

import re
from typing import Any

from wharf.access.operations import Operation, SubOption
from wharf.control.proxy.call import Call, Target
from wharf.control.proxy.handlers.common import filter_list, label_new_volume, stack_collection
from wharf.control.resources import ACCESS_LABEL, collection_of, is_builtin_network
from wharf.control.scheduling import place_service
from wharf.control.specs import service_needs

Op = Operation
_MODES = {"host": SubOption.HOST_NETWORKING, "bridge": SubOption.BRIDGE_NETWORKING}


async def list_services(call: Call, m: re.Match[str]) -> None:
    filter_list(call, "services")


def _container_labels(spec: dict[str, Any]) -> dict[str, str]:
    template = spec.setdefault("TaskTemplate", {})
    container = template.setdefault("ContainerSpec", {})
    labels: dict[str, str] = dict(container.get("Labels") or {})
    container["Labels"] = labels
    return labels


async def _check_spec(call: Call, spec: dict[str, Any], operation: Operation, path: str) -> None:
    """Everything a service spec touches: sub-options on the service's collection, every
    secret, config and network it names, and named volumes; then placement."""
    needs = service_needs(spec)
    # The CLI names networks by id: the swarm's predefined host and bridge networks are
    # networking modes (sub-options), not networks in a collection.
    for network in list(needs.networks):
        found = await call.lookup("networks", network)
        if found is not None and is_builtin_network(found) and found.get("Name") in _MODES:
            needs.networks.remove(network)
            needs.sub_options.add(_MODES[found["Name"]])
    call.require(operation, path, needs.sub_options)
    if needs.volume_driver_options:
        call.require(Op.VOLUME_CREATE, path, {SubOption.LOCAL_DRIVER_OPTIONS})
    new_volumes = set()
    for volume in needs.volumes:
        existing = await call.lookup("volumes", volume)
        if existing is None:
            call.require(Op.VOLUME_CREATE, path)
            new_volumes.add(volume)
        else:
            call.require(
                Op.VOLUME_CREATE,
                collection_of("volumes", existing, call.snapshot),
                target=Target("volumes", volume),
            )
    for secret in needs.secrets:
        await call.referenced("secrets", secret, Op.SECRET_USE)
    for config in needs.configs:
        await call.referenced("configs", config, Op.CONFIG_USE)
    for network in needs.networks:
        await call.referenced("networks", network, Op.NETWORK_CONNECT)
    call.authorize()  # what the service may do is judged before where it may run
    place_service(call, spec, path)
    # Volumes the tasks' engines create: in the service's collection, not in /.
    container = spec.get("TaskTemplate", {}).get("ContainerSpec") or {}
    for mount in container.get("Mounts") or []:
        if isinstance(mount, dict):
            label_new_volume(mount, new_volumes, path)


async def create(call: Call, m: re.Match[str]) -> None:
    spec = await call.json_body()
    labels = dict(spec.get("Labels") or {})
    path = await call.target_collection(labels, await stack_collection(call, labels))
    spec["Labels"] = labels
    # Tasks carry the collection too, so their containers are placed and shown right.
    _container_labels(spec)[ACCESS_LABEL] = path
    await _check_spec(call, spec, Op.SERVICE_CREATE, path)
    call.replace_body(spec)


async def update(call: Call, m: re.Match[str]) -> None:
    ident = m["id"]
    current = await call.existing("services", ident, Op.SERVICE_UPDATE)
    if current is None:
        return  # the engine answers "not found"
    spec = await call.json_body()
    old_path = collection_of("services", current, call.snapshot)
    labels = dict(spec.get("Labels") or {})
    if ACCESS_LABEL not in labels:
        labels[ACCESS_LABEL] = old_path
    new_path = await call.target_collection(labels)
    spec["Labels"] = labels
    _container_labels(spec)[ACCESS_LABEL] = new_path
    # Moving a service needs rights on both collections.
    await _check_spec(call, spec, Op.SERVICE_UPDATE, new_path)
    call.replace_body(spec)


async def inspect(call: Call, m: re.Match[str]) -> None:
    await call.existing("services", m["id"], Op.SERVICE_VIEW)


async def logs(call: Call, m: re.Match[str]) -> None:
    await call.existing("services", m["id"], Op.SERVICE_LOGS)


async def remove(call: Call, m: re.Match[str]) -> None:
    await call.existing("services", m["id"], Op.SERVICE_DELETE)


async def _service_collections(call: Call) -> dict[str, str]:
    services = await call.engine.get("/services") or []
    return {s["ID"]: collection_of("services", s, call.snapshot) for s in services}


async def list_tasks(call: Call, m: re.Match[str]) -> None:
    if call.is_admin:
        return
    collections = await _service_collections(call)

    async def visible_tasks(tasks: Any) -> Any:
        if not isinstance(tasks, list):
            return tasks
        return [
            t
            for t in tasks
            if t.get("ServiceID") in collections
            and call.may(Op.SERVICE_VIEW_TASKS, collections[t["ServiceID"]])
        ]

    call.response_filter = visible_tasks


async def task(call: Call, m: re.Match[str]) -> None:
    """A task is seen through its service: Service View Tasks (or Service Logs)."""
    found = await call.lookup("tasks", m["id"])
    if found is None:
        return
    operation = Op.SERVICE_LOGS if m["what"] == "/logs" else Op.SERVICE_VIEW_TASKS
    service = await call.lookup("services", str(found.get("ServiceID", "")))
    path = collection_of("services", service, call.snapshot) if service else "/"
    call.require(operation, path, target=Target("tasks", m["id"]))
