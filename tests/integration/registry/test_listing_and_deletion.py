"""Tag and catalog pagination (``n``, ``last``, ``Link``), manifest deletion by tag and by
digest, and ranged blob reads."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.common.oci import make_image, sha256
from tests.common.registry import (
    error_codes,
    expect,
    get_manifest,
    push_blob,
    push_image,
    push_manifest,
)
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration

LINK = re.compile(r'^<(?P<url>[^>]+)>;\s*rel="next"$')


@pytest.fixture
def client(registry: WharfServer) -> Iterator[httpx.Client]:
    with registry.client() as c:
        yield c


def next_link(response: httpx.Response) -> str | None:
    link = response.headers.get("link")
    if link is None:
        return None
    match = LINK.match(link)
    assert match, link
    return match["url"]


def test_tags_pagination(client: httpx.Client) -> None:
    name = "admin/paged"
    image = make_image()
    push_image(client, name, "seed", image)
    tags = sorted({f"t{i:02d}" for i in range(11)} | {"Alpha", "beta", "seed", "v1.0", "v1.0-rc_1"})
    for tag in tags:
        expect(push_manifest(client, name, tag, image.manifest), 201)

    everything = expect(client.get(f"/v2/{name}/tags/list"), 200)
    assert everything.json() == {"name": name, "tags": tags}
    assert "link" not in everything.headers

    # Walk the pages by following Link.
    seen: list[str] = []
    url: str | None = f"/v2/{name}/tags/list?n=4"
    pages = 0
    while url:
        page = expect(client.get(url), 200)
        body = page.json()
        assert body["name"] == name
        assert len(body["tags"]) <= 4
        seen += body["tags"]
        url = next_link(page)
        pages += 1
        if url:
            assert len(body["tags"]) == 4
            assert url.startswith(f"/v2/{name}/tags/list?")
            assert "n=4" in url and f"last={body['tags'][-1]}" in url
    assert seen == tags
    assert pages == -(-len(tags) // 4)

    # last alone, and n with last, start after the given tag.
    after = expect(client.get(f"/v2/{name}/tags/list", params={"last": "t05"}), 200).json()["tags"]
    assert after == [t for t in tags if t > "t05"]
    two = expect(client.get(f"/v2/{name}/tags/list", params={"n": 2, "last": "beta"}), 200)
    assert two.json()["tags"] == [t for t in tags if t > "beta"][:2]
    # n=0: an empty list and no Link.
    zero = expect(client.get(f"/v2/{name}/tags/list", params={"n": 0}), 200)
    assert zero.json()["tags"] == []
    assert "link" not in zero.headers
    # Exactly the number of tags: no Link.
    exact = expect(client.get(f"/v2/{name}/tags/list", params={"n": len(tags)}), 200)
    assert exact.json()["tags"] == tags
    assert "link" not in exact.headers
    bad = client.get(f"/v2/{name}/tags/list", params={"n": "many"})
    assert 400 <= bad.status_code < 500


def test_tags_of_unknown_repository(client: httpx.Client) -> None:
    response = expect(client.get("/v2/admin/never-pushed/tags/list"), 404)
    assert error_codes(response) == ["NAME_UNKNOWN"]


def test_catalog_pagination(client: httpx.Client) -> None:
    mine = [f"admin/catalog-{i}" for i in range(5)]
    for name in mine:
        push_blob(client, name, os.urandom(64))
    full = expect(client.get("/v2/_catalog", params={"n": 1000}), 200).json()["repositories"]
    assert full == sorted(full)
    assert set(mine) <= set(full)

    seen: list[str] = []
    url: str | None = "/v2/_catalog?n=2"
    while url:
        page = expect(client.get(url), 200)
        repositories = page.json()["repositories"]
        assert len(repositories) <= 2
        seen += repositories
        url = next_link(page)
        if url:
            assert url.startswith("/v2/_catalog?") and "n=2" in url
    assert seen == full

    zero = expect(client.get("/v2/_catalog", params={"n": 0}), 200)
    assert zero.json()["repositories"] == []
    assert "link" not in zero.headers
    after = expect(client.get("/v2/_catalog", params={"last": mine[1]}), 200).json()
    assert after["repositories"][: len(mine) - 2] == mine[2:]


def test_delete_manifest_by_tag_removes_only_the_tag(client: httpx.Client) -> None:
    name = "admin/deletions"
    image = make_image()
    push_image(client, name, "keep", image)
    expect(push_manifest(client, name, "drop", image.manifest), 201)

    expect(client.delete(f"/v2/{name}/manifests/drop"), 202)
    assert error_codes(expect(get_manifest(client, name, "drop"), 404)) == ["MANIFEST_UNKNOWN"]
    expect(get_manifest(client, name, "keep"), 200)
    expect(get_manifest(client, name, image.digest), 200)
    assert expect(client.get(f"/v2/{name}/tags/list"), 200).json()["tags"] == ["keep"]
    # Deleting it again: it is gone.
    assert error_codes(expect(client.delete(f"/v2/{name}/manifests/drop"), 404)) == [
        "MANIFEST_UNKNOWN"
    ]


def test_delete_manifest_by_digest_removes_it_and_its_tags(client: httpx.Client) -> None:
    name = "admin/deletions"
    image, other = make_image(), make_image()
    push_image(client, name, "a", image)
    expect(push_manifest(client, name, "b", image.manifest), 201)
    push_image(client, name, "other", other)

    expect(client.delete(f"/v2/{name}/manifests/{image.digest}"), 202)
    for reference in (image.digest, "a", "b"):
        response = expect(get_manifest(client, name, reference), 404)
        assert error_codes(response) == ["MANIFEST_UNKNOWN"]
        assert client.head(f"/v2/{name}/manifests/{reference}").status_code == 404
    tags = expect(client.get(f"/v2/{name}/tags/list"), 200).json()["tags"]
    assert "a" not in tags and "b" not in tags and "other" in tags
    expect(get_manifest(client, name, "other"), 200)
    missing = expect(client.delete(f"/v2/{name}/manifests/{image.digest}"), 404)
    assert error_codes(missing) == ["MANIFEST_UNKNOWN"]
    # The image can be pushed again (its blobs are still linked).
    expect(push_manifest(client, name, "again", image.manifest), 201)


def test_blob_range_requests(client: httpx.Client) -> None:
    name = "admin/ranges"
    data = os.urandom(3 * 1024 * 1024 + 333)
    digest = push_blob(client, name, data)
    path = f"/v2/{name}/blobs/{digest}"

    whole = expect(client.get(path), 200)
    assert whole.content == data
    assert whole.headers["docker-content-digest"] == digest
    assert whole.headers["accept-ranges"] == "bytes"

    cases = {
        "bytes=0-99": (0, 99),
        "bytes=1000-2000000": (1000, 2000000),
        f"bytes={len(data) - 10}-": (len(data) - 10, len(data) - 1),
        "bytes=-500": (len(data) - 500, len(data) - 1),
        f"bytes=5-{len(data) + 1000}": (5, len(data) - 1),
    }
    for header, (first, last) in cases.items():
        part = expect(client.get(path, headers={"Range": header}), 206)
        assert part.content == data[first : last + 1], header
        assert part.headers["content-range"] == f"bytes {first}-{last}/{len(data)}"
        assert int(part.headers["content-length"]) == last - first + 1

    unsatisfiable = client.get(path, headers={"Range": f"bytes={len(data)}-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["content-range"] == f"bytes */{len(data)}"

    head = expect(client.head(path), 200)
    assert int(head.headers["content-length"]) == len(data)
    assert head.content == b""
    unknown = expect(client.get(f"/v2/{name}/blobs/{sha256(b'nope')}"), 404)
    assert error_codes(unknown) == ["BLOB_UNKNOWN"]

    # A blob small enough to go out with the server's pathsend, not streamed.
    small = os.urandom(4096)
    small_path = f"/v2/{name}/blobs/{push_blob(client, name, small)}"
    assert expect(client.get(small_path), 200).content == small
    assert (
        expect(client.get(small_path, headers={"Range": "bytes=10-19"}), 206).content
        == (small[10:20])
    )
