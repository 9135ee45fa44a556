"""Dispatch on the manifest media type to its handler."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from wharf.registry.manifests import docker_list, docker_v2, oci_index, oci_manifest
from wharf.registry.manifests.descriptors import invalid
from wharf.registry.manifests.media_types import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    DOCKER_SCHEMA1,
    DOCKER_SCHEMA1_SIGNED,
    OCI_ARTIFACT_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
)
from wharf.registry.manifests.parsed import ParsedManifest

HANDLERS: dict[str, Callable[[dict[str, Any]], ParsedManifest]] = {
    OCI_MANIFEST: oci_manifest.parse,
    OCI_INDEX: oci_index.parse,
    DOCKER_MANIFEST: docker_v2.parse,
    DOCKER_LIST: docker_list.parse,
}
MANIFEST_MEDIA_TYPES = frozenset(HANDLERS)

_SCHEMA1 = {DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED}


def _media_type(doc: dict[str, Any], content_type: str) -> str:
    declared = doc.get("mediaType")
    if declared is not None and not isinstance(declared, str):
        raise invalid("mediaType must be a string")
    header = content_type.split(";", 1)[0].strip().lower()
    if declared in _SCHEMA1 or header in _SCHEMA1 or doc.get("schemaVersion") == 1:
        raise invalid(
            "Docker image manifest schema 1 is not supported: it was deprecated in 2017 "
            "and cannot carry content digests safely; push with a current client, which "
            "sends schema 2 or OCI manifests"
        )
    if declared == OCI_ARTIFACT_MANIFEST or header == OCI_ARTIFACT_MANIFEST:
        raise invalid(
            "the draft OCI artifact manifest was dropped from OCI 1.1; push an image "
            "manifest with artifactType and an empty config instead"
        )
    if doc.get("schemaVersion") != 2:
        raise invalid("schemaVersion must be 2")
    if declared:
        if header in HANDLERS and header != declared:
            raise invalid(
                f"Content-Type {header!r} does not match the manifest's mediaType {declared!r}"
            )
        return declared
    if header in HANDLERS:
        return header
    # OCI allows mediaType to be omitted; fall back on the document's shape.
    if "manifests" in doc:
        return OCI_INDEX
    if "config" in doc:
        return OCI_MANIFEST
    raise invalid("cannot tell the manifest type: no mediaType field and no known Content-Type")


def parse_manifest(content: bytes, content_type: str) -> ParsedManifest:
    """Validate ``content`` and list what it references; raises MANIFEST_INVALID."""
    try:
        doc = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid(f"manifest is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise invalid("manifest must be a JSON object")
    media_type = _media_type(doc, content_type)
    handler = HANDLERS.get(media_type)
    if handler is None:
        raise invalid(
            f"unsupported manifest media type {media_type!r}; supported: "
            + ", ".join(sorted(HANDLERS))
        )
    return handler(doc)
