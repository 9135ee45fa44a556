"""Manifest validation: each media type's handler, and the refusals with their reasons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.manifests import parse_manifest
from wharf.registry.manifests.media_types import (
    DOCKER_CONFIG,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
)

D1, D2, D3 = ("sha256:" + c * 64 for c in "123")
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def desc(media_type: str, digest: str, size: int = 10, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest, "size": size, **extra}


def oci_manifest(**extra: Any) -> dict[str, Any]:
    return {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": desc("application/vnd.oci.image.config.v1+json", D1),
        "layers": [desc(LAYER, D2)],
        **extra,
    }


def parse(doc: Any, content_type: str = "") -> Any:
    return parse_manifest(json.dumps(doc).encode(), content_type)


def refused(doc: Any, content_type: str = "") -> RegistryError:
    with pytest.raises(RegistryError) as err:
        parse(doc, content_type)
    assert err.value.code is ErrorCode.MANIFEST_INVALID
    return err.value


def test_oci_image_manifest_lists_config_and_layers() -> None:
    parsed = parse(oci_manifest())
    assert parsed.media_type == OCI_MANIFEST
    assert [(r.kind, r.digest) for r in parsed.references] == [("config", D1), ("layer", D2)]
    assert parsed.subject is None
    assert parsed.artifact_type == "application/vnd.oci.image.config.v1+json"


def test_artifact_with_empty_config_and_subject() -> None:
    doc = oci_manifest(
        artifactType="application/vnd.example.sbom",
        config=desc(OCI_EMPTY, D1, 2),
        subject=desc(OCI_MANIFEST, D3),
        annotations={"org.example": "x"},
    )
    parsed = parse(doc)
    assert parsed.subject == D3
    assert parsed.artifact_type == "application/vnd.example.sbom"
    assert parsed.annotations == {"org.example": "x"}


def test_empty_config_needs_an_artifact_type() -> None:
    assert "artifactType" in str(refused(oci_manifest(config=desc(OCI_EMPTY, D1, 2))))


def test_media_type_may_come_from_content_type_or_shape() -> None:
    doc = oci_manifest()
    del doc["mediaType"]
    assert parse(doc, OCI_MANIFEST).media_type == OCI_MANIFEST
    assert parse(doc, "application/json").media_type == OCI_MANIFEST
    index = {"schemaVersion": 2, "manifests": [desc(OCI_MANIFEST, D1)]}
    assert parse(index).media_type == OCI_INDEX


def test_content_type_must_agree_with_media_type() -> None:
    assert "does not match" in str(refused(oci_manifest(), DOCKER_MANIFEST))


def test_docker_v2_manifest() -> None:
    doc = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": desc(DOCKER_CONFIG, D1),
        "layers": [desc("application/vnd.docker.image.rootfs.diff.tar.gzip", D2)],
    }
    parsed = parse(doc, DOCKER_MANIFEST)
    assert [r.digest for r in parsed.references] == [D1, D2]


def test_foreign_layers_are_not_required() -> None:
    doc = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": desc(DOCKER_CONFIG, D1),
        "layers": [
            desc(
                "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                D2,
                urls=["https://example.com/layer"],
            )
        ],
    }
    assert [r.digest for r in parse(doc).references] == [D1]


def test_indexes_reference_child_manifests() -> None:
    platform = {"architecture": "amd64", "os": "linux"}
    doc = {
        "schemaVersion": 2,
        "mediaType": DOCKER_LIST,
        "manifests": [desc(DOCKER_MANIFEST, D1, platform=platform)],
    }
    parsed = parse(doc)
    assert [(r.kind, r.digest) for r in parsed.references] == [("manifest", D1)]
    oci = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [desc(OCI_MANIFEST, D2)],
        "subject": desc(OCI_MANIFEST, D3),
        "artifactType": "application/x",
    }
    assert parse(oci).subject == D3


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "JSON object"),
        ({"schemaVersion": 3, "mediaType": OCI_MANIFEST}, "schemaVersion must be 2"),
        ({"schemaVersion": 1, "name": "x", "fsLayers": []}, "schema 1"),
        (
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v1+json",
            },
            "schema 1",
        ),
        (
            {"schemaVersion": 2, "mediaType": "application/vnd.oci.artifact.manifest.v1+json"},
            "dropped from OCI 1.1",
        ),
        (
            {"schemaVersion": 2, "mediaType": "application/x-unknown"},
            "unsupported manifest media type",
        ),
        ({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": []}, "config"),
        (
            {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST, "config": desc(DOCKER_CONFIG, D1)},
            "layers",
        ),
        ({**oci_manifest(), "layers": [desc(LAYER, "sha256:zz")]}, "not a valid digest"),
        ({**oci_manifest(), "layers": [desc(LAYER, D2, -1)]}, "non-negative"),
        ({**oci_manifest(), "layers": [{"digest": D2, "size": 1}]}, "mediaType"),
        ({**oci_manifest(), "layers": "x"}, "JSON array"),
        ({**oci_manifest(), "annotations": {"a": 1}}, "strings to strings"),
        (
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [desc(OCI_MANIFEST, D1, platform={"os": "linux"})],
            },
            "architecture",
        ),
        ({"schemaVersion": 2, "mediaType": DOCKER_LIST}, "manifests array"),
        ({"schemaVersion": 2}, "cannot tell the manifest type"),
    ],
)
def test_refusals_say_what_is_wrong(doc: Any, message: str) -> None:
    assert message in str(refused(doc))


def test_invalid_json_is_refused() -> None:
    with pytest.raises(RegistryError, match="not valid JSON"):
        parse_manifest(b"{not json", OCI_MANIFEST)
    with pytest.raises(RegistryError, match="not valid JSON"):
        parse_manifest(b"\xff\xfe", OCI_MANIFEST)
