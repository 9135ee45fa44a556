"""``/api/v0`` read-only image views for the web UI: what a tag names, as people want to
see it — the image's size, the platforms of a multi-arch index, and each layer next to the
Dockerfile line that made it (from the image config's ``history``).

* ``GET /api/v0/repositories/{namespace}/{repo}/images?start=&limit=&contains=`` — a page
  of tags (ordered by name, ``contains`` filters the tag name), each with its manifest
  digest, media type, image size and, for an index, its platforms;
* ``GET /api/v0/repositories/{namespace}/{repo}/tags/{tag}`` — one tag in detail;
* ``GET /api/v0/repositories/{namespace}/{repo}/manifests/{digest}`` — one manifest in
  detail (e.g. a platform of an index);
* ``GET /api/v0/repositories/{namespace}/{repo}/myAccess`` — what the caller may do with
  the repository (``pull``, ``push``, ``delete``, ``admin``), so a client shows only the
  controls that will work.

Sizes are the bytes a pull transfers: the config plus the (compressed) layers of an image,
every distinct blob of every platform for an index. As everywhere in ``/api/v0``, a
repository the caller may not pull is answered exactly like one that does not exist.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.access.api_auth import ApiAuth
from wharf.access.interfaces import InvalidInput, NotFound
from wharf.access.models import Account
from wharf.access.principal import Principal
from wharf.core.api import paging
from wharf.core.db import SessionReader
from wharf.registry.blobs import storage_path
from wharf.registry.errors import RegistryError
from wharf.registry.manifests.media_types import (
    DOCKER_CONFIG,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
)
from wharf.registry.models import Manifest, ManifestReference, Repository, Tag
from wharf.registry.names import is_tag, parse_digest, validate_repository_name
from wharf.registry.permissions import PULL, repository_actions
from wharf.storage import BlobDriver, PathNotFound

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
IMAGE_CONFIGS = (OCI_CONFIG, DOCKER_CONFIG)
INDEXES = (OCI_INDEX, DOCKER_LIST)
IMAGES = (OCI_MANIFEST, DOCKER_MANIFEST)
# An image config larger than this is not read for the UI (real ones are a few KiB).
MAX_CONFIG_BYTES = 4 * 1024 * 1024


def _full_name(namespace: str, name: str) -> str:
    try:
        return validate_repository_name(f"{namespace}/{name}")
    except RegistryError as exc:
        raise InvalidInput(exc.message) from None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def platform_label(platform: Any) -> str:
    """``{"os": "linux", "architecture": "arm64", "variant": "v8"}`` → ``linux/arm64/v8``."""
    if not isinstance(platform, dict):
        return ""
    parts = [platform.get("os"), platform.get("architecture"), platform.get("variant")]
    return "/".join(str(p) for p in parts if isinstance(p, str) and p)


def _artifact_type(stored: str | None) -> str | None:
    """The artifact type worth showing: none for a plain image (whose "artifact type" is
    its config media type)."""
    return None if stored in IMAGE_CONFIGS else stored


def _document(content: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _descriptors(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key)
    return [d for d in value if isinstance(d, dict)] if isinstance(value, list) else []


@dataclass(frozen=True)
class _Found:
    """A manifest of the repository, read inside the transaction."""

    repository: str
    digest: str
    media_type: str
    size: int
    content: bytes
    artifact_type: str | None
    created_at: datetime
    # Bytes a pull transfers, and per child manifest (index) the image size.
    total_size: int
    child_sizes: dict[str, int]


def _image_sizes(session: Session, repo_id: uuid.UUID, digests: set[str]) -> dict[str, int]:
    """Config + layer bytes of each image manifest among ``digests``; for an index, the
    distinct blobs of all its children."""
    if not digests:
        return {}
    refs: dict[str, list[tuple[str, str, int]]] = defaultdict(list)

    def load(wanted: set[str]) -> None:
        rows = session.execute(
            select(Manifest.digest, ManifestReference.kind, ManifestReference.digest,
                   ManifestReference.size)
            .join(ManifestReference, ManifestReference.manifest_id == Manifest.id)
            .where(Manifest.repository_id == repo_id, Manifest.digest.in_(wanted))
        )  # fmt: skip
        for owner, kind, digest, size in rows:
            refs[owner].append((kind, digest, size))

    load(digests)
    children = {d for owner in digests for kind, d, _ in refs[owner] if kind == "manifest"}
    missing = children - set(refs)
    if missing:
        load(missing)

    def blobs(digest: str) -> dict[str, int]:
        return {d: size for kind, d, size in refs.get(digest, []) if kind != "manifest"}

    sizes: dict[str, int] = {}
    for owner in digests:
        found = blobs(owner)
        for kind, child, _ in refs[owner]:
            if kind == "manifest":
                found.update(blobs(child))
        sizes[owner] = sum(found.values())
    return sizes


class ImageAPI:
    def __init__(self, auth: ApiAuth, driver: BlobDriver) -> None:
        self.auth = auth
        self.driver = driver

    @staticmethod
    def _repository(session: Session, actor: Account | None, full: str) -> Repository:
        principal = Principal.of(actor) if actor is not None else None
        actions = repository_actions(SessionReader(session), principal, full)
        repo = session.scalar(select(Repository).where(Repository.name == full))
        if repo is None or PULL not in actions:
            raise NotFound(f"no repository {full!r}")
        return repo

    async def my_access(self, request: Request) -> Response:
        full = _full_name(request.path_params["namespace"], request.path_params["repo"])

        def work(session: Session, actor: Account | None) -> dict[str, Any]:
            self._repository(session, actor, full)
            principal = Principal.of(actor) if actor is not None else None
            actions = repository_actions(SessionReader(session), principal, full)
            return {"repository": full, "actions": sorted(actions)}

        return JSONResponse(await self.auth.run_optional(request, work))

    # -- the list ----------------------------------------------------------------------------

    async def images(self, request: Request) -> Response:
        full = _full_name(request.path_params["namespace"], request.path_params["repo"])
        start, limit = paging(request)
        contains = request.query_params.get("contains", "").strip().lower()

        def work(session: Session, actor: Account | None) -> dict[str, Any]:
            repo = self._repository(session, actor, full)
            query = (
                select(Tag.name, Tag.updated_at, Manifest.digest, Manifest.media_type,
                       Manifest.size, Manifest.content, Manifest.artifact_type)
                .join(Manifest, (Manifest.repository_id == Tag.repository_id)
                      & (Manifest.digest == Tag.manifest_digest))
                .where(Tag.repository_id == repo.id)
            )  # fmt: skip
            if contains:
                query = query.where(
                    func.lower(Tag.name).like(f"%{_escape_like(contains)}%", escape="\\")
                )
            rows = list(session.execute(query.order_by(Tag.name).offset(start).limit(limit + 1)))
            page = rows[:limit]
            sizes = _image_sizes(session, repo.id, {r[2] for r in page})
            tags = []
            for name, updated, digest, media_type, size, content, artifact_type in page:
                platforms: list[str] = []
                if media_type in INDEXES:
                    doc = _document(bytes(content))
                    platforms = [
                        platform_label(d.get("platform"))
                        for d in _descriptors(doc, "manifests")
                        if platform_label(d.get("platform"))
                    ]
                tags.append(
                    {
                        "name": name,
                        "digest": digest,
                        "mediaType": media_type,
                        "artifactType": _artifact_type(artifact_type),
                        "manifestSize": size,
                        "size": sizes.get(digest, 0),
                        "platforms": platforms,
                        "updatedAt": updated.isoformat(),
                    }
                )
            return {
                "tags": tags,
                "nextPageStart": str(start + limit) if len(rows) > limit else "",
            }

        return JSONResponse(await self.auth.run_optional(request, work))

    # -- one manifest --------------------------------------------------------------------------

    async def tag(self, request: Request) -> Response:
        full = _full_name(request.path_params["namespace"], request.path_params["repo"])
        tag = request.path_params["tag"]
        if not is_tag(tag):
            raise InvalidInput(f"invalid tag {tag!r}")

        def work(session: Session, actor: Account | None) -> tuple[_Found, datetime]:
            repo = self._repository(session, actor, full)
            row = session.execute(
                select(Tag.manifest_digest, Tag.updated_at).where(
                    Tag.repository_id == repo.id, Tag.name == tag
                )
            ).first()
            if row is None:
                raise NotFound(f"no tag {tag!r} in {full}")
            return self._found(session, repo, row[0]), row[1]

        found, updated = await self.auth.run_optional(request, work)
        view = await self._view(found)
        return JSONResponse({**view, "tag": tag, "updatedAt": updated.isoformat()})

    async def manifest(self, request: Request) -> Response:
        full = _full_name(request.path_params["namespace"], request.path_params["repo"])
        try:
            digest = str(parse_digest(request.path_params["digest"]))
        except RegistryError as exc:
            raise InvalidInput(exc.message) from None

        def work(session: Session, actor: Account | None) -> _Found:
            return self._found(session, self._repository(session, actor, full), digest)

        found = await self.auth.run_optional(request, work)
        return JSONResponse({**(await self._view(found)), "tag": None})

    @staticmethod
    def _found(session: Session, repo: Repository, digest: str) -> _Found:
        manifest = session.scalar(
            select(Manifest).where(Manifest.repository_id == repo.id, Manifest.digest == digest)
        )
        if manifest is None:
            raise NotFound(f"no manifest {digest} in {repo.name}")
        children: set[str] = set()
        if manifest.media_type in INDEXES:
            doc = _document(bytes(manifest.content))
            children = {str(d["digest"]) for d in _descriptors(doc, "manifests") if "digest" in d}
        sizes = _image_sizes(session, repo.id, {digest} | children)
        return _Found(
            repository=repo.name,
            digest=manifest.digest,
            media_type=manifest.media_type,
            size=manifest.size,
            content=bytes(manifest.content),
            artifact_type=manifest.artifact_type,
            created_at=manifest.created_at,
            total_size=sizes.get(digest, 0),
            child_sizes={c: sizes[c] for c in children if c in sizes},
        )

    async def _view(self, found: _Found) -> dict[str, Any]:
        doc = _document(found.content)
        view: dict[str, Any] = {
            "repository": found.repository,
            "digest": found.digest,
            "mediaType": found.media_type,
            "artifactType": _artifact_type(found.artifact_type),
            "manifestSize": found.size,
            "size": found.total_size,
            "pushedAt": found.created_at.isoformat(),
            "annotations": doc.get("annotations") or {},
            "kind": "index"
            if found.media_type in INDEXES
            else "image"
            if "config" in doc
            else "other",
        }
        if view["kind"] == "index":
            view["platforms"] = [
                {
                    "digest": d.get("digest"),
                    "mediaType": d.get("mediaType"),
                    "manifestSize": d.get("size"),
                    "size": found.child_sizes.get(str(d.get("digest"))),
                    "platform": d.get("platform") or {},
                    "label": platform_label(d.get("platform")),
                    "annotations": d.get("annotations") or {},
                }
                for d in _descriptors(doc, "manifests")
            ]
        elif view["kind"] == "image":
            view.update(await self._image(doc))
        return view

    async def _image(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The config summary and the layers, each with the history entry that made it."""
        config_desc = doc.get("config") if isinstance(doc.get("config"), dict) else {}
        assert isinstance(config_desc, dict)
        layers = [
            {
                "digest": d.get("digest"),
                "mediaType": d.get("mediaType"),
                "size": d.get("size"),
                "urls": d.get("urls") or [],
                "createdBy": None,
                "created": None,
                "comment": None,
            }
            for d in _descriptors(doc, "layers")
        ]
        config: dict[str, Any] = {
            "digest": config_desc.get("digest"),
            "mediaType": config_desc.get("mediaType"),
            "size": config_desc.get("size"),
        }
        history: list[dict[str, Any]] = []
        error = None
        if config_desc.get("mediaType") in IMAGE_CONFIGS:
            image, error = await self._read_config(config_desc)
            if image is not None:
                config.update(_config_summary(image))
                history = _history(image)
                _match_history(layers, history)
        return {"config": config, "layers": layers, "history": history, "configError": error}

    async def _read_config(
        self, descriptor: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str | None]:
        size = descriptor.get("size")
        if not isinstance(size, int) or size > MAX_CONFIG_BYTES:
            return None, "the image config is too large to show"
        try:
            path = storage_path(parse_digest(str(descriptor.get("digest"))))
            chunks = [chunk async for chunk in self.driver.read(path)]
        except (RegistryError, PathNotFound):
            return None, "the image config blob is not in storage"
        image = _document(b"".join(chunks))
        if not image:
            return None, "the image config is not a JSON object"
        return image, None

    def routes(self) -> list[BaseRoute]:
        base = "/api/v0/repositories/{namespace}/{repo}"
        return [
            Route(base + "/images", self.images, methods=["GET"]),
            Route(base + "/tags/{tag}", self.tag, methods=["GET"]),
            Route(base + "/manifests/{digest}", self.manifest, methods=["GET"]),
            Route(base + "/myAccess", self.my_access, methods=["GET"]),
        ]


