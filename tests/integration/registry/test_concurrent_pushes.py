"""Many clients pushing the same content into the same new repository at once: every
push succeeds (no 500 from a lost race) and the result is one consistent image."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.common.oci import make_image, make_multiarch
from tests.common.registry import expect, pull_and_verify, push_image, push_multiarch
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration

WORKERS = 8


def test_same_image_pushed_concurrently(registry: WharfServer) -> None:
    image = make_image(layer_sizes=(300_000, 50_000, 1_000))
    name = "admin/race"

    def push(i: int) -> str:
        with registry.client() as client:
            # Half push to a shared tag, half to their own.
            return push_image(client, name, "shared" if i % 2 else f"own-{i}", image)

    with ThreadPoolExecutor(WORKERS) as pool:
        digests = list(pool.map(push, range(WORKERS)))
    assert digests == [image.digest] * WORKERS

    with registry.client() as client:
        tags = expect(client.get(f"/v2/{name}/tags/list"), 200).json()["tags"]
        assert tags == sorted(["shared", *(f"own-{i}" for i in range(0, WORKERS, 2))])
        for tag in tags:
            pull_and_verify(client, name, tag)
        catalog = expect(client.get("/v2/_catalog"), 200).json()["repositories"]
        assert catalog.count(name) == 1


def test_different_repositories_sharing_blobs_concurrently(registry: WharfServer) -> None:
    multi = make_multiarch()

    def push(i: int) -> str:
        with registry.client() as client:
            return push_multiarch(client, f"admin/fanout-{i}", "v1", multi)

    with ThreadPoolExecutor(WORKERS) as pool:
        assert set(pool.map(push, range(WORKERS))) == {multi.digest}
    with registry.client() as client:
        for i in range(WORKERS):
            pull_and_verify(client, f"admin/fanout-{i}", "v1")
