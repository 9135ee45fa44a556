"""Docker manifest list (application/vnd.docker.distribution.manifest.list.v2+json)."""

from __future__ import annotations

from typing import Any

from wharf.registry.manifests.descriptors import invalid
from wharf.registry.manifests.index import children
from wharf.registry.manifests.media_types import DOCKER_LIST
from wharf.registry.manifests.parsed import ParsedManifest


def parse(doc: dict[str, Any]) -> ParsedManifest:
    if doc.get("mediaType") != DOCKER_LIST:
        raise invalid(f"a Docker manifest list must declare mediaType {DOCKER_LIST}")
    return ParsedManifest(media_type=DOCKER_LIST, references=children(doc))
