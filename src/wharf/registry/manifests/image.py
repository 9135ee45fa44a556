"""The shape shared by OCI image manifests and Docker schema 2 manifests: one config
descriptor and a list of layer descriptors."""

from __future__ import annotations

from typing import Any

from wharf.registry.manifests.descriptors import (
    check_annotations,
    descriptor,
    invalid,
    is_foreign,
    require_list,
)
from wharf.registry.manifests.parsed import Reference


def config_and_layers(doc: dict[str, Any]) -> tuple[dict[str, Any], list[Reference]]:
    if "config" not in doc:
        raise invalid("an image manifest needs a config descriptor")
    config = descriptor(doc["config"], "config")
    refs = [Reference("config", config["digest"], config["mediaType"], config["size"])]
    for i, raw in enumerate(require_list(doc.get("layers", []), "layers")):
        layer = descriptor(raw, f"layers[{i}]")
        if not is_foreign(layer):
            refs.append(Reference("layer", layer["digest"], layer["mediaType"], layer["size"]))
    check_annotations(doc.get("annotations"), "annotations")
    return config, refs
