"""Malformed manifests, oversized manifests, bad repository names and wrong credentials
are refused with the spec's status codes and error bodies, and nothing is stored."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import httpx
import pytest

from tests.common.oci import (
    DOCKER_MANIFEST,
    DOCKER_SCHEMA1_SIGNED,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
    Blob,
    canonical,
    make_image,
    sha256,
)
from tests.common.registry import (
    error_codes,
    error_messages,
    expect,
    get_manifest,
    push_blob,
    push_image,
    push_manifest,
)
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration

REPO = "admin/validation"


@pytest.fixture
def client(registry: WharfServer) -> Iterator[httpx.Client]:
    with registry.client() as c:
        yield c


def put_raw(
    client: httpx.Client, reference: str, body: bytes, content_type: str = OCI_MANIFEST
) -> httpx.Response:
    return client.put(
        f"/v2/{REPO}/manifests/{reference}", content=body, headers={"Content-Type": content_type}
    )


def assert_not_stored(client: httpx.Client, reference: str) -> None:
    assert get_manifest(client, REPO, reference).status_code == 404


# -- manifests -------------------------------------------------------------------------


def test_manifest_that_is_not_json(client: httpx.Client) -> None:
    response = expect(put_raw(client, "notjson", b"{this is not json"), 400)
    assert error_codes(response) == ["MANIFEST_INVALID"]
    assert "JSON" in error_messages(response)
    assert_not_stored(client, "notjson")
    response = expect(put_raw(client, "notjson", b'["a", "list"]'), 400)
    assert error_codes(response) == ["MANIFEST_INVALID"]


def test_manifest_with_wrong_schema_version(client: httpx.Client) -> None:
    image = make_image()
    for blob in image.blobs:
        push_blob(client, REPO, blob.data)
    doc = json.loads(image.manifest.data)
    for version in (3, "2", None):
        doc["schemaVersion"] = version
        response = expect(put_raw(client, "badversion", canonical(doc)), 400)
        assert error_codes(response) == ["MANIFEST_INVALID"]
        assert "schemaVersion" in error_messages(response)
    assert_not_stored(client, "badversion")


def test_schema1_manifest_is_refused_by_name(client: httpx.Client) -> None:
    schema1 = canonical(
        {
            "schemaVersion": 1,
            "name": REPO,
            "tag": "old",
            "architecture": "amd64",
            "fsLayers": [{"blobSum": sha256(b"layer")}],
            "history": [{"v1Compatibility": "{}"}],
            "signatures": [],
        }
    )
    for content_type in (
        DOCKER_SCHEMA1_SIGNED,
        "application/vnd.docker.distribution.manifest.v1+json",
    ):
        response = expect(put_raw(client, "old", schema1, content_type), 400)
        assert error_codes(response) == ["MANIFEST_INVALID"]
        assert "schema 1" in error_messages(response)
    assert_not_stored(client, "old")


def test_manifest_with_missing_layer(client: httpx.Client) -> None:
    image = make_image(layer_sizes=(1000, 2000))
    push_blob(client, REPO, image.config.data)
    push_blob(client, REPO, image.layers[0].data)  # but not layers[1]
    response = put_raw(client, "incomplete", image.manifest.data)
    # 400, as the reference registry answers, naming the missing blob.
    assert response.status_code == 400, response.text
    assert error_codes(response) == ["MANIFEST_BLOB_UNKNOWN"]
    assert image.layers[1].digest in response.text
    assert image.layers[0].digest not in response.text
    assert_not_stored(client, "incomplete")
    assert_not_stored(client, image.digest)
    # Once the layer is there the same manifest goes in.
    push_blob(client, REPO, image.layers[1].data)
    expect(put_raw(client, "incomplete", image.manifest.data), 201)


def test_index_with_missing_child(client: httpx.Client) -> None:
    image = make_image()
    push_image(client, REPO, image.digest, image)
    missing = make_image()
    index = Blob(
        canonical(
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [image.manifest.descriptor(), missing.manifest.descriptor()],
            }
        ),
        OCI_INDEX,
    )
    response = push_manifest(client, REPO, "partial-index", index)
    assert response.status_code in (400, 404), response.text
    assert error_codes(response) == ["MANIFEST_BLOB_UNKNOWN"]
    assert missing.digest in response.text
    assert_not_stored(client, "partial-index")


def test_manifest_digest_mismatch(client: httpx.Client) -> None:
    image = make_image()
    for blob in image.blobs:
        push_blob(client, REPO, blob.data)
    wrong = sha256(image.manifest.data + b" ")
    response = expect(put_raw(client, wrong, image.manifest.data), 400)
    assert error_codes(response) == ["DIGEST_INVALID"]
    assert_not_stored(client, wrong)
    assert_not_stored(client, image.digest)


@pytest.mark.parametrize("tag", ["-leading-dash", ".dot", "x" * 129, "has space"])
def test_invalid_tag(client: httpx.Client, tag: str) -> None:
    image = make_image()
    for blob in image.blobs:
        push_blob(client, REPO, blob.data)
    response = put_raw(client, tag, image.manifest.data)
    assert response.status_code in (400, 404), response.text
    if response.status_code == 400:
        assert error_codes(response) in (["MANIFEST_INVALID"], ["TAG_INVALID"], ["NAME_INVALID"])
    assert_not_stored(client, image.digest)


def test_manifest_descriptor_without_digest(client: httpx.Client) -> None:
    config = Blob(b"{}", OCI_CONFIG)
    push_blob(client, REPO, config.data)
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "size": 3}],
    }
    response = expect(put_raw(client, "nodigest", canonical(doc)), 400)
    assert error_codes(response) == ["MANIFEST_INVALID"]


def test_manifest_larger_than_4_mib_is_413(client: httpx.Client) -> None:
    image = make_image()
    for blob in image.blobs:
        push_blob(client, REPO, blob.data)
    doc = json.loads(image.manifest.data)
    doc["annotations"] = {"padding": "x" * (4 * 1024 * 1024)}
    body = canonical(doc)
    assert len(body) > 4 * 1024 * 1024
    response = put_raw(client, "huge", body)
    assert response.status_code == 413, response.text[:300]
    assert error_codes(response) == ["MANIFEST_INVALID"]

    # Without a Content-Length (chunked transfer) the limit holds while reading.
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 256 * 1024):
            yield body[start : start + 256 * 1024]

    response = client.put(
        f"/v2/{REPO}/manifests/huge", content=chunks(), headers={"Content-Type": OCI_MANIFEST}
    )
    assert response.status_code == 413, response.text[:300]
    assert_not_stored(client, "huge")

    # Exactly 4 MiB is accepted: the spec asks registries to take at least that.
    doc["annotations"]["padding"] = ""
    padding = 4 * 1024 * 1024 - len(canonical(doc))
    doc["annotations"]["padding"] = "x" * padding
    body = canonical(doc)
    assert len(body) == 4 * 1024 * 1024
    expect(put_raw(client, "four-mib", body), 201)
    assert expect(get_manifest(client, REPO, "four-mib"), 200).content == body


def test_valid_manifests_are_stored_byte_for_byte(client: httpx.Client) -> None:
    image = make_image()
    for blob in image.blobs:
        push_blob(client, REPO, blob.data)
    # Pretty-printed Docker schema 2 manifest: stored and served exactly as sent.
    doc = json.loads(image.manifest.data)
    doc["mediaType"] = DOCKER_MANIFEST
    doc["config"]["mediaType"] = "application/vnd.docker.container.image.v1+json"
    doc["layers"][0]["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    pretty = json.dumps(doc, indent=3).encode() + b"\n"
    response = expect(put_raw(client, "pretty", pretty, DOCKER_MANIFEST), 201)
    assert response.headers["docker-content-digest"] == sha256(pretty)
    fetched = expect(get_manifest(client, REPO, "pretty"), 200)
    assert fetched.content == pretty
    assert fetched.headers["content-type"] == DOCKER_MANIFEST
    head = expect(
        client.head(f"/v2/{REPO}/manifests/pretty", headers={"Accept": DOCKER_MANIFEST}), 200
    )
    assert head.content == b""
    assert head.headers["content-length"] == str(len(pretty))
    assert head.headers["docker-content-digest"] == sha256(pretty)

    # An OCI manifest may leave mediaType out; the Content-Type tells.
    doc = json.loads(image.manifest.data)
    del doc["mediaType"]
    bare = json.dumps(doc).encode()
    expect(put_raw(client, "bare", bare, OCI_MANIFEST), 201)
    fetched = expect(get_manifest(client, REPO, "bare"), 200)
    assert fetched.content == bare
    assert fetched.headers["content-type"] == OCI_MANIFEST


# -- repository names ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "admin/UPPER",
        "Admin/lower",
        "admin/a..b",
        "admin/-leading",
        "admin/trailing-",
        "admin//double",
        "noslash",
        "admin/" + "a" * 250,
    ],
)
def test_bad_repository_names(client: httpx.Client, name: str) -> None:
    for method, path in [
        ("GET", f"/v2/{name}/tags/list"),
        ("GET", f"/v2/{name}/manifests/latest"),
        ("POST", f"/v2/{name}/blobs/uploads/"),
        ("PUT", f"/v2/{name}/manifests/latest"),
        ("HEAD", f"/v2/{name}/blobs/{sha256(b'x')}"),
    ]:
        response = client.request(method, path, content=b"{}" if method == "PUT" else None)
        assert response.status_code == 400, (method, path, response.status_code, response.text)
        if method != "HEAD":
            assert error_codes(response) == ["NAME_INVALID"], response.text
    if len(name) > 255:
        response = client.get(f"/v2/{name}/tags/list")
        assert "255" in error_messages(response)


def test_path_traversal_in_repository_name(registry: WharfServer) -> None:
    """Dot segments are sent verbatim (http.client does not normalize them)."""
    import base64

    auth = base64.b64encode("{}:{}".format(*registry.admin).encode()).decode()
    for path in (
        "/v2/admin/../etc/tags/list",
        "/v2/admin/./x/tags/list",
        "/v2/../../etc/passwd/tags/list",
    ):
        conn = http.client.HTTPConnection("127.0.0.1", registry.port, timeout=30)
        try:
            conn.request("GET", path, headers={"Authorization": f"Basic {auth}"})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        assert response.status == 400 or response.status == 404, (path, response.status, body)
        if response.status == 400:
            assert json.loads(body)["errors"][0]["code"] == "NAME_INVALID"
        assert b"root:" not in body


# -- credentials -----------------------------------------------------------------------


def assert_challenge(
    response: httpx.Response, registry: WharfServer, scope: str | None = None
) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["errors"][0]["code"] == "UNAUTHORIZED"
    assert set(body["errors"][0]) <= {"code", "message", "detail"}
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(f'Bearer realm="{registry.url}/auth/token"'), challenge
    assert 'service="wharf"' in challenge
    if scope:
        assert f'scope="{scope}"' in challenge


def test_wrong_credentials_get_401_with_challenge(registry: WharfServer) -> None:
    with registry.client(auth=("admin", "wrong-password")) as client:
        assert_challenge(client.get("/v2/"), registry)
        response = client.get(f"/v2/{REPO}/tags/list")
        assert_challenge(response, registry, f"repository:{REPO}:pull")
        assert "invalid username or password" in response.text
    with registry.client(auth=("nobody", "whatever")) as client:
        assert_challenge(client.get("/v2/"), registry)
    with registry.client(auth=None) as client:
        assert_challenge(client.get("/v2/"), registry)
        assert_challenge(
            client.post(f"/v2/{REPO}/blobs/uploads/"), registry, f"repository:{REPO}:pull,push"
        )
        bad_token = client.get("/v2/", headers={"Authorization": "Bearer not.a.token"})
        assert_challenge(bad_token, registry)
        assert 'error="invalid_token"' in bad_token.headers["www-authenticate"]
        # The token service refuses the same credentials.
        token = client.get(
            "/auth/token",
            params={"service": "wharf", "scope": f"repository:{REPO}:pull"},
            auth=("admin", "wrong-password"),
        )
        assert token.status_code == 401
        assert "token" not in token.json()


def test_token_flow_grants_what_was_asked(registry: WharfServer) -> None:
    with registry.client(auth=None) as client:
        token = expect(
            client.get(
                "/auth/token",
                params={"service": "wharf", "scope": f"repository:{REPO}:pull,push"},
                auth=registry.admin,
            ),
            200,
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        expect(client.get("/v2/", headers=headers), 200)
        expect(client.get(f"/v2/{REPO}/tags/list", headers=headers), 200)
        # The token is for REPO only.
        other = client.get("/v2/admin/other/tags/list", headers=headers)
        assert_challenge(other, registry, "repository:admin/other:pull")
        assert 'error="insufficient_scope"' in other.headers["www-authenticate"]
