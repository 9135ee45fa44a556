"""Docker image manifest schema 2 (application/vnd.docker.distribution.manifest.v2+json)."""

from __future__ import annotations

from typing import Any

from wharf.registry.manifests.descriptors import invalid
from wharf.registry.manifests.image import config_and_layers
from wharf.registry.manifests.media_types import DOCKER_MANIFEST
from wharf.registry.manifests.parsed import ParsedManifest


def parse(doc: dict[str, Any]) -> ParsedManifest:
    if doc.get("mediaType") != DOCKER_MANIFEST:
        raise invalid(f"a Docker schema 2 manifest must declare mediaType {DOCKER_MANIFEST}")
    if "layers" not in doc:
        raise invalid("a Docker schema 2 manifest needs a layers array")
    config, refs = config_and_layers(doc)
    return ParsedManifest(
        media_type=DOCKER_MANIFEST,
        references=refs,
        artifact_type=config["mediaType"],
    )
