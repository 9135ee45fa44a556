"""Images with a real-looking build history, pushed over the registry HTTP API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.common.oci import (
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
    Blob,
    Image,
    MultiArchImage,
    canonical,
    random_layer,
)
from tests.common.registry import push_image, push_multiarch

# (created_by, makes a layer?) — as `docker history` shows a small Python app's build.
HISTORY: list[tuple[str, bool]] = [
    ("/bin/sh -c #(nop) ADD file:5d6f1c8a0c2e4b in / ", True),
    ('/bin/sh -c #(nop)  CMD ["/bin/sh"]', False),
    ("ENV APP_HOME=/srv/app", False),
    ("RUN /bin/sh -c apk add --no-cache python3 curl # buildkit", True),
    ("WORKDIR /srv/app", False),
    ("COPY app.py requirements.txt /srv/app/ # buildkit", True),
    ('CMD ["python3", "/srv/app/app.py"]', False),
]
LAYER_LINES = [line for line, layer in HISTORY if layer]


def image_with_history(
    architecture: str = "amd64", sizes: tuple[int, ...] = (6000, 3000, 1000)
) -> Image:
    assert len(sizes) == len(LAYER_LINES)
    layers, diff_ids = [], []
    for size in sizes:
        layer, diff_id = random_layer(size)
        layers.append(layer)
        diff_ids.append(diff_id)
    history: list[dict[str, Any]] = []
    for i, (line, makes_layer) in enumerate(HISTORY):
        entry: dict[str, Any] = {"created": f"2024-05-0{1 + i % 9}T10:00:00Z", "created_by": line}
        if not makes_layer:
            entry["empty_layer"] = True
        history.append(entry)
    config = Blob(
        canonical(
            {
                "architecture": architecture,
                "os": "linux",
                "created": "2024-05-07T10:00:00Z",
                "config": {
                    "Cmd": ["python3", "/srv/app/app.py"],
                    "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "APP_HOME=/srv/app"],
                    "WorkingDir": "/srv/app",
                    "Labels": {"org.opencontainers.image.title": "demo"},
                },
                "rootfs": {"type": "layers", "diff_ids": diff_ids},
                "history": history,
            }
        ),
        OCI_CONFIG,
    )
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [layer.descriptor() for layer in layers],
    }
    return Image(config, layers, Blob(canonical(manifest), OCI_MANIFEST))


def multiarch_with_history(architectures: tuple[str, ...] = ("amd64", "arm64")) -> MultiArchImage:
    images = {f"linux/{arch}": image_with_history(arch) for arch in architectures}
    entries = [
        image.manifest.descriptor(platform={"os": "linux", "architecture": platform.split("/")[1]})
        for platform, image in images.items()
    ]
    index = Blob(
        canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}), OCI_INDEX
    )
    return MultiArchImage(index, images)


def image_size(image: Image) -> int:
    return image.config.size + sum(layer.size for layer in image.layers)


def push(client: httpx.Client, repository: str, tag: str, image: Image | MultiArchImage) -> str:
    if isinstance(image, MultiArchImage):
        return push_multiarch(client, repository, tag, image)
    return push_image(client, repository, tag, image)
