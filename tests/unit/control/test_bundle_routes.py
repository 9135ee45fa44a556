"""``/ca``, ``/api/clientbundle`` and ``/accounts/{name}/publicKeys``, in process."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from starlette.requests import Request

from tests.conftest import InProcessWharf, basic
from tests.unit.access.test_api import admin, code, make_user
from tests.unit.control.conftest import identify
from wharf.control.bundle_routes import BundleRoutes
from wharf.control.pki import CertificateAuthority
from wharf.core.db import utcnow


async def download(w: InProcessWharf, headers: dict[str, str], label: str = "") -> zipfile.ZipFile:
    params = {"label": label} if label else {}
    r = await w.client.post("/api/clientbundle", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return zipfile.ZipFile(io.BytesIO(r.content))


def der_of(bundle: zipfile.ZipFile) -> bytes:
    cert = x509.load_pem_x509_certificate(bundle.read("cert.pem"))
    return cert.public_bytes(serialization.Encoding.DER)


async def test_ca_is_public(wharf: InProcessWharf, ca: CertificateAuthority) -> None:
    r = await wharf.client.get("/ca")
    assert r.status_code == 200
    assert r.content == ca.ca_pem
    assert r.content.startswith(b"-----BEGIN CERTIFICATE-----")


async def test_client_bundle_download(wharf: InProcessWharf, ca: CertificateAuthority) -> None:
    assert (await wharf.client.get("/api/clientbundle")).status_code == 401
    r = await wharf.client.post(
        "/api/clientbundle", headers=basic("admin", "wrong"), params={"label": "x"}
    )
    assert r.status_code == 401

    alice = await make_user(wharf, "alice")
    r = await wharf.client.get("/api/clientbundle", headers=alice, params={"label": "laptop"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == 'attachment; filename="ucp-bundle-alice.zip"'
    bundle = zipfile.ZipFile(io.BytesIO(r.content))
    cert = x509.load_pem_x509_certificate(bundle.read("cert.pem"))
    assert ca.signed(cert)
    # No docker endpoint configured: the host the request came to, on the default port.
    meta = json.loads(bundle.read("meta.json"))
    assert meta["Endpoints"]["docker"]["Host"] == "tcp://wharf.test:12376"

    r = await wharf.client.get("/accounts/alice/publicKeys", headers=alice)
    assert r.status_code == 200
    body = r.json()
    assert body["nextPageStart"] == ""
    [key] = body["accountPublicKeys"]
    assert key["id"] == bundle.comment.decode()
    assert key["label"] == "laptop"
    assert key["publicKey"] == bundle.read("cert.pub").decode()
    assert len(key["fingerprint"]) == 64
    expires = datetime.fromisoformat(key["expiresAt"])
    assert timedelta(days=364) < expires - utcnow() <= timedelta(days=365)
    assert datetime.fromisoformat(key["createdAt"]) <= utcnow()

    # Basic credentials work too (scripts), and a label is generated when none is given.
    await download(wharf, basic("alice", "alice-password"))
    r = await wharf.client.get("/accounts/alice/publicKeys", headers=alice)
    assert r.json()["accountPublicKeys"][1]["label"].startswith("Generated on ")


async def test_bundle_lifetime_follows_settings(wharf: InProcessWharf) -> None:
    h = await admin(wharf)
    r = await wharf.client.get("/api/ucp/config/auth.client_bundles", headers=h)
    assert r.json() == {"lifetime_days": 365, "automation_lifetime_days": 365}
    r = await wharf.client.put(
        "/api/ucp/config/auth.client_bundles", headers=h, json={"lifetime_days": 0}
    )
    assert r.status_code == 400
    r = await wharf.client.put(
        "/api/ucp/config/auth.client_bundles", headers=h, json={"lifetime_days": 7}
    )
    assert r.status_code == 200, r.text
    bundle = await download(wharf, h)
    cert = x509.load_pem_x509_certificate(bundle.read("cert.pem"))
    assert timedelta(days=6) < cert.not_valid_after_utc - utcnow() <= timedelta(days=7)


async def test_public_keys_are_private(wharf: InProcessWharf) -> None:
    db = wharf.services.db
    alice = await make_user(wharf, "alice")
    bob = await make_user(wharf, "bob")
    bundle = await download(wharf, alice, "laptop")
    key_id = bundle.comment.decode()
    path = f"/accounts/alice/publicKeys/{key_id}"

    assert (await wharf.client.get("/accounts/alice/publicKeys")).status_code == 401
    # Bob cannot see, rename or revoke Alice's keys: they look missing.
    for method, kwargs in (
        ("GET", {}),
        ("PATCH", {"json": {"label": "mine"}}),
        ("DELETE", {}),
    ):
        r = await wharf.client.request(method, path, headers=bob, **kwargs)  # type: ignore[arg-type]
        assert r.status_code == 404, (method, r.text)
        assert code(r) == "NOT_FOUND"
    r = await wharf.client.get("/accounts/alice/publicKeys", headers=bob)
    assert r.status_code == 404
    assert (await wharf.client.get("/accounts/ghost/publicKeys", headers=bob)).status_code == 404
    # Bob's own key ids under Alice's name are not found either.
    bobs = (await download(wharf, bob)).comment.decode()
    r = await wharf.client.delete(f"/accounts/alice/publicKeys/{bobs}", headers=alice)
    assert r.status_code == 404
    r = await wharf.client.get("/accounts/bob/publicKeys/not-a-uuid", headers=bob)
    assert r.status_code == 404

    # Alice renames her key.
    r = await wharf.client.patch(path, headers=alice, json={"label": "desktop"})
    assert r.status_code == 200, r.text
    assert r.json()["label"] == "desktop"
    r = await wharf.client.patch(path, headers=alice, json={})
    assert r.status_code == 400
    r = await wharf.client.get(path, headers=alice)
    assert r.json()["label"] == "desktop"

    # An admin sees and revokes anyone's key; the certificate stops identifying at once.
    h = await admin(wharf)
    r = await wharf.client.get("/accounts/alice/publicKeys", headers=h)
    assert [k["id"] for k in r.json()["accountPublicKeys"]] == [key_id]
    assert identify(db, der_of(bundle)) is not None
    assert (await wharf.client.delete(path, headers=h)).status_code == 204
    assert identify(db, der_of(bundle)) is None
    assert (await wharf.client.delete(path, headers=h)).status_code == 404
    r = await wharf.client.get("/accounts/alice/publicKeys", headers=alice)
    assert r.json()["accountPublicKeys"] == []


async def test_public_key_paging(wharf: InProcessWharf) -> None:
    h = await admin(wharf)
    for label in ("a", "b", "c"):
        await download(wharf, h, label)
    r = await wharf.client.get("/accounts/admin/publicKeys", headers=h, params={"limit": 2})
    assert [k["label"] for k in r.json()["accountPublicKeys"]] == ["a", "b"]
    assert r.json()["nextPageStart"] == "2"
    r = await wharf.client.get(
        "/accounts/admin/publicKeys", headers=h, params={"limit": 2, "start": 2}
    )
    assert [k["label"] for k in r.json()["accountPublicKeys"]] == ["c"]
    assert r.json()["nextPageStart"] == ""


async def test_deactivation_stops_bundles(wharf: InProcessWharf) -> None:
    db = wharf.services.db
    alice = await make_user(wharf, "alice")
    bundle = await download(wharf, alice)
    assert identify(db, der_of(bundle)) is not None
    h = await admin(wharf)
    r = await wharf.client.patch("/accounts/alice", headers=h, json={"isActive": False})
    assert r.status_code == 200, r.text
    assert identify(db, der_of(bundle)) is None
    await wharf.client.patch("/accounts/alice", headers=h, json={"isActive": True})
    assert identify(db, der_of(bundle)) is not None
    assert (await wharf.client.delete("/accounts/alice", headers=h)).status_code == 204
    assert identify(db, der_of(bundle)) is None


@pytest.mark.parametrize(
    ("configured", "request_host", "expected"),
    [
        ("", "wharf.test", "tcp://wharf.test:12376"),
        ("", "[::1]:5000", "tcp://[::1]:12376"),
        ("docker.example.com:443", "wharf.test", "tcp://docker.example.com:443"),
        ("tcp://10.0.0.5:2376", "wharf.test", "tcp://10.0.0.5:2376"),
        ("0.0.0.0:12377", "wharf.test:5000", "tcp://wharf.test:12377"),
        (":12378", "wharf.test", "tcp://wharf.test:12378"),
        ("[::]:12379", "10.1.1.1", "tcp://10.1.1.1:12379"),
    ],
)
def test_docker_endpoint_written_into_bundles(
    configured: str, request_host: str, expected: str
) -> None:
    routes = BundleRoutes(None, CertificateAuthority.create(), configured)  # type: ignore[arg-type]
    scope = {
        "type": "http",
        "scheme": "http",
        "method": "GET",
        "path": "/api/clientbundle",
        "query_string": b"",
        "headers": [(b"host", request_host.encode())],
    }
    assert routes._docker_host(Request(scope)) == expected
