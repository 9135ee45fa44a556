"""Building OCI content in Python: blobs, image manifests, multi-platform indexes and
OCI image layouts on disk."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
EMPTY_JSON = b"{}"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True)
class Blob:
    data: bytes
    media_type: str

    @property
    def digest(self) -> str:
        return sha256(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    def descriptor(self, **extra: Any) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": self.size, **extra}


@dataclass(frozen=True)
class Image:
    """A single-platform image: its manifest and every blob it references."""

    config: Blob
    layers: list[Blob]
    manifest: Blob  # manifest bytes with its media type

    @property
    def digest(self) -> str:
        return self.manifest.digest

    @property
    def blobs(self) -> list[Blob]:
        return [self.config, *self.layers]


def random_layer(size: int = 4096) -> tuple[Blob, str]:
    """A gzipped tar holding one file of random bytes; returns the blob and its diff id."""
    payload = os.urandom(size)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(f"random-{payload[:4].hex()}.bin")
        info.size = len(payload)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(payload))
    uncompressed = raw.getvalue()
    return Blob(gzip.compress(uncompressed, mtime=0), OCI_LAYER_GZIP), sha256(uncompressed)


def make_image(
    architecture: str = "amd64",
    os_name: str = "linux",
    layer_sizes: tuple[int, ...] = (4096,),
    annotations: dict[str, str] | None = None,
) -> Image:
    layers, diff_ids = [], []
    for size in layer_sizes:
        layer, diff_id = random_layer(size)
        layers.append(layer)
        diff_ids.append(diff_id)
    config = Blob(
        canonical(
            {
                "architecture": architecture,
                "os": os_name,
                "config": {"Cmd": ["/bin/sh"]},
                "rootfs": {"type": "layers", "diff_ids": diff_ids},
                "history": [{"created_by": "wharf integration tests"} for _ in layers],
            }
        ),
        OCI_CONFIG,
    )
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [layer.descriptor() for layer in layers],
    }
    if annotations:
        manifest["annotations"] = annotations
    return Image(config, layers, Blob(canonical(manifest), OCI_MANIFEST))


@dataclass(frozen=True)
class MultiArchImage:
    index: Blob
    images: dict[str, Image]  # by "os/architecture"

    @property
    def digest(self) -> str:
        return self.index.digest


def make_multiarch(platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")) -> MultiArchImage:
    images = {}
    entries = []
    for platform in platforms:
        os_name, arch = platform.split("/")
        image = make_image(arch, os_name)
        images[platform] = image
        entries.append(image.manifest.descriptor(platform={"os": os_name, "architecture": arch}))
    index = Blob(
        canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}), OCI_INDEX
    )
    return MultiArchImage(index, images)


def write_blob(layout: Path, blob: Blob) -> None:
    algorithm, hex_digest = blob.digest.split(":")
    path = layout / "blobs" / algorithm / hex_digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob.data)


def write_layout(layout: Path, image: MultiArchImage, tag: str) -> None:
    """An OCI image layout whose ``index.json`` names ``image``'s index as ``tag``."""
    layout.mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    for child in image.images.values():
        for blob in (*child.blobs, child.manifest):
            write_blob(layout, blob)
    write_blob(layout, image.index)
    top = image.index.descriptor(annotations={"org.opencontainers.image.ref.name": tag})
    (layout / "index.json").write_text(
        json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [top]})
    )


def read_layout_blob(layout: Path, digest: str) -> bytes:
    algorithm, hex_digest = digest.split(":")
    return (layout / "blobs" / algorithm / hex_digest).read_bytes()


def layout_ref(layout: Path, tag: str) -> tuple[str, dict[str, Any]]:
    """The descriptor ``index.json`` gives for ``tag``: (digest, descriptor)."""
    index = json.loads((layout / "index.json").read_text())
    for entry in index["manifests"]:
        if entry.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return entry["digest"], entry
    raise KeyError(f"{tag} not in {layout}/index.json: {index}")
