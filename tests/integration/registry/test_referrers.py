"""OCI 1.1 referrers: an artifact with a ``subject`` pushed with the oras client is
found through ``/v2/<name>/referrers/<digest>``, with and without an artifactType
filter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.common.oci import (
    EMPTY_JSON,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    Blob,
    canonical,
    make_image,
    sha256,
)
from tests.common.registry import expect, push_blob, push_image, push_manifest
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration

SBOM_TYPE = "application/vnd.example.sbom.v1+json"
SBOM_CONFIG_TYPE = "application/vnd.example.sbom.config.v1+json"
SIGNATURE_TYPE = "application/vnd.example.signature.v1"


@pytest.fixture
def oras_registry(registry: WharfServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    provider = pytest.importorskip("oras.provider")
    # Basic credentials on /v2/ (which Wharf accepts): oras-py's token backend keeps the
    # pull-only token of its first request and re-sends it when a push is challenged
    # with 401 insufficient_scope (the reference registry's answer too); it only asks
    # for a new token after a 403.
    client = provider.Registry(hostname=registry.host, insecure=True, auth_backend="basic")
    config = tmp_path / "oras-docker-config.json"
    user, password = registry.admin
    client.login(user, password, hostname=registry.host, config_path=str(config))
    return client, config


def test_artifact_with_subject_is_listed_as_referrer(
    registry: WharfServer,
    oras_registry,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    import oras.oci

    oras_client, oras_config = oras_registry
    name = "admin/signed"
    subject = make_image()
    with registry.client() as client:
        push_image(client, name, "v1", subject)
        # Before anything refers to it: an empty index.
        empty = expect(client.get(f"/v2/{name}/referrers/{subject.digest}"), 200)
        assert empty.headers["content-type"] == OCI_INDEX
        assert empty.json() == {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}

    # An SBOM artifact, pushed by oras with the image as its subject.
    sbom = tmp_path / "sbom.json"
    sbom.write_text(json.dumps({"packages": ["busybox"]}))
    sbom_config = tmp_path / "sbom-config.json"
    sbom_config.write_text(json.dumps({"generator": "wharf-tests"}))
    response = oras_client.push(
        target=f"{registry.host}/{name}:sbom",
        files=[f"{sbom}:{SBOM_TYPE}"],
        manifest_config=f"{sbom_config}:{SBOM_CONFIG_TYPE}",
        manifest_annotations={"org.example.kind": "sbom"},
        subject=oras.oci.Subject(OCI_MANIFEST, subject.digest, subject.manifest.size),
        disable_path_validation=True,
        config_path=str(oras_config),
        quiet=True,
    )
    assert response.status_code == 201, response.text
    assert response.headers["OCI-Subject"] == subject.digest
    sbom_digest = response.headers["Docker-Content-Digest"]

    with registry.client() as client:
        # A signature artifact, OCI 1.1 style: artifactType and the empty config.
        push_blob(client, name, EMPTY_JSON)
        signature_layer = Blob(b"signature bytes", "application/octet-stream")
        push_blob(client, name, signature_layer.data)
        signature = Blob(
            canonical(
                {
                    "schemaVersion": 2,
                    "mediaType": OCI_MANIFEST,
                    "artifactType": SIGNATURE_TYPE,
                    "config": {"mediaType": OCI_EMPTY, "digest": sha256(EMPTY_JSON), "size": 2},
                    "layers": [signature_layer.descriptor()],
                    "subject": subject.manifest.descriptor(),
                }
            ),
            OCI_MANIFEST,
        )
        pushed = expect(push_manifest(client, name, signature.digest, signature), 201)
        assert pushed.headers["OCI-Subject"] == subject.digest
        # A manifest without a subject gets no OCI-Subject header.
        plain = expect(push_manifest(client, name, "plain", make_image_pushed(client, name)), 201)
        assert "oci-subject" not in plain.headers

        listing = expect(client.get(f"/v2/{name}/referrers/{subject.digest}"), 200)
        assert listing.headers["content-type"] == OCI_INDEX
        assert "oci-filters-applied" not in listing.headers
        index = listing.json()
        assert index["schemaVersion"] == 2
        assert index["mediaType"] == OCI_INDEX
        entries = {entry["digest"]: entry for entry in index["manifests"]}
        assert set(entries) == {sbom_digest, signature.digest}
        assert entries[sbom_digest]["artifactType"] == SBOM_CONFIG_TYPE
        assert entries[sbom_digest]["mediaType"] == OCI_MANIFEST
        assert entries[sbom_digest]["annotations"] == {"org.example.kind": "sbom"}
        assert entries[signature.digest] == {
            "mediaType": OCI_MANIFEST,
            "digest": signature.digest,
            "size": signature.size,
            "artifactType": SIGNATURE_TYPE,
        }
        sbom_manifest = expect(client.get(f"/v2/{name}/manifests/{sbom_digest}"), 200)
        assert entries[sbom_digest]["size"] == len(sbom_manifest.content)
        assert sbom_manifest.json()["subject"]["digest"] == subject.digest

        filtered = expect(
            client.get(
                f"/v2/{name}/referrers/{subject.digest}", params={"artifactType": SIGNATURE_TYPE}
            ),
            200,
        )
        assert filtered.headers["oci-filters-applied"] == "artifactType"
        assert [m["digest"] for m in filtered.json()["manifests"]] == [signature.digest]

        none = expect(
            client.get(
                f"/v2/{name}/referrers/{subject.digest}",
                params={"artifactType": "application/vnd.example.unknown"},
            ),
            200,
        )
        assert none.headers["oci-filters-applied"] == "artifactType"
        assert none.json()["manifests"] == []

    # oras pulls the artifact back by its tag.
    out = tmp_path / "pulled"
    files = oras_client.pull(
        target=f"{registry.host}/{name}:sbom", outdir=str(out), config_path=str(oras_config)
    )
    assert [Path(f).read_text() for f in files] == [sbom.read_text()]


def make_image_pushed(client, name):  # type: ignore[no-untyped-def]
    """A fresh image whose blobs are pushed; returns its manifest blob."""
    image = make_image()
    for blob in image.blobs:
        push_blob(client, name, blob.data)
    return image.manifest
