"""Where workloads may run: the Node Schedule walk and the placement it implies.

For a workload headed to collection C, take the highest ancestor of C on which the
caller has Node Schedule; the workload may run on every node in that ancestor's
subtree. Nodes carry ``com.docker.ucp.collection.<id>=true`` for their collection and
each ancestor (kept by :class:`NodeLabeler`), so "the subtree of X" is one placement
constraint. Managers (``/System``) take user workloads only when the
``enable_user_ucp_scheduling`` setting is on — then they also carry the ``/Shared``
labels, joining the shared pool — and admin workloads only when
``enable_admin_ucp_scheduling`` is on.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from wharf.access.collections import ROOT_ID, SHARED_ID, SYSTEM_ID
from wharf.access.decide import AccessSnapshot, Requester, decide
from wharf.access.operations import Operation
from wharf.control.engine import Engine, EngineError
from wharf.control.resources import (
    COLLECTION_FLAG_PREFIX,
    COLLECTION_LABEL,
    bookkeeping_labels,
    collection_of,
)
from wharf.control.settings import SchedulerSettings
from wharf.core.logging import get_logger

if TYPE_CHECKING:
    from wharf.control.proxy.call import Call

log = get_logger("control.scheduling")
CONSTRAINT_PREFIX = f"node.labels.{COLLECTION_FLAG_PREFIX}"


def schedulable_root(requester: Requester, path: str, snapshot: AccessSnapshot) -> str | None:
    """The id of the highest ancestor of ``path`` where the requester has Node Schedule
    (None: nowhere)."""
    cid = snapshot.by_path.get(path, ROOT_ID)
    highest = None
    for node in snapshot.ancestors(cid):
        if decide(requester, Operation.NODE_SCHEDULE, frozenset(), node.id, snapshot).allowed:
            highest = node.id
    return highest


def _refuse_schedule(path: str) -> Exception:
    from wharf.control.proxy.call import Refusal

    return Refusal(403, f"access denied: Node Schedule on {path}")


def place_service(call: Call, spec: dict[str, Any], path: str) -> None:
    """Rewrite a service's placement constraints for the caller's scheduling rights."""
    template = spec.setdefault("TaskTemplate", {})
    placement = template.setdefault("Placement", {})
    constraints = [
        c
        for c in (placement.get("Constraints") or [])
        if not str(c).replace(" ", "").startswith(CONSTRAINT_PREFIX)
    ]
    if call.is_admin:
        if not call.scheduler.enable_admin_ucp_scheduling:
            constraints.append(f"{CONSTRAINT_PREFIX}{SYSTEM_ID}!=true")
    else:
        root = schedulable_root(call.requester, path, call.snapshot)
        if root is None:
            raise _refuse_schedule(path)
        call.require(Operation.NODE_SCHEDULE, call.snapshot.collections[root].path)
        constraints.append(f"{CONSTRAINT_PREFIX}{root}==true")
    placement["Constraints"] = constraints


async def check_container_placement(call: Call, path: str) -> None:
    """A container runs on the engine Wharf forwards it to: with node engines, the least
    busy node in the caller's schedulable subtree; otherwise the manager's engine, which
    must then be in that subtree."""
    if call.node_engines is not None:
        await _choose_node(call, path)
        return
    node = await local_node(call.engine)
    if node is None:
        return  # a standalone engine: no swarm, no node collections
    flags = {
        key[len(COLLECTION_FLAG_PREFIX) :]
        for key, value in ((node.get("Spec") or {}).get("Labels") or {}).items()
        if key.startswith(COLLECTION_FLAG_PREFIX) and value == "true"
    }
    manager = (node.get("Spec") or {}).get("Role") == "manager"
    if call.is_admin:
        if manager and not call.scheduler.enable_admin_ucp_scheduling:
            from wharf.control.proxy.call import Refusal

            raise Refusal(
                403,
                "access denied: administrators may not run containers on managers "
                "(enable_admin_ucp_scheduling is off)",
            )
        return
    root = schedulable_root(call.requester, path, call.snapshot)
    if root is None or root not in flags:
        raise _refuse_schedule(collection_of("nodes", node, call.snapshot))


async def _choose_node(call: Call, path: str) -> None:
    assert call.engines is not None
    root = None if call.is_admin else schedulable_root(call.requester, path, call.snapshot)
    if not call.is_admin and root is None:
        raise _refuse_schedule(path)
    candidates = []
    for node in await call.engine.get("/nodes") or []:
        spec = node.get("Spec") or {}
        hostname = str((node.get("Description") or {}).get("Hostname", ""))
        if (node.get("Status") or {}).get("State") != "ready" or spec.get(
            "Availability"
        ) != "active":
            continue
        if call.engines.for_hostname(hostname) is None:
            continue
        manager = spec.get("Role") == "manager"
        if call.is_admin:
            if manager and not call.scheduler.enable_admin_ucp_scheduling:
                continue
        else:
            flags = node_labels(node, call.snapshot, call.scheduler)
            if flags.get(f"{COLLECTION_FLAG_PREFIX}{root}") != "true":
                continue
        candidates.append(hostname)
    engine = await call.engines.least_busy(candidates)
    if engine is None:
        from wharf.control.proxy.call import Refusal

        raise Refusal(409, f"no node available to schedule on for {path}")
    call.forward_engine = engine


_local_node_cache: dict[str, tuple[float, dict[str, Any] | None]] = {}


async def local_node(engine: Engine) -> dict[str, Any] | None:
    """The swarm node of the engine we forward to (cached for a few seconds)."""
    now = asyncio.get_running_loop().time()
    cached = _local_node_cache.get(engine.address)
    if cached and cached[0] > now:
        return cached[1]
    node = None
    with contextlib.suppress(EngineError):
        info = await engine.get("/info")
        node_id = ((info or {}).get("Swarm") or {}).get("NodeID")
        if node_id and (info["Swarm"].get("ControlAvailable")):
            node = await engine.inspect("nodes", node_id)
    _local_node_cache[engine.address] = (now + 5.0, node)
    return node


def node_labels(
    node: dict[str, Any], snapshot: AccessSnapshot, settings: SchedulerSettings
) -> dict[str, str]:
    """The labels a node should carry: its own, minus stale bookkeeping, plus the
    bookkeeping of its collection (and of /Shared for managers when users may schedule
    there)."""
    spec = node.get("Spec") or {}
    labels = {
        k: v
        for k, v in (spec.get("Labels") or {}).items()
        if k != COLLECTION_LABEL and not k.startswith(COLLECTION_FLAG_PREFIX)
    }
    path = collection_of("nodes", node, snapshot)
    labels.update(bookkeeping_labels(path, snapshot))
    if spec.get("Role") == "manager" and settings.enable_user_ucp_scheduling:
        shared = snapshot.collections.get(SHARED_ID)
        if shared is not None:
            for key, value in bookkeeping_labels(shared.path, snapshot).items():
                if key != COLLECTION_LABEL:
                    labels[key] = value
    return labels


class NodeLabeler:
    """Keeps every node's bookkeeping labels in step with its collection and the
    scheduler settings (run at start, periodically, and after changes)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def sync(self, snapshot: AccessSnapshot, settings: SchedulerSettings) -> int:
        try:
            nodes = await self.engine.get("/nodes") or []
        except EngineError:
            return 0  # not a manager (yet): nothing to label
        changed = 0
        for node in nodes:
            wanted = node_labels(node, snapshot, settings)
            spec = dict(node.get("Spec") or {})
            if (spec.get("Labels") or {}) == wanted:
                continue
            spec["Labels"] = wanted
            version = (node.get("Version") or {}).get("Index")
            try:
                await self.engine.post(f"/nodes/{node['ID']}/update", spec, version=version)
                changed += 1
            except EngineError as exc:
                log.warning(
                    "node label update failed", extra={"node": node.get("ID"), "error": exc.message}
                )
        _local_node_cache.clear()
        return changed
