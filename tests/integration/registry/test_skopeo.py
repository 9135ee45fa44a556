"""skopeo with a multi-architecture OCI index: copy every platform from an OCI layout
into Wharf and back out, digests unchanged, then delete it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.common.oci import (
    OCI_INDEX,
    layout_ref,
    make_multiarch,
    read_layout_blob,
    sha256,
    write_layout,
)
from tests.common.procs import run
from tests.common.registry import expect, get_manifest, pull_and_verify
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def skopeo() -> str:
    found = shutil.which("skopeo")
    if found is None:
        pytest.skip("skopeo is not installed")
    return found


def test_copy_multiarch_index_in_and_out_then_delete(
    skopeo: str, registry: WharfServer, tmp_path: Path
) -> None:
    image = make_multiarch(("linux/amd64", "linux/arm64"))
    source = tmp_path / "source"
    write_layout(source, image, "v1")
    target = f"docker://{registry.host}/admin/multiarch:v1"
    creds = "{}:{}".format(*registry.admin)
    base = [skopeo, "--insecure-policy"]

    copy_in = run(
        [*base, "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
         "--dest-creds", creds, f"oci:{source}:v1", target],
    )  # fmt: skip
    assert "Writing manifest list to image destination" in copy_in.stdout + copy_in.stderr

    # What the registry holds is byte for byte what the layout held.
    raw = run([*base, "inspect", "--raw", "--tls-verify=false", "--creds", creds, target])
    assert raw.stdout.encode() == image.index.data
    assert sha256(raw.stdout.encode()) == image.digest
    with registry.client() as client:
        response = expect(get_manifest(client, "admin/multiarch", "v1"), 200)
        assert response.headers["docker-content-digest"] == image.digest
        assert response.headers["content-type"] == OCI_INDEX
        index = pull_and_verify(client, "admin/multiarch", "v1")
        children = {
            f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
            for m in index["manifests"]
        }
        assert children == {platform: img.digest for platform, img in image.images.items()}
    arm = run(
        [
            *base,
            "inspect",
            "--tls-verify=false",
            "--creds",
            creds,
            "--override-arch",
            "arm64",
            target,
        ]
    )
    arm_info = json.loads(arm.stdout)
    assert arm_info["Architecture"] == "arm64"
    assert arm_info["Layers"] == [blob.digest for blob in image.images["linux/arm64"].layers]

    # ... and back out into another layout, unchanged.
    back = tmp_path / "back"
    run(
        [*base, "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
         "--src-creds", creds, target, f"oci:{back}:v1"],
    )  # fmt: skip
    digest, descriptor = layout_ref(back, "v1")
    assert digest == image.digest
    assert descriptor["mediaType"] == OCI_INDEX
    assert read_layout_blob(back, image.digest) == image.index.data
    for child in image.images.values():
        for blob in (child.manifest, *child.blobs):
            assert read_layout_blob(back, blob.digest) == blob.data

    # Delete: the reference no longer resolves.
    run([*base, "delete", "--tls-verify=false", "--creds", creds, target])
    gone = run(
        [*base, "inspect", "--raw", "--tls-verify=false", "--creds", creds, target], check=False
    )
    assert gone.returncode != 0
    assert "manifest unknown" in gone.stderr.lower(), gone.stderr
    with registry.client() as client:
        assert get_manifest(client, "admin/multiarch", image.digest).status_code == 404
        assert get_manifest(client, "admin/multiarch", "v1").status_code == 404
