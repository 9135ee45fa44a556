"""OCI image manifest (application/vnd.oci.image.manifest.v1+json), including OCI 1.1
artifacts: ``artifactType`` with the empty config, and ``subject`` for referrers."""

from __future__ import annotations

from typing import Any

from wharf.registry.manifests.descriptors import check_annotations, descriptor, invalid
from wharf.registry.manifests.image import config_and_layers
from wharf.registry.manifests.media_types import OCI_EMPTY, OCI_MANIFEST
from wharf.registry.manifests.parsed import ParsedManifest


def parse(doc: dict[str, Any]) -> ParsedManifest:
    config, refs = config_and_layers(doc)
    if "layers" not in doc:
        raise invalid("an OCI image manifest needs a layers array (it may be empty)")
    artifact_type = doc.get("artifactType")
    if artifact_type is not None and (not isinstance(artifact_type, str) or not artifact_type):
        raise invalid("artifactType must be a non-empty string")
    if config["mediaType"] == OCI_EMPTY and artifact_type is None:
        raise invalid("a manifest with the empty config must declare artifactType")
    subject = descriptor(doc["subject"], "subject")["digest"] if "subject" in doc else None
    return ParsedManifest(
        media_type=OCI_MANIFEST,
        references=refs,
        subject=subject,
        # The referrers API reports the config media type when artifactType is absent.
        artifact_type=artifact_type or config["mediaType"],
        annotations=check_annotations(doc.get("annotations"), "annotations"),
    )
