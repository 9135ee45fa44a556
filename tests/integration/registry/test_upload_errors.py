"""Blob uploads given bad input lose nothing and expose nothing: a wrong digest, a
connection cut mid-body, chunks out of order. What a client sees is checked through the
API: blob HEAD, upload status, error bodies."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from tests.common.oci import sha256
from tests.common.procs import wait_for
from tests.common.registry import (
    basic_header,
    error_codes,
    expect,
    push_blob_chunked,
    send_truncated_request,
    start_upload,
    upload_offset,
    wait_uploads_idle,
)
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration

REPO = "admin/uploads"


@pytest.fixture
def client(registry: WharfServer) -> httpx.Client:
    with registry.client() as c:
        yield c


def blob_status(client: httpx.Client, digest: str, name: str = REPO) -> int:
    return client.head(f"/v2/{name}/blobs/{digest}").status_code


def test_wrong_digest_on_completion_discards_the_upload(client: httpx.Client) -> None:
    data = os.urandom(64 * 1024)
    claimed = sha256(b"something else")
    location = start_upload(client, REPO)
    expect(client.patch(location, content=data[:1000]), 202)

    response = expect(client.put(location, params={"digest": claimed}, content=data[1000:]), 400)
    assert error_codes(response) == ["DIGEST_INVALID"]
    assert blob_status(client, claimed) == 404
    assert blob_status(client, sha256(data)) == 404
    assert client.get(f"/v2/{REPO}/blobs/{sha256(data)}").status_code == 404
    gone = expect(client.get(location), 404)
    assert error_codes(gone) == ["BLOB_UPLOAD_UNKNOWN"]
    # ... and it cannot be completed with the right digest afterwards either.
    retry = expect(client.put(location, params={"digest": sha256(data)}), 404)
    assert error_codes(retry) == ["BLOB_UPLOAD_UNKNOWN"]


def test_wrong_digest_on_monolithic_post(client: httpx.Client) -> None:
    data = os.urandom(4096)
    claimed = sha256(data + b"!")
    response = expect(
        client.post(f"/v2/{REPO}/blobs/uploads/", params={"digest": claimed}, content=data), 400
    )
    assert error_codes(response) == ["DIGEST_INVALID"]
    assert blob_status(client, claimed) == 404
    assert blob_status(client, sha256(data)) == 404


def test_malformed_or_missing_digest_on_completion(client: httpx.Client) -> None:
    location = start_upload(client, REPO)
    missing = expect(client.put(location, content=b"abc"), 400)
    assert error_codes(missing) == ["DIGEST_INVALID"]
    malformed = expect(client.put(location, params={"digest": "sha256:not-hex"}), 400)
    assert error_codes(malformed) == ["DIGEST_INVALID"]
    assert error_codes(expect(client.get(location), 404)) == ["BLOB_UPLOAD_UNKNOWN"]


def _cut_upload(registry: WharfServer, client: httpx.Client, data: bytes, sent: int) -> str:
    """Start an upload and PATCH it over a raw socket that closes after ``sent`` of
    ``len(data)`` announced bytes. Returns the upload location once the server has
    stopped receiving."""
    location = start_upload(client, REPO)
    send_truncated_request(
        "127.0.0.1",
        registry.port,
        "PATCH",
        location,
        {
            "Authorization": basic_header(*registry.admin),
            "Content-Type": "application/octet-stream",
        },
        declared_length=len(data),
        body=data[:sent],
    )
    # The server notices the cut when the body ends early; wait for it to let go.
    time.sleep(0.3)
    wait_uploads_idle(client)
    wait_for(lambda: upload_offset(client, location) > 0, 10, "the partial upload to show")
    return location


def test_cut_connection_then_resume(registry: WharfServer, client: httpx.Client) -> None:
    data = os.urandom(6 * 1024 * 1024)
    sent = 2 * 1024 * 1024 + 12345
    location = _cut_upload(registry, client, data, sent)
    digest = sha256(data)

    # Nothing visible: the blob does not exist.
    assert blob_status(client, digest) == 404
    # The upload survives, at the offset the server got to (never past what was sent).
    offset = upload_offset(client, location)
    assert 0 < offset <= sent
    status = expect(client.get(location), 204)
    assert status.headers["range"] == f"0-{offset - 1}"
    assert status.headers["location"].endswith(location)

    # A chunk that does not start at the offset is refused, with the offset to use.
    wrong = expect(
        client.patch(
            location,
            content=data[offset + 10 : offset + 20],
            headers={"Content-Range": f"{offset + 10}-{offset + 19}"},
        ),
        416,
    )
    assert wrong.headers["range"] == f"0-{offset - 1}"

    # Resume from the offset, finish with the digest of the whole blob.
    resumed = expect(
        client.patch(
            location,
            content=data[offset:],
            headers={"Content-Range": f"{offset}-{len(data) - 1}"},
        ),
        202,
    )
    assert resumed.headers["range"] == f"0-{len(data) - 1}"
    done = expect(client.put(location, params={"digest": digest}), 201)
    assert done.headers["docker-content-digest"] == digest
    blob = expect(client.get(f"/v2/{REPO}/blobs/{digest}"), 200)
    assert blob.content == data


def test_cut_connection_then_cancel(registry: WharfServer, client: httpx.Client) -> None:
    data = os.urandom(3 * 1024 * 1024)
    location = _cut_upload(registry, client, data, 1024 * 1024 + 7)
    assert expect(client.delete(location), 204)
    gone = expect(client.get(location), 404)
    assert error_codes(gone) == ["BLOB_UPLOAD_UNKNOWN"]
    again = expect(client.patch(location, content=b"more"), 404)
    assert error_codes(again) == ["BLOB_UPLOAD_UNKNOWN"]
    assert blob_status(client, sha256(data)) == 404


def test_cut_monolithic_put_publishes_nothing(registry: WharfServer, client: httpx.Client) -> None:
    data = os.urandom(2 * 1024 * 1024)
    digest = sha256(data)
    location = start_upload(client, REPO)
    send_truncated_request(
        "127.0.0.1",
        registry.port,
        "PUT",
        f"{location}?digest={digest}",
        {"Authorization": basic_header(*registry.admin)},
        declared_length=len(data),
        body=data[: len(data) // 2],
    )
    time.sleep(0.3)
    wait_uploads_idle(client)
    assert blob_status(client, digest) == 404
    # The upload is still there to finish properly.
    offset = upload_offset(client, location)
    assert offset <= len(data) // 2
    expect(client.put(location, params={"digest": digest}, content=data[offset:]), 201)
    assert expect(client.get(f"/v2/{REPO}/blobs/{digest}"), 200).content == data


def test_chunks_out_of_order_get_416_with_range(client: httpx.Client) -> None:
    data = os.urandom(300)
    location = start_upload(client, REPO)
    first = expect(
        client.patch(location, content=data[:100], headers={"Content-Range": "0-99"}), 202
    )
    assert first.headers["range"] == "0-99"
    # Skipping ahead...
    skipped = expect(
        client.patch(location, content=data[150:250], headers={"Content-Range": "150-249"}), 416
    )
    assert skipped.headers["range"] == "0-99"
    assert error_codes(skipped) == ["BLOB_UPLOAD_INVALID"]
    # ... and going back are both refused; the upload is unharmed.
    repeated = expect(
        client.patch(location, content=data[:100], headers={"Content-Range": "0-99"}), 416
    )
    assert repeated.headers["range"] == "0-99"
    assert upload_offset(client, location) == 100
    expect(client.patch(location, content=data[100:], headers={"Content-Range": "100-299"}), 202)
    expect(client.put(location, params={"digest": sha256(data)}), 201)
    assert expect(client.get(f"/v2/{REPO}/blobs/{sha256(data)}"), 200).content == data


def test_chunked_upload_in_order(client: httpx.Client) -> None:
    data = os.urandom(5 * 1024 * 1024 + 17)
    digest = push_blob_chunked(client, REPO, data, chunk=1024 * 1024)
    assert expect(client.get(f"/v2/{REPO}/blobs/{digest}"), 200).content == data


def test_unknown_upload(client: httpx.Client) -> None:
    location = f"/v2/{REPO}/blobs/uploads/00000000-0000-0000-0000-000000000000"
    assert error_codes(expect(client.get(location), 404)) == ["BLOB_UPLOAD_UNKNOWN"]
    assert error_codes(expect(client.delete(location), 404)) == ["BLOB_UPLOAD_UNKNOWN"]
    # An upload belongs to the repository it was started in.
    other = start_upload(client, REPO).replace(REPO, "admin/elsewhere")
    assert error_codes(expect(client.get(other), 404)) == ["BLOB_UPLOAD_UNKNOWN"]


def test_empty_blob(client: httpx.Client) -> None:
    digest = sha256(b"")
    location = start_upload(client, REPO)
    expect(client.put(location, params={"digest": digest}), 201)
    head = expect(client.head(f"/v2/{REPO}/blobs/{digest}"), 200)
    assert head.headers["content-length"] == "0"
    blob = expect(client.get(f"/v2/{REPO}/blobs/{digest}"), 200)
    assert blob.content == b""
    assert (
        client.get(f"/v2/{REPO}/blobs/{digest}", headers={"Range": "bytes=0-0"}).status_code == 416
    )


def test_sha512_digests(client: httpx.Client) -> None:
    import hashlib

    data = os.urandom(100_000)
    digest = "sha512:" + hashlib.sha512(data).hexdigest()
    # Monolithic...
    expect(client.post(f"/v2/{REPO}/blobs/uploads/", params={"digest": digest}, content=data), 201)
    blob = expect(client.get(f"/v2/{REPO}/blobs/{digest}"), 200)
    assert blob.content == data
    assert blob.headers["docker-content-digest"] == digest
    # ... and chunked (the server hashed sha256 while receiving, so it re-hashes).
    other = os.urandom(50_000)
    other_digest = "sha512:" + hashlib.sha512(other).hexdigest()
    location = start_upload(client, REPO)
    expect(client.patch(location, content=other[:20_000]), 202)
    wrong = expect(
        client.put(location, params={"digest": "sha512:" + hashlib.sha512(b"x").hexdigest()}),
        400,
    )
    assert error_codes(wrong) == ["DIGEST_INVALID"]
    location = start_upload(client, REPO)
    expect(client.patch(location, content=other[:20_000]), 202)
    expect(client.put(location, params={"digest": other_digest}, content=other[20_000:]), 201)
    assert expect(client.get(f"/v2/{REPO}/blobs/{other_digest}"), 200).content == other
    # An algorithm the registry does not know is refused, not stored.
    unsupported = client.post(
        f"/v2/{REPO}/blobs/uploads/", params={"digest": "md5:" + "0" * 32}, content=b"abc"
    )
    assert unsupported.status_code == 400
    assert error_codes(unsupported) == ["DIGEST_INVALID"]


def test_cross_repository_mount(client: httpx.Client) -> None:
    data = os.urandom(10_000)
    digest = sha256(data)
    start_upload(client, REPO)  # make sure the repository exists
    expect(client.post(f"/v2/{REPO}/blobs/uploads/", params={"digest": digest}, content=data), 201)

    mounted = expect(
        client.post("/v2/admin/mounted/blobs/uploads/", params={"mount": digest, "from": REPO}),
        201,
    )
    assert mounted.headers["docker-content-digest"] == digest
    assert mounted.headers["location"].endswith(f"/v2/admin/mounted/blobs/{digest}")
    assert expect(client.get(f"/v2/admin/mounted/blobs/{digest}"), 200).content == data

    # A blob the source does not have, or a source that is not a valid name: the spec's
    # fallback, a new upload session (202).
    for source in (REPO, "Not/Valid", "admin/no-such-repo"):
        unknown = sha256(os.urandom(8)) if source == REPO else digest
        fallback = expect(
            client.post(
                "/v2/admin/mounted2/blobs/uploads/", params={"mount": unknown, "from": source}
            ),
            202,
        )
        assert "/blobs/uploads/" in fallback.headers["location"]
        assert client.head(f"/v2/admin/mounted2/blobs/{unknown}").status_code == 404
