"""The shape shared by OCI image indexes and Docker manifest lists: a list of manifest
descriptors, each optionally with a platform."""

from __future__ import annotations

from typing import Any

from wharf.registry.manifests.descriptors import descriptor, invalid, require_list, require_object
from wharf.registry.manifests.parsed import Reference


def children(doc: dict[str, Any]) -> list[Reference]:
    if "manifests" not in doc:
        raise invalid("an index needs a manifests array")
    refs: list[Reference] = []
    for i, raw in enumerate(require_list(doc["manifests"], "manifests")):
        child = descriptor(raw, f"manifests[{i}]")
        if "platform" in child:
            platform = require_object(child["platform"], f"manifests[{i}].platform")
            for key in ("architecture", "os"):
                if not isinstance(platform.get(key), str):
                    raise invalid(f"manifests[{i}].platform.{key} must be a string")
        refs.append(Reference("manifest", child["digest"], child["mediaType"], child["size"]))
    return refs
