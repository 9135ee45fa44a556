"""Where Swarm objects live in the collection tree.

A resource's collection is the path in its ``com.docker.ucp.access.label`` label (the
UCP key, kept for compatibility). Objects without one live in ``/``, except nodes:
managers in ``/System`` and workers in ``/Shared``, as in UCP. A label naming a
collection that no longer exists also counts as ``/``: only grants on the root reach it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wharf.access.decide import AccessSnapshot
from wharf.access.operations import Operation

ACCESS_LABEL = "com.docker.ucp.access.label"
COLLECTION_LABEL = "com.docker.ucp.collection"
COLLECTION_FLAG_PREFIX = "com.docker.ucp.collection."
STACK_LABEL = "com.docker.stack.namespace"
ROOT = "/"

# kind → (view operation, human name used in messages)
KINDS: dict[str, tuple[Operation, str]] = {
    "containers": (Operation.CONTAINER_VIEW, "container"),
    "services": (Operation.SERVICE_VIEW, "service"),
    "tasks": (Operation.SERVICE_VIEW_TASKS, "task"),
    "networks": (Operation.NETWORK_VIEW, "network"),
    "volumes": (Operation.VOLUME_VIEW, "volume"),
    "secrets": (Operation.SECRET_VIEW, "secret"),
    "configs": (Operation.CONFIG_VIEW, "config"),
    "nodes": (Operation.NODE_VIEW, "node"),
    "images": (Operation.IMAGE_VIEW, "image"),
}

# Networks every engine has: infrastructure, visible to every authenticated user.
BUILTIN_NETWORKS = frozenset({"bridge", "host", "none", "ingress", "docker_gwbridge"})


def labels_of(kind: str, obj: dict[str, Any]) -> Mapping[str, str]:
    """The labels of an inspected or listed object (they live in different places); read
    only — the object's own, not a copy (lists ask it of thousands of objects)."""
    if kind == "containers":
        labels = obj.get("Labels") if "Labels" in obj else (obj.get("Config") or {}).get("Labels")
    elif kind in ("services", "secrets", "configs", "nodes"):
        labels = (obj.get("Spec") or {}).get("Labels")
    else:
        labels = obj.get("Labels")
    return labels if isinstance(labels, dict) else {}


def collection_of(kind: str, obj: dict[str, Any], snapshot: AccessSnapshot) -> str:
    """The collection path an existing object belongs to."""
    if kind == "images":
        return ROOT
    path = labels_of(kind, obj).get(ACCESS_LABEL)
    if path and path in snapshot.by_path:
        return path
    if kind == "nodes" and not path:
        role = (obj.get("Spec") or {}).get("Role")
        return "/System" if role == "manager" else "/Shared"
    return ROOT


def is_builtin_network(obj: dict[str, Any]) -> bool:
    return obj.get("Name") in BUILTIN_NETWORKS and not labels_of("networks", obj).get(ACCESS_LABEL)


def bookkeeping_labels(path: str, snapshot: AccessSnapshot) -> dict[str, str]:
    """``com.docker.ucp.collection=<id>`` and ``com.docker.ucp.collection.<id>=true`` for
    the collection and every ancestor: "everything under X" becomes a label match (nodes
    carry them so placement constraints can name a subtree)."""
    cid = snapshot.by_path.get(path)
    if cid is None:
        return {}
    labels = {COLLECTION_LABEL: cid}
    for node in snapshot.ancestors(cid):
        labels[COLLECTION_FLAG_PREFIX + node.id] = "true"
    return labels
