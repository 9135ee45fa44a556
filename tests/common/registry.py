"""A small client for the OCI distribution API, over ``httpx``, for tests that need to
see exactly what the registry answers."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.common.oci import Blob, Image, MultiArchImage, sha256

UPLOAD_PREFIX = "/v2/{name}/blobs/uploads/"


def error_codes(response: httpx.Response) -> list[str]:
    """The ``code`` of every entry of a spec error body."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise AssertionError(
            f"{response.status_code} response without a JSON error body: {response.text[:500]!r}"
        ) from None
    return [entry["code"] for entry in body["errors"]]


def error_messages(response: httpx.Response) -> str:
    return " | ".join(entry.get("message", "") for entry in response.json()["errors"])


def expect(response: httpx.Response, status: int) -> httpx.Response:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: expected {status}, got "
        f"{response.status_code}: {response.text[:1000]}"
    )
    return response


def start_upload(client: httpx.Client, name: str) -> str:
    """POST a new upload; returns its Location (path)."""
    response = expect(client.post(UPLOAD_PREFIX.format(name=name)), 202)
    location = response.headers["location"]
    assert response.headers["range"] == "0-0"
    assert response.headers["docker-upload-uuid"] in location
    return str(httpx.URL(location).path)


def push_blob(client: httpx.Client, name: str, data: bytes) -> str:
    """Upload ``data`` (POST, then PUT with the digest); returns the digest."""
    digest = sha256(data)
    location = start_upload(client, name)
    response = expect(client.put(location, params={"digest": digest}, content=data), 201)
    assert response.headers["docker-content-digest"] == digest
    return digest


def push_blob_chunked(client: httpx.Client, name: str, data: bytes, chunk: int) -> str:
    digest = sha256(data)
    location = start_upload(client, name)
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        response = expect(
            client.patch(
                location,
                content=part,
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"{start}-{start + len(part) - 1}",
                },
            ),
            202,
        )
        assert response.headers["range"] == f"0-{start + len(part) - 1}"
        location = str(httpx.URL(response.headers["location"]).path)
    expect(client.put(location, params={"digest": digest}), 201)
    return digest


def push_manifest(
    client: httpx.Client, name: str, reference: str, manifest: Blob
) -> httpx.Response:
    return client.put(
        f"/v2/{name}/manifests/{reference}",
        content=manifest.data,
        headers={"Content-Type": manifest.media_type},
    )


def push_image(client: httpx.Client, name: str, reference: str, image: Image) -> str:
    for blob in image.blobs:
        push_blob(client, name, blob.data)
    response = expect(push_manifest(client, name, reference, image.manifest), 201)
    assert response.headers["docker-content-digest"] == image.digest
    return image.digest


def push_multiarch(client: httpx.Client, name: str, tag: str, image: MultiArchImage) -> str:
    for child in image.images.values():
        push_image(client, name, child.digest, child)
    response = expect(push_manifest(client, name, tag, image.index), 201)
    assert response.headers["docker-content-digest"] == image.digest
    return image.digest


ACCEPT_ALL = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


def get_manifest(client: httpx.Client, name: str, reference: str) -> httpx.Response:
    return client.get(f"/v2/{name}/manifests/{reference}", headers={"Accept": ACCEPT_ALL})


def pull_and_verify(client: httpx.Client, name: str, reference: str) -> dict[str, Any]:
    """Pull a manifest (recursively for an index) and every blob it references,
    checking each digest; returns the top manifest document."""
    response = expect(get_manifest(client, name, reference), 200)
    digest = response.headers["docker-content-digest"]
    assert sha256(response.content) == digest
    if ":" in reference:
        assert digest == reference
    doc = response.json()
    for child in doc.get("manifests", []):
        pull_and_verify(client, name, child["digest"])
    blobs = [doc["config"], *doc.get("layers", [])] if "config" in doc else []
    for descriptor in blobs:
        blob = expect(client.get(f"/v2/{name}/blobs/{descriptor['digest']}"), 200)
        assert sha256(blob.content) == descriptor["digest"]
        assert len(blob.content) == descriptor["size"]
    return doc


def basic_header(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def upload_offset(client: httpx.Client, location: str) -> int:
    """Bytes the registry holds for an upload, from ``GET <location>``'s ``Range``.
    ("0-0" is what the registry answers for an empty upload, so a one-byte upload is
    ambiguous; the tests never leave one.)"""
    response = expect(client.get(location), 204)
    first, last = response.headers["range"].split("-")
    assert first == "0", response.headers["range"]
    return 0 if last == "0" else int(last) + 1


def metric_value(client: httpx.Client, name: str) -> float:
    text = expect(client.get("/metrics"), 200).text
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise KeyError(name)


def send_truncated_request(
    host: str,
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    declared_length: int,
    body: bytes,
) -> None:
    """Send a request announcing ``declared_length`` body bytes, send only ``body``, then
    close the connection: a client that went away mid-upload."""
    import socket

    assert len(body) < declared_length
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Length: {declared_length}",
    ]
    lines += [f"{key}: {value}" for key, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(head)
        sock.sendall(body)
        sock.shutdown(socket.SHUT_WR)


def wait_uploads_idle(client: httpx.Client, timeout: float = 30) -> None:
    """Wait until the server is no longer receiving any upload body (its
    ``wharf_registry_uploads_in_flight`` gauge is back to zero)."""
    from tests.common.procs import wait_for

    wait_for(
        lambda: metric_value(client, "wharf_registry_uploads_in_flight") == 0,
        timeout,
        "the server to finish receiving uploads",
    )
