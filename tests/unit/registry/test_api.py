"""The /v2 API end to end, in process (httpx ASGI transport, SQLite, filesystem blobs):
every status code, header and error body a client relies on."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import update

from tests.conftest import ADMIN_PASSWORD, InProcessWharf, basic
from wharf.registry.models import Repository

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


async def admin(w: InProcessWharf, repo: str, actions: str = "pull,push,delete") -> dict[str, str]:
    return await w.bearer("admin", ADMIN_PASSWORD, f"repository:{repo}:{actions}")


async def push_blob(w: InProcessWharf, repo: str, data: bytes, headers: dict[str, str]) -> str:
    digest = sha(data)
    r = await w.client.post(
        f"/v2/{repo}/blobs/uploads/", params={"digest": digest}, content=data, headers=headers
    )
    assert r.status_code == 201, r.text
    return digest


async def push_image(
    w: InProcessWharf, repo: str, tag: str, headers: dict[str, str], layer: bytes = b"layer-data"
) -> tuple[str, bytes]:
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    cdigest = await push_blob(w, repo, config, headers)
    ldigest = await push_blob(w, repo, layer, headers)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": CONFIG, "digest": cdigest, "size": len(config)},
            "layers": [{"mediaType": LAYER, "digest": ldigest, "size": len(layer)}],
        }
    ).encode()
    r = await w.client.put(
        f"/v2/{repo}/manifests/{tag}",
        content=manifest,
        headers={**headers, "Content-Type": OCI_MANIFEST},
    )
    assert r.status_code == 201, r.text
    assert r.headers["Docker-Content-Digest"] == sha(manifest)
    return sha(manifest), manifest


def error_code(response: Any) -> str:
    return str(response.json()["errors"][0]["code"])


# -- base, auth and tokens ------------------------------------------------------------


async def test_base_requires_auth_and_names_the_token_realm(wharf: InProcessWharf) -> None:
    r = await wharf.client.get("/v2/")
    assert r.status_code == 401
    assert r.headers["Docker-Distribution-API-Version"] == "registry/2.0"
    assert r.headers["WWW-Authenticate"] == (
        'Bearer realm="http://wharf.test/auth/token",service="wharf"'
    )
    assert error_code(r) == "UNAUTHORIZED"
    r = await wharf.client.get("/v2/", headers=await wharf.bearer("admin", ADMIN_PASSWORD))
    assert r.status_code == 200
    r = await wharf.client.get("/v2/", headers=basic("admin", ADMIN_PASSWORD))
    assert r.status_code == 200


async def test_wrong_credentials(wharf: InProcessWharf) -> None:
    r = await wharf.client.get(
        "/auth/token", params={"service": "wharf"}, headers=basic("admin", "wrong")
    )
    assert r.status_code == 401
    assert error_code(r) == "UNAUTHORIZED"
    r = await wharf.client.get("/v2/", headers=basic("nobody", "wrong"))
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer realm=")
    r = await wharf.client.get("/v2/", headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    r = await wharf.client.get("/v2/", headers={"Authorization": "Basic !!!"})
    assert r.status_code == 401


async def test_token_for_unknown_service_is_refused(wharf: InProcessWharf) -> None:
    r = await wharf.client.get("/auth/token", params={"service": "elsewhere"})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


async def test_refresh_token_flow(wharf: InProcessWharf) -> None:
    r = await wharf.client.get(
        "/auth/token",
        params={"service": "wharf", "offline_token": "true", "client_id": "docker"},
        headers=basic("admin", ADMIN_PASSWORD),
    )
    refresh = r.json()["refresh_token"]
    r = await wharf.client.post(
        "/auth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "service": "wharf",
            "scope": "repository:admin/x:pull,push",
            "client_id": "docker",
        },
    )
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    claims = wharf.services.access.tokens.verify(token)
    assert claims.allows("repository", "admin/x", "push")
    r = await wharf.client.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": "forged", "service": "wharf"},
    )
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_grant"
    r = await wharf.client.post(
        "/auth/token",
        data={
            "grant_type": "password",
            "username": "admin",
            "password": ADMIN_PASSWORD,
            "access_type": "offline",
            "service": "wharf",
        },
    )
    assert r.status_code == 200 and r.json()["refresh_token"]
    r = await wharf.client.post("/auth/token", data={"grant_type": "client_credentials"})
    assert r.status_code == 400


async def test_tokens_carry_only_what_the_user_may_do(wharf: InProcessWharf) -> None:
    wharf.add_user("alice", "alice-password")
    token = await wharf.token(
        "alice",
        "alice-password",
        "repository:alice/app:pull,push,delete",
        "repository:bob/app:pull,push",
        "repository:alice/app2:*",
    )
    claims = wharf.services.access.tokens.verify(token)
    assert claims.allows("repository", "alice/app", "push")
    assert claims.allows("repository", "alice/app2", "pull")
    assert not claims.allows("repository", "bob/app", "pull")
    anonymous = wharf.services.access.tokens.verify(
        await wharf.token(None, None, "repository:alice/app:pull")
    )
    assert anonymous.subject == ""
    assert not anonymous.allows("repository", "alice/app", "pull")


# -- push and pull --------------------------------------------------------------------


async def test_monolithic_push_and_pull(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    digest, manifest = await push_image(wharf, "admin/app", "v1", h)
    r = await wharf.client.get("/v2/admin/app/manifests/v1", headers=h)
    assert r.status_code == 200
    assert r.content == manifest
    assert r.headers["Content-Type"] == OCI_MANIFEST
    assert r.headers["Docker-Content-Digest"] == digest
    r = await wharf.client.head(f"/v2/admin/app/manifests/{digest}", headers=h)
    assert r.status_code == 200
    assert r.headers["Content-Length"] == str(len(manifest))
    layer = json.loads(manifest)["layers"][0]["digest"]
    r = await wharf.client.get(f"/v2/admin/app/blobs/{layer}", headers=h)
    assert r.content == b"layer-data"
    assert r.headers["Docker-Content-Digest"] == layer
    r = await wharf.client.get(f"/v2/admin/app/blobs/{layer}", headers={**h, "Range": "bytes=2-5"})
    assert r.status_code == 206
    assert r.content == b"yer-"
    assert r.headers["Content-Range"] == "bytes 2-5/10"
    r = await wharf.client.get(f"/v2/admin/app/blobs/{layer}", headers={**h, "Range": "bytes=50-"})
    assert r.status_code == 416


async def test_pushing_the_same_manifest_twice_is_idempotent(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    first, _ = await push_image(wharf, "admin/app", "v1", h)
    second, _ = await push_image(wharf, "admin/app", "v1", h)
    assert first == second


async def test_chunked_upload_in_order(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    r = await wharf.client.post("/v2/admin/app/blobs/uploads/", headers=h)
    assert r.status_code == 202
    location = r.headers["Location"]
    assert r.headers["Range"] == "0-0"
    assert r.headers["Docker-Upload-UUID"] in location
    r = await wharf.client.patch(location, content=b"hello ", headers={**h, "Content-Range": "0-5"})
    assert r.status_code == 202
    assert r.headers["Range"] == "0-5"
    r = await wharf.client.patch(location, content=b"again", headers={**h, "Content-Range": "0-4"})
    assert r.status_code == 416
    assert r.headers["Range"] == "0-5"
    r = await wharf.client.get(location, headers=h)
    assert r.status_code == 204
    assert r.headers["Range"] == "0-5"
    r = await wharf.client.patch(location, content=b"world", headers={**h, "Content-Range": "6-10"})
    assert r.status_code == 202
    digest = sha(b"hello world!")
    r = await wharf.client.put(location, params={"digest": digest}, content=b"!", headers=h)
    assert r.status_code == 201
    assert r.headers["Location"] == f"/v2/admin/app/blobs/{digest}"
    r = await wharf.client.get(f"/v2/admin/app/blobs/{digest}", headers=h)
    assert r.content == b"hello world!"
    r = await wharf.client.get(location, headers=h)
    assert r.status_code == 404
    assert error_code(r) == "BLOB_UPLOAD_UNKNOWN"


async def test_wrong_digest_stores_nothing(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    wrong = sha(b"something else")
    r = await wharf.client.post(
        "/v2/admin/app/blobs/uploads/", params={"digest": wrong}, content=b"data", headers=h
    )
    assert r.status_code == 400
    assert error_code(r) == "DIGEST_INVALID"
    for digest in (wrong, sha(b"data")):
        r = await wharf.client.head(f"/v2/admin/app/blobs/{digest}", headers=h)
        assert r.status_code == 404
    r = await wharf.client.post("/v2/admin/app/blobs/uploads/", headers=h)
    location = r.headers["Location"]
    r = await wharf.client.put(location, params={"digest": wrong}, content=b"data", headers=h)
    assert error_code(r) == "DIGEST_INVALID"
    r = await wharf.client.get(location, headers=h)
    assert r.status_code == 404
    uploads = wharf.services.settings.resolved_storage_root / "uploads"
    assert not any(uploads.iterdir()) if uploads.exists() else True
    r = await wharf.client.put(
        location.replace(location.rsplit("/", 1)[1], "nope"), params={"digest": wrong}, headers=h
    )
    assert r.status_code == 404


async def test_cancelled_upload_is_gone(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    r = await wharf.client.post("/v2/admin/app/blobs/uploads/", headers=h)
    location = r.headers["Location"]
    await wharf.client.patch(location, content=b"partial", headers=h)
    r = await wharf.client.delete(location, headers=h)
    assert r.status_code == 204
    r = await wharf.client.patch(location, content=b"more", headers=h)
    assert r.status_code == 404
    assert error_code(r) == "BLOB_UPLOAD_UNKNOWN"


async def test_upload_ids_belong_to_their_repository(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    r = await wharf.client.post("/v2/admin/app/blobs/uploads/", headers=h)
    upload_id = r.headers["Docker-Upload-UUID"]
    h2 = await admin(wharf, "admin/other")
    r = await wharf.client.get(f"/v2/admin/other/blobs/uploads/{upload_id}", headers=h2)
    assert r.status_code == 404


async def test_manifest_must_reference_blobs_of_the_repository(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    config = await push_blob(wharf, "admin/app", b"{}", h)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": CONFIG, "digest": config, "size": 2},
            "layers": [{"mediaType": LAYER, "digest": sha(b"missing"), "size": 7}],
        }
    ).encode()
    r = await wharf.client.put(
        "/v2/admin/app/manifests/v1", content=manifest, headers={**h, "Content-Type": OCI_MANIFEST}
    )
    assert r.status_code == 400  # as the reference registry answers
    assert error_code(r) == "MANIFEST_BLOB_UNKNOWN"
    assert sha(b"missing") in r.json()["errors"][0]["detail"]["digests"]
    r = await wharf.client.get("/v2/admin/app/manifests/v1", headers=h)
    assert error_code(r) == "MANIFEST_UNKNOWN"


async def test_manifest_limits(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    r = await wharf.client.put(
        "/v2/admin/app/manifests/v1",
        content=b"x" * (4 * 1024 * 1024 + 1),
        headers={**h, "Content-Type": OCI_MANIFEST},
    )
    assert r.status_code == 413
    assert error_code(r) == "MANIFEST_INVALID"
    r = await wharf.client.put(
        "/v2/admin/app/manifests/v1", content=b"{nope", headers={**h, "Content-Type": OCI_MANIFEST}
    )
    assert r.status_code == 400
    assert error_code(r) == "MANIFEST_INVALID"
    r = await wharf.client.put("/v2/admin/app/manifests/bad:tag!", content=b"{}", headers=h)
    assert error_code(r) == "DIGEST_INVALID"
    r = await wharf.client.put("/v2/admin/app/manifests/.bad", content=b"{}", headers=h)
    assert error_code(r) == "MANIFEST_INVALID"


async def test_put_by_digest_must_match_content(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    _, manifest = await push_image(wharf, "admin/app", "v1", h)
    r = await wharf.client.put(
        f"/v2/admin/app/manifests/{sha(b'other')}",
        content=manifest,
        headers={**h, "Content-Type": OCI_MANIFEST},
    )
    assert r.status_code == 400
    assert error_code(r) == "DIGEST_INVALID"
    r = await wharf.client.put(
        f"/v2/admin/app/manifests/{sha(manifest)}",
        content=manifest,
        headers={**h, "Content-Type": OCI_MANIFEST},
    )
    assert r.status_code == 201


async def test_accept_negotiation(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    await push_image(wharf, "admin/app", "v1", h)
    docker_only = "application/vnd.docker.distribution.manifest.v2+json"
    r = await wharf.client.get("/v2/admin/app/manifests/v1", headers={**h, "Accept": docker_only})
    assert r.status_code == 404
    assert error_code(r) == "MANIFEST_UNKNOWN"
    assert OCI_MANIFEST in r.json()["errors"][0]["message"]
    for accept in (f"{docker_only}, {OCI_MANIFEST}", "*/*", "application/json"):
        r = await wharf.client.get("/v2/admin/app/manifests/v1", headers={**h, "Accept": accept})
        assert r.status_code == 200, accept


async def test_bad_names(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    # (httpx, like curl, resolves a literal "/../" before sending; "a..b" reaches us.)
    for name in ("Admin/app", "admin/a..b", "admin/" + "a" * 260):
        r = await wharf.client.get(f"/v2/{name}/tags/list", headers=h)
        assert r.status_code == 400, name
        assert error_code(r) == "NAME_INVALID"
    r = await wharf.client.get("/v2/admin/app/nonsense", headers=h)
    assert r.status_code == 404
    assert error_code(r) == "UNSUPPORTED"


async def test_tags_and_catalog_pagination(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    for tag in ("c", "a", "b", "d"):
        await push_image(wharf, "admin/app", tag, h)
    r = await wharf.client.get("/v2/admin/app/tags/list", headers=h)
    assert r.json() == {"name": "admin/app", "tags": ["a", "b", "c", "d"]}
    r = await wharf.client.get("/v2/admin/app/tags/list", params={"n": 2}, headers=h)
    assert r.json()["tags"] == ["a", "b"]
    assert r.headers["Link"] == '</v2/admin/app/tags/list?n=2&last=b>; rel="next"'
    r = await wharf.client.get("/v2/admin/app/tags/list", params={"n": 2, "last": "b"}, headers=h)
    assert r.json()["tags"] == ["c", "d"]
    assert "Link" not in r.headers
    for repo in ("admin/z", "admin/y"):
        await push_image(wharf, repo, "v1", await admin(wharf, repo))
    ch = await wharf.bearer("admin", ADMIN_PASSWORD, "registry:catalog:*")
    r = await wharf.client.get("/v2/_catalog", params={"n": 2}, headers=ch)
    assert r.json() == {"repositories": ["admin/app", "admin/y"]}
    assert r.headers["Link"] == '</v2/_catalog?n=2&last=admin%2Fy>; rel="next"'
    r = await wharf.client.get("/v2/_catalog", params={"n": 2, "last": "admin/y"}, headers=ch)
    assert r.json() == {"repositories": ["admin/z"]}
    r = await wharf.client.get(
        "/v2/unknown/repo/tags/list", headers=await admin(wharf, "unknown/repo")
    )
    assert error_code(r) == "NAME_UNKNOWN"


async def test_deleting_a_tag_keeps_the_manifest(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    digest, _ = await push_image(wharf, "admin/app", "v1", h)
    await push_image(wharf, "admin/app", "v2", h)
    r = await wharf.client.delete("/v2/admin/app/manifests/v1", headers=h)
    assert r.status_code == 202
    assert (await wharf.client.get("/v2/admin/app/manifests/v1", headers=h)).status_code == 404
    assert (
        await wharf.client.get(f"/v2/admin/app/manifests/{digest}", headers=h)
    ).status_code == 200
    r = await wharf.client.delete(f"/v2/admin/app/manifests/{digest}", headers=h)
    assert r.status_code == 202
    assert (
        await wharf.client.get(f"/v2/admin/app/manifests/{digest}", headers=h)
    ).status_code == 404
    assert (await wharf.client.get("/v2/admin/app/manifests/v2", headers=h)).status_code == 404
    r = await wharf.client.delete(f"/v2/admin/app/manifests/{digest}", headers=h)
    assert error_code(r) == "MANIFEST_UNKNOWN"


async def test_blob_delete_unlinks_from_the_repository(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    digest = await push_blob(wharf, "admin/app", b"blob", h)
    r = await wharf.client.delete(f"/v2/admin/app/blobs/{digest}", headers=h)
    assert r.status_code == 202
    assert (await wharf.client.head(f"/v2/admin/app/blobs/{digest}", headers=h)).status_code == 404
    r = await wharf.client.delete(f"/v2/admin/app/blobs/{digest}", headers=h)
    assert error_code(r) == "BLOB_UNKNOWN"


async def test_referrers(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    subject, manifest = await push_image(wharf, "admin/app", "v1", h)
    empty = await push_blob(wharf, "admin/app", b"{}", h)
    sbom = await push_blob(wharf, "admin/app", b"sbom-content", h)
    artifact = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": "application/spdx+json",
            "config": {
                "mediaType": "application/vnd.oci.empty.v1+json",
                "digest": empty,
                "size": 2,
            },
            "layers": [{"mediaType": "application/spdx+json", "digest": sbom, "size": 12}],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": len(manifest)},
            "annotations": {"org.opencontainers.image.created": "2026-01-01T00:00:00Z"},
        }
    ).encode()
    r = await wharf.client.put(
        f"/v2/admin/app/manifests/{sha(artifact)}",
        content=artifact,
        headers={**h, "Content-Type": OCI_MANIFEST},
    )
    assert r.status_code == 201
    assert r.headers["OCI-Subject"] == subject
    r = await wharf.client.get(f"/v2/admin/app/referrers/{subject}", headers=h)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == OCI_INDEX
    index = r.json()
    assert index["manifests"] == [
        {
            "mediaType": OCI_MANIFEST,
            "digest": sha(artifact),
            "size": len(artifact),
            "artifactType": "application/spdx+json",
            "annotations": {"org.opencontainers.image.created": "2026-01-01T00:00:00Z"},
        }
    ]
    assert "OCI-Filters-Applied" not in r.headers
    r = await wharf.client.get(
        f"/v2/admin/app/referrers/{subject}",
        params={"artifactType": "application/other"},
        headers=h,
    )
    assert r.json()["manifests"] == []
    assert r.headers["OCI-Filters-Applied"] == "artifactType"
    r = await wharf.client.get(f"/v2/admin/app/referrers/{sha(b'nothing')}", headers=h)
    assert r.json()["manifests"] == []
    r = await wharf.client.get("/v2/admin/app/referrers/sha256:bad", headers=h)
    assert error_code(r) == "DIGEST_INVALID"


async def test_index_needs_its_children(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    child, manifest = await push_image(wharf, "admin/app", "amd64", h)
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": child,
                "size": len(manifest),
                "platform": {"architecture": "amd64", "os": "linux"},
            }
        ],
    }
    r = await wharf.client.put(
        "/v2/admin/app/manifests/multi",
        content=json.dumps(index),
        headers={**h, "Content-Type": OCI_INDEX},
    )
    assert r.status_code == 201
    index["manifests"].append({"mediaType": OCI_MANIFEST, "digest": sha(b"x"), "size": 1})
    r = await wharf.client.put(
        "/v2/admin/app/manifests/multi2",
        content=json.dumps(index),
        headers={**h, "Content-Type": OCI_INDEX},
    )
    assert error_code(r) == "MANIFEST_BLOB_UNKNOWN"


# -- permissions and existence --------------------------------------------------------


async def test_users_push_only_in_their_namespace(wharf: InProcessWharf) -> None:
    wharf.add_user("alice", "alice-password")
    h = await wharf.bearer("alice", "alice-password", "repository:alice/app:pull,push")
    await push_image(wharf, "alice/app", "v1", h)
    h = await wharf.bearer("alice", "alice-password", "repository:bob/app:pull,push")
    r = await wharf.client.post("/v2/bob/app/blobs/uploads/", headers=h)
    assert r.status_code == 401
    assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]
    assert 'scope="repository:bob/app:pull,push"' in r.headers["WWW-Authenticate"]
    r = await wharf.client.post(
        "/v2/bob/app/blobs/uploads/", headers=basic("alice", "alice-password")
    )
    assert r.status_code == 403
    assert error_code(r) == "DENIED"


async def test_private_repositories_look_exactly_like_missing_ones(wharf: InProcessWharf) -> None:
    wharf.add_user("alice", "alice-password")
    wharf.add_user("bob", "bob-password")
    await push_image(
        wharf,
        "alice/secret",
        "v1",
        await wharf.bearer("alice", "alice-password", "repository:alice/secret:pull,push"),
    )

    async def answers(repo: str) -> list[tuple[int, str, str]]:
        out = []
        for headers in (
            basic("bob", "bob-password"),
            await wharf.bearer("bob", "bob-password", f"repository:{repo}:pull"),
        ):
            for path in (
                f"/v2/{repo}/manifests/v1",
                f"/v2/{repo}/tags/list",
                f"/v2/{repo}/referrers/{sha(b'x')}",
            ):
                r = await wharf.client.get(path, headers=headers)
                body = r.text.replace(repo, "<repo>")
                auth = r.headers.get("WWW-Authenticate", "").replace(repo, "<repo>")
                out.append((r.status_code, body, auth))
        return out

    assert await answers("alice/secret") == await answers("alice/missing")
    ch = await wharf.bearer("bob", "bob-password", "registry:catalog:*")
    assert (await wharf.client.get("/v2/_catalog", headers=ch)).json()["repositories"] == []
    ch = await wharf.bearer("alice", "alice-password", "registry:catalog:*")
    r = await wharf.client.get("/v2/_catalog", headers=ch)
    assert r.json()["repositories"] == ["alice/secret"]


async def test_anyone_may_pull_a_public_repository(wharf: InProcessWharf) -> None:
    wharf.add_user("alice", "alice-password")
    _digest, _ = await push_image(
        wharf,
        "alice/pub",
        "v1",
        await wharf.bearer("alice", "alice-password", "repository:alice/pub:pull,push"),
    )
    wharf.services.db.call(
        lambda s: s.execute(
            update(Repository).where(Repository.name == "alice/pub").values(visibility="public")
        )
    )
    anon = await wharf.bearer(None, None, "repository:alice/pub:pull,push")
    r = await wharf.client.get("/v2/alice/pub/manifests/v1", headers=anon)
    assert r.status_code == 200
    r = await wharf.client.post("/v2/alice/pub/blobs/uploads/", headers=anon)
    assert r.status_code == 401
    catalog = await wharf.bearer(None, None, "registry:catalog:*")
    assert (await wharf.client.get("/v2/_catalog", headers=catalog)).json() == {
        "repositories": ["alice/pub"]
    }


async def test_mount_needs_read_access_to_the_source(wharf: InProcessWharf) -> None:
    wharf.add_user("alice", "alice-password")
    wharf.add_user("bob", "bob-password")
    ah = await wharf.bearer("alice", "alice-password", "repository:alice/app:pull,push")
    secret = await push_blob(wharf, "alice/app", b"alice's secret layer", ah)
    bh = await wharf.bearer(
        "bob", "bob-password", "repository:bob/app:pull,push", "repository:alice/app:pull"
    )
    r = await wharf.client.post(
        "/v2/bob/app/blobs/uploads/", params={"mount": secret, "from": "alice/app"}, headers=bh
    )
    assert r.status_code == 202  # a fresh upload, not a mount
    assert (await wharf.client.head(f"/v2/bob/app/blobs/{secret}", headers=bh)).status_code == 404
    ah2 = await wharf.bearer(
        "alice", "alice-password", "repository:alice/other:pull,push", "repository:alice/app:pull"
    )
    r = await wharf.client.post(
        "/v2/alice/other/blobs/uploads/", params={"mount": secret, "from": "alice/app"}, headers=ah2
    )
    assert r.status_code == 201
    assert r.headers["Docker-Content-Digest"] == secret


@pytest.mark.parametrize("path", ["/_ping", "/metrics"])
async def test_health_and_metrics_are_open(wharf: InProcessWharf, path: str) -> None:
    r = await wharf.client.get(path)
    assert r.status_code == 200


async def test_ping_reports_a_failing_component(wharf: InProcessWharf) -> None:
    assert (await wharf.client.get("/_ping")).json() == {"Healthy": True, "DockerAPI": False}
    wharf.services.db.engine.dispose()
    (wharf.services.settings.data_dir / "wharf.db").unlink()
    (wharf.services.settings.data_dir / "wharf.db").mkdir()
    r = await wharf.client.get("/_ping")
    assert r.status_code == 500
    assert r.json()["Healthy"] is False
    assert r.json()["Error"].startswith("database:")


async def test_metrics_count_requests_and_bytes(wharf: InProcessWharf) -> None:
    h = await admin(wharf, "admin/app")
    await push_blob(wharf, "admin/app", b"x" * 1000, h)
    text = (await wharf.client.get("/metrics")).text
    assert (
        'wharf_http_requests_total{method="POST",route="/v2/<name>/blobs/uploads",status="201"} 1.0'
        in text
    )
    assert "wharf_registry_bytes_received_total 1000.0" in text
    assert "wharf_registry_uploads_in_flight 0.0" in text
