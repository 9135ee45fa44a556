"""The OCI distribution API (``/v2/``), route by route as the spec lists them.

Handlers parse the request, ask :class:`RegistryAuth` whether the caller may act, call a
service, and shape the response. They never build a storage path or write SQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from wharf.access.accounts import get_account
from wharf.access.principal import Principal
from wharf.core.config import Settings
from wharf.core.db import Database
from wharf.core.metrics import Metrics
from wharf.registry import blobs
from wharf.registry.auth import Caller, RegistryAuth
from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.manifests import parse_manifest
from wharf.registry.manifests import store as manifest_store
from wharf.registry.manifests.media_types import OCI_INDEX
from wharf.registry.names import is_tag, parse_digest, validate_repository_name
from wharf.registry.permissions import DELETE, PULL, PUSH
from wharf.registry.repositories import list_readable_names
from wharf.registry.responses import BlobResponse, parse_range, registry_response
from wharf.registry.uploads import UploadService, UploadStatus, range_header
from wharf.storage import BlobDriver

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
CATALOG_DEFAULT_PAGE = 100
CATALOG_MAX_PAGE = 1000


@dataclass
class RegistryAPI:
    settings: Settings
    db: Database
    driver: BlobDriver
    auth: RegistryAuth
    uploads: UploadService
    metrics: Metrics

    # -- helpers -----------------------------------------------------------------------

    def _name(self, request: Request) -> str:
        return validate_repository_name(request.path_params["name"])

    @staticmethod
    def _upload_headers(name: str, status: UploadStatus) -> dict[str, str]:
        return {
            "Location": f"/v2/{name}/blobs/uploads/{status.id}",
            "Range": range_header(status.offset),
            "Docker-Upload-UUID": status.id,
        }

    @staticmethod
    def _page_size(request: Request, default: int | None, maximum: int | None) -> int | None:
        raw = request.query_params.get("n")
        if raw is None or raw == "":
            return default
        try:
            n = int(raw)
        except ValueError:
            raise RegistryError(
                ErrorCode.UNSUPPORTED, f"n must be an integer, not {raw!r}", status=400
            ) from None
        if n < 0:
            raise RegistryError(ErrorCode.UNSUPPORTED, "n must not be negative", status=400)
        return min(n, maximum) if maximum else n

    # -- base and catalog --------------------------------------------------------------

    async def base(self, request: Request) -> Response:
        await self.auth.caller(request, None)
        return registry_response(200, body=b"{}", media_type="application/json")

    async def catalog(self, request: Request) -> Response:
        caller = await self.auth.caller(request, "registry:catalog:*")
        n = self._page_size(request, CATALOG_DEFAULT_PAGE, CATALOG_MAX_PAGE)
        assert n is not None
        last = request.query_params.get("last") or None
        principal = await self._principal(caller)
        names = await self.db.run(list_readable_names, principal, n + 1, last)
        headers = {}
        # n=0 asks for an empty list, and gets no Link.
        if len(names) > n:
            names = names[:n]
            if names:
                query = urlencode({"n": n, "last": names[-1]})
                headers["Link"] = f'</v2/_catalog?{query}>; rel="next"'
        body = json.dumps({"repositories": names}).encode()
        return registry_response(200, headers, body, "application/json")

    async def _principal(self, caller: Caller) -> Principal | None:
        """The account behind a caller, for decisions that list (the catalog)."""
        if caller.principal is not None:
            return caller.principal
        if not caller.name:
            return None

        def load(session: Session) -> Principal | None:
            account = get_account(session, caller.name)
            return Principal.of(account) if account else None

        return await self.db.run(load)

    # -- manifests ---------------------------------------------------------------------

    async def manifest(self, request: Request) -> Response:
        name = self._name(request)
        reference = request.path_params["reference"]
        by_digest = ":" in reference
        if by_digest:
            parse_digest(reference)
        method = request.method
        if method in ("GET", "HEAD"):
            await self.auth.require(request, name, PULL, "pull")
            if not by_digest and not is_tag(reference):
                raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, detail={"reference": reference})
            return await self._get_manifest(request, name, reference, by_digest, method == "HEAD")
        if method == "PUT":
            await self.auth.require(request, name, PUSH, "pull,push")
            return await self._put_manifest(request, name, reference, by_digest)
        await self.auth.require(request, name, DELETE, "delete")
        await self.db.run(manifest_store.delete_manifest, name, reference, by_digest)
        return registry_response(202)

    async def _get_manifest(
        self, request: Request, name: str, reference: str, by_digest: bool, head: bool
    ) -> Response:
        stored = await manifest_store.get_manifest(self.db, name, reference, by_digest)
        # Clients (the Docker engine among them) send one Accept header per media type.
        accept = ",".join(request.headers.getlist("accept"))
        if not _accepts(accept, stored.media_type):
            raise RegistryError(
                ErrorCode.MANIFEST_UNKNOWN,
                f"the manifest is {stored.media_type}, which the Accept header does not include",
                detail={"reference": reference, "mediaType": stored.media_type},
            )
        headers = {
            "Docker-Content-Digest": stored.digest,
            "ETag": f'"{stored.digest}"',
            "Content-Length": str(len(stored.content)),
        }
        if not head:
            self.metrics.bytes_sent.inc(len(stored.content))
        return registry_response(200, headers, b"" if head else stored.content, stored.media_type)

    async def _put_manifest(
        self, request: Request, name: str, reference: str, by_digest: bool
    ) -> Response:
        if not by_digest and not is_tag(reference):
            raise RegistryError(
                ErrorCode.MANIFEST_INVALID,
                f"invalid tag {reference!r}: up to 128 letters, digits, '_', '.' and '-', "
                "not starting with '.' or '-'",
            )
        content = await self._read_limited(request, self.settings.manifest_max_bytes)
        parsed = parse_manifest(content, request.headers.get("content-type", ""))
        if by_digest:
            expected = parse_digest(reference)
            algorithm = expected.algorithm
        else:
            algorithm = "sha256"
        digest = f"{algorithm}:{hashlib.new(algorithm, content).hexdigest()}"
        if by_digest and digest != reference:
            raise RegistryError(
                ErrorCode.DIGEST_INVALID,
                f"manifest content has digest {digest}, not {reference}",
                detail={"expected": reference, "computed": digest},
            )
        tag = None if by_digest else reference
        args = (name, tag, digest, content, parsed)
        if not await self.db.write(manifest_store.put_manifest_in_existing, *args):
            await self.db.run(manifest_store.put_manifest, *args)  # may it create the repository?
        headers = {"Location": f"/v2/{name}/manifests/{digest}", "Docker-Content-Digest": digest}
        if parsed.subject:
            headers["OCI-Subject"] = parsed.subject
        return registry_response(201, headers)

    @staticmethod
    async def _read_limited(request: Request, limit: int) -> bytes:
        declared = request.headers.get("content-length")
        too_large = RegistryError(
            ErrorCode.MANIFEST_INVALID,
            f"manifest is larger than the {limit // (1024 * 1024)} MiB limit",
            status=413,
        )
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks = bytearray()
        async for chunk in request.stream():
            chunks.extend(chunk)
            if len(chunks) > limit:
                raise too_large
        return bytes(chunks)

    # -- tags and referrers ------------------------------------------------------------

    async def tags(self, request: Request) -> Response:
        name = self._name(request)
        await self.auth.require(request, name, PULL, "pull")
        n = self._page_size(request, None, None)
        last = request.query_params.get("last") or None
        fetch = None if n is None else n + 1
        tags = await self.db.run(manifest_store.list_tags, name, fetch, last)
        headers = {}
        # n=0 asks for an empty list, and gets no Link.
        if n is not None and len(tags) > n:
            tags = tags[:n]
            if tags:
                query = urlencode({"n": n, "last": tags[-1]})
                headers["Link"] = f'</v2/{name}/tags/list?{query}>; rel="next"'
        body = json.dumps({"name": name, "tags": tags}).encode()
        return registry_response(200, headers, body, "application/json")

    async def referrers(self, request: Request) -> Response:
        name = self._name(request)
        digest = str(parse_digest(request.path_params["digest"]))
        await self.auth.require(request, name, PULL, "pull")
        artifact_type = request.query_params.get("artifactType") or None
        referrers = await self.db.run(manifest_store.list_referrers, name, digest, artifact_type)
        manifests = []
        for r in referrers:
            entry: dict[str, object] = {
                "mediaType": r.media_type,
                "digest": r.digest,
                "size": r.size,
            }
            if r.artifact_type:
                entry["artifactType"] = r.artifact_type
            if r.annotations:
                entry["annotations"] = r.annotations
            manifests.append(entry)
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
        headers = {"OCI-Filters-Applied": "artifactType"} if artifact_type else {}
        return registry_response(200, headers, json.dumps(index).encode(), OCI_INDEX)

    # -- blobs -------------------------------------------------------------------------

    async def blob(self, request: Request) -> Response:
        name = self._name(request)
        digest = parse_digest(request.path_params["digest"])
        if request.method == "DELETE":
            await self.auth.require(request, name, DELETE, "delete")
            await self.db.run(blobs.unlink_blob, name, str(digest))
            return registry_response(202)
        await self.auth.require(request, name, PULL, "pull")
        linked = await blobs.lookup_linked_blob(self.db, name, str(digest))
        if linked is None:
            raise RegistryError(ErrorCode.BLOB_UNKNOWN, detail={"digest": str(digest)})
        path = blobs.storage_path(digest)
        redirect = await self.driver.redirect_url(path, request.method)
        if redirect:
            return registry_response(
                307, {"Location": redirect, "Docker-Content-Digest": linked.digest}
            )
        byte_range = parse_range(request.headers.get("range"), linked.size)
        start, length = (
            (byte_range[0], byte_range[1] - byte_range[0] + 1) if byte_range else (0, None)
        )
        return BlobResponse(
            size=linked.size,
            headers={
                "Docker-Content-Digest": linked.digest,
                "ETag": f'"{linked.digest}"',
                "Content-Type": "application/octet-stream",
                "Cache-Control": "max-age=31536000",
            },
            local_path=self.driver.local_path(path),
            stream=lambda: self.driver.read(path, start, length),
            byte_range=byte_range,
            head=request.method == "HEAD",
            metrics=self.metrics,
        )

    # -- uploads -----------------------------------------------------------------------

    async def upload_start(self, request: Request) -> Response:
        name = self._name(request)
        caller = await self.auth.require(request, name, PUSH, "pull,push")
        params = request.query_params
        mount, source = params.get("mount"), params.get("from")
        if mount and source:
            mounted = await self._mount(caller, name, mount, source)
            if mounted is not None:
                return registry_response(
                    201,
                    {"Location": f"/v2/{name}/blobs/{mounted}", "Docker-Content-Digest": mounted},
                )
        digest = params.get("digest")
        if digest:
            blob = await self.uploads.put_monolithic(name, digest, _body(request))
            return registry_response(
                201,
                {
                    "Location": f"/v2/{name}/blobs/{blob.digest}",
                    "Docker-Content-Digest": blob.digest,
                },
            )
        status = await self.uploads.start(name, caller.name)
        return registry_response(202, self._upload_headers(name, status))

    async def _mount(self, caller: Caller, name: str, mount: str, source: str) -> str | None:
        """Link a blob from ``source`` if the caller may pull it there; None means
        "fall back to a normal upload", as the spec asks."""
        digest = str(parse_digest(mount))
        try:
            validate_repository_name(source)
        except RegistryError:
            return None
        if not await self.auth.may(caller, source, PULL):
            return None

        def link(session: Session) -> bool:
            if blobs.find_linked_blob(session, source, digest) is None:
                return False
            return blobs.link_existing_blob(session, name, digest)

        return digest if await self.db.run(link) else None

    async def upload(self, request: Request) -> Response:
        name = self._name(request)
        upload_id = request.path_params["upload_id"]
        method = request.method
        scope_actions = "pull" if method == "GET" else "pull,push"
        await self.auth.require(request, name, PULL if method == "GET" else PUSH, scope_actions)
        if method == "GET":
            status = await self.uploads.status(name, upload_id)
            return registry_response(204, self._upload_headers(name, status))
        if method == "DELETE":
            await self.uploads.cancel(name, upload_id)
            return registry_response(204)
        if method == "PATCH":
            start = _content_range_start(request.headers.get("content-range"))
            status = await self.uploads.append(name, upload_id, _body(request), start)
            return registry_response(202, self._upload_headers(name, status))
        digest = request.query_params.get("digest")
        if not digest:
            raise RegistryError(ErrorCode.DIGEST_INVALID, "the digest query parameter is required")
        blob = await self.uploads.complete(name, upload_id, digest, _body(request))
        return registry_response(
            201,
            {"Location": f"/v2/{name}/blobs/{blob.digest}", "Docker-Content-Digest": blob.digest},
        )

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v2/", self.base, methods=["GET", "HEAD"]),
            Route("/v2/_catalog", self.catalog, methods=["GET"]),
            Route(
                "/v2/{name:path}/manifests/{reference}",
                self.manifest,
                methods=["GET", "HEAD", "PUT", "DELETE"],
            ),
            Route("/v2/{name:path}/blobs/uploads/", self.upload_start, methods=["POST"]),
            Route(
                "/v2/{name:path}/blobs/uploads/{upload_id}",
                self.upload,
                methods=["GET", "PATCH", "PUT", "DELETE"],
            ),
            Route("/v2/{name:path}/blobs/{digest}", self.blob, methods=["GET", "HEAD", "DELETE"]),
            Route("/v2/{name:path}/tags/list", self.tags, methods=["GET"]),
            Route("/v2/{name:path}/referrers/{digest}", self.referrers, methods=["GET"]),
            Route("/v2/{rest:path}", self.unknown_endpoint, methods=_ALL_METHODS),
        ]

    async def unknown_endpoint(self, request: Request) -> Response:
        """Anything else under /v2/ gets an error in the registry's own format."""
        raise RegistryError(ErrorCode.UNSUPPORTED, "unknown registry endpoint", status=404)


def _body(request: Request) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        async for chunk in request.stream():
            if chunk:
                yield chunk

    return chunks()


def _content_range_start(header: str | None) -> int | None:
    """The first byte of a PATCH's ``Content-Range: <start>-<end>``."""
    if not header:
        return None
    value = header.strip().removeprefix("bytes").strip(" =")
    start, sep, end = value.partition("-")
    if not sep or not start.isdigit() or not (end.split("/")[0].isdigit()):
        raise RegistryError(ErrorCode.RANGE_INVALID, f"malformed Content-Range {header!r}")
    return int(start)


def _accepts(accept: str, media_type: str) -> bool:
    """Whether an ``Accept`` header admits ``media_type``. No header, wildcards, or a
    header naming no manifest type at all admit everything; a header that lists
    manifest types admits only those."""
    if not accept:
        return True
    listed = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    if media_type in listed or "*/*" in listed or "application/*" in listed:
        return True
    return not any(t.startswith("application/vnd.") for t in listed)