def _config_summary(image: dict[str, Any]) -> dict[str, Any]:
    inner = image.get("config") if isinstance(image.get("config"), dict) else {}
    assert isinstance(inner, dict)
    return {
        "os": image.get("os"),
        "architecture": image.get("architecture"),
        "variant": image.get("variant"),
        "created": image.get("created"),
        "author": image.get("author"),
        "entrypoint": inner.get("Entrypoint"),
        "cmd": inner.get("Cmd"),
        "workingDir": inner.get("WorkingDir") or None,
        "user": inner.get("User") or None,
        "env": inner.get("Env") or [],
        "exposedPorts": sorted(inner.get("ExposedPorts") or {}),
        "labels": inner.get("Labels") or {},
    }


def _history(image: dict[str, Any]) -> list[dict[str, Any]]:
    entries = image.get("history")
    if not isinstance(entries, list):
        return []
    return [
        {
            "created": e.get("created"),
            "createdBy": e.get("created_by"),
            "comment": e.get("comment"),
            "emptyLayer": bool(e.get("empty_layer", False)),
        }
        for e in entries
        if isinstance(e, dict)
    ]


def _match_history(layers: list[dict[str, Any]], history: list[dict[str, Any]]) -> None:
    """Pair layers with history entries in order, skipping ``empty_layer`` entries (an
    ENV or CMD line makes no layer). Extra entries or layers stay unpaired."""
    made = [h for h in history if not h["emptyLayer"]]
    for layer, entry in zip(layers, made, strict=False):
        layer["createdBy"] = entry["createdBy"]
        layer["created"] = entry["created"]
        layer["comment"] = entry["comment"]
