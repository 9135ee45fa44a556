"""``kill -9`` of the server in the middle of pushes: after a restart no partial blob is
served, every push that completed before is intact, and an interrupted chunked upload
can be resumed."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.common.oci import make_image, make_multiarch, sha256
from tests.common.procs import wait_for
from tests.common.registry import (
    error_codes,
    expect,
    metric_value,
    pull_and_verify,
    push_blob_chunked,
    push_image,
    push_multiarch,
    start_upload,
    upload_offset,
)
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration

MiB = 1024 * 1024


class StalledBody:
    """A request body that sends ``before`` bytes, then waits (the server is killed
    meanwhile), then would send the rest."""

    def __init__(self, data: bytes, before: int) -> None:
        self.data = data
        self.before = before
        self.release = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, self.before, 256 * 1024):
            yield self.data[start : min(start + 256 * 1024, self.before)]
        self.release.wait(60)
        yield self.data[self.before :]


def in_thread(fn: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:  # the connection dies with the server
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, errors


def test_kill9_during_pushes_then_restart(wharf_server: Callable[..., WharfServer]) -> None:
    server = wharf_server()
    with server.client() as client:
        # Pushes that complete before the crash.
        image = make_image(layer_sizes=(200_000, 3_000))
        push_image(client, "admin/survivor", "v1", image)
        multi = make_multiarch()
        push_multiarch(client, "admin/survivor-multi", "v1", multi)
        chunked_data = os.urandom(3 * MiB + 5)
        chunked_digest = push_blob_chunked(client, "admin/survivor", chunked_data, MiB)

        # A chunked upload, and a monolithic one, each in the middle of its body.
        patch_data = os.urandom(16 * MiB)
        patch_body = StalledBody(patch_data, 6 * MiB)
        patch_location = start_upload(client, "admin/victim")
        put_data = os.urandom(12 * MiB)
        put_body = StalledBody(put_data, 5 * MiB)
        put_location = start_upload(client, "admin/victim")
        post_data = os.urandom(8 * MiB)
        post_body = StalledBody(post_data, 3 * MiB)

        def patch() -> None:
            with server.client() as c:
                c.patch(patch_location, content=iter(patch_body))

        def put() -> None:
            with server.client() as c:
                c.put(put_location, params={"digest": sha256(put_data)}, content=iter(put_body))

        def post() -> None:
            with server.client() as c:
                c.post(
                    "/v2/admin/victim/blobs/uploads/",
                    params={"digest": sha256(post_data)},
                    content=iter(post_body),
                )

        threads = [in_thread(patch), in_thread(put), in_thread(post)]
        wait_for(
            lambda: metric_value(client, "wharf_registry_uploads_in_flight") == 3,
            30,
            "three uploads to be receiving",
        )
        # Let the bytes sent so far reach the server's files.
        wait_for(
            lambda: upload_offset(client, patch_location) >= 4 * MiB,
            30,
            "the chunked upload to reach storage",
        )

    server.kill9()
    for body in (patch_body, put_body, post_body):
        body.release.set()
    for thread, errors in threads:
        thread.join(30)
        assert not thread.is_alive()
        assert errors, "a request survived kill -9"

    server.restart()
    with server.client() as client:
        # No partial blob is served.
        for data in (patch_data, put_data, post_data):
            digest = sha256(data)
            assert client.head(f"/v2/admin/victim/blobs/{digest}").status_code == 404
            response = expect(client.get(f"/v2/admin/victim/blobs/{digest}"), 404)
            assert error_codes(response) == ["BLOB_UNKNOWN"]

        # Everything completed before is intact.
        pulled = pull_and_verify(client, "admin/survivor", "v1")
        assert pulled == json.loads(image.manifest.data)
        pull_and_verify(client, "admin/survivor", image.digest)
        index = pull_and_verify(client, "admin/survivor-multi", "v1")
        assert [m["digest"] for m in index["manifests"]] == [
            img.digest for img in multi.images.values()
        ]
        blob = expect(client.get(f"/v2/admin/survivor/blobs/{chunked_digest}"), 200)
        assert blob.content == chunked_data
        tags = expect(client.get("/v2/admin/survivor/tags/list"), 200).json()
        assert tags["tags"] == ["v1"]
        catalog = expect(client.get("/v2/_catalog"), 200).json()["repositories"]
        assert {"admin/survivor", "admin/survivor-multi"} <= set(catalog)

        # The interrupted chunked upload resumes from what reached storage.
        offset = upload_offset(client, patch_location)
        assert 0 < offset <= 6 * MiB
        expect(
            client.patch(
                patch_location,
                content=patch_data[offset:],
                headers={"Content-Range": f"{offset}-{len(patch_data) - 1}"},
            ),
            202,
        )
        done = expect(client.put(patch_location, params={"digest": sha256(patch_data)}), 201)
        assert done.headers["docker-content-digest"] == sha256(patch_data)
        assert (
            expect(client.get(f"/v2/admin/victim/blobs/{sha256(patch_data)}"), 200).content
            == patch_data
        )

        # The interrupted final PUT left an upload that can be cancelled.
        expect(client.delete(put_location), 204)
        assert error_codes(expect(client.get(put_location), 404)) == ["BLOB_UPLOAD_UNKNOWN"]


def test_restart_keeps_everything(wharf_server: Callable[..., WharfServer]) -> None:
    """A graceful stop and start (SIGTERM) loses nothing either, and the same admin
    password still works."""
    server = wharf_server()
    image = make_image()
    with server.client() as client:
        push_image(client, "admin/persisted", "v1", image)
    server.restart()
    with server.client() as client:
        pull_and_verify(client, "admin/persisted", "v1")
    with httpx.Client(base_url=server.url, auth=("admin", "wrong")) as client:
        assert client.get("/v2/").status_code == 401
