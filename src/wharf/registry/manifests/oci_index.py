"""OCI image index (application/vnd.oci.image.index.v1+json), which may itself be an
artifact with ``artifactType`` and a ``subject``."""

from __future__ import annotations

from typing import Any

from wharf.registry.manifests.descriptors import check_annotations, descriptor, invalid
from wharf.registry.manifests.index import children
from wharf.registry.manifests.media_types import OCI_INDEX
from wharf.registry.manifests.parsed import ParsedManifest


def parse(doc: dict[str, Any]) -> ParsedManifest:
    refs = children(doc)
    artifact_type = doc.get("artifactType")
    if artifact_type is not None and (not isinstance(artifact_type, str) or not artifact_type):
        raise invalid("artifactType must be a non-empty string")
    subject = descriptor(doc["subject"], "subject")["digest"] if "subject" in doc else None
    return ParsedManifest(
        media_type=OCI_INDEX,
        references=refs,
        subject=subject,
        artifact_type=artifact_type,
        annotations=check_annotations(doc.get("annotations"), "annotations"),
    )
