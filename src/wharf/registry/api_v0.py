"""``/api/v0``: the trusted registry's repository API — repositories in a namespace,
their visibility and descriptions, tags, and team access.

A repository the caller may not pull is answered exactly like one that does not exist
(404), in every endpoint.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.access.accounts import get_account, may_see, validate_account_name
from wharf.access.api_auth import ApiAuth
from wharf.access.interfaces import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
)
from wharf.access.models import Account, Team
from wharf.access.principal import Principal
from wharf.core.api import field, json_body, paging
from wharf.core.db import SessionReader, utcnow
from wharf.registry.errors import RegistryError
from wharf.registry.models import Manifest, Repository, RepositoryTeamAccess, Tag
from wharf.registry.names import validate_repository_name
from wharf.registry.permissions import (
    ACCESS_LEVELS,
    ADMIN,
    PULL,
    readable_repositories,
    repository_actions,
)

VISIBILITIES = ("public", "private")


def _principal(actor: Account | None) -> Principal | None:
    return Principal.of(actor) if actor is not None else None


def repository_view(repo: Repository, tag_count: int | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(repo.id),
        "namespace": repo.namespace,
        "name": repo.name.split("/", 1)[1],
        "fullName": repo.name,
        "visibility": repo.visibility,
        "shortDescription": repo.short_description,
        "longDescription": repo.long_description,
        "createdAt": repo.created_at.isoformat(),
        "updatedAt": repo.updated_at.isoformat(),
    }
    if tag_count is not None:
        view["tagCount"] = tag_count
    return view


def _full_name(namespace: str, name: str) -> str:
    full = f"{namespace}/{name}"
    try:
        return validate_repository_name(full)
    except RegistryError as exc:
        raise InvalidInput(exc.message) from None


class RepositoryAPI:
    def __init__(self, auth: ApiAuth) -> None:
        self.auth = auth

    def _visible(
        self, session: Session, actor: Account | None, full: str
    ) -> tuple[Repository, frozenset[str]]:
        """The repository and the caller's actions on it; NotFound when it is missing or
        the caller may not pull it."""
        actions = repository_actions(SessionReader(session), _principal(actor), full)
        repo = session.scalar(select(Repository).where(Repository.name == full))
        if repo is None or PULL not in actions:
            raise NotFound(f"no repository {full!r}")
        return repo, actions

    def _administered(self, session: Session, actor: Account | None, full: str) -> Repository:
        repo, actions = self._visible(session, actor, full)
        if actor is None:
            raise InvalidCredentials()
        if ADMIN not in actions:
            raise Forbidden(f"you need admin access to {full}")
        return repo

    async def list_all(self, request: Request) -> Response:
        return await self._list(request, None)

    async def list_namespace(self, request: Request) -> Response:
        return await self._list(request, request.path_params["namespace"])

    async def _list(self, request: Request, namespace: str | None) -> Response:
        start, limit = paging(request)
        if namespace is not None:
            validate_account_name(namespace)

        def work(session: Session, actor: Account | None) -> dict[str, Any]:
            query = select(Repository).where(readable_repositories(_principal(actor)))
            if namespace is not None:
                query = query.where(Repository.namespace == namespace)
            rows = list(
                session.scalars(query.order_by(Repository.name).offset(start).limit(limit + 1))
            )
            return {
                "repositories": [repository_view(r) for r in rows[:limit]],
                "nextPageStart": str(start + limit) if len(rows) > limit else "",
            }

        return JSONResponse(await self.auth.run_optional(request, work))

    async def create(self, request: Request) -> Response:
        namespace = request.path_params["namespace"]
        data = await json_body(request)
        full = _full_name(namespace, field(data, "name", str, required=True))
        visibility = field(data, "visibility", str) or "private"
        if visibility not in VISIBILITIES:
            raise InvalidInput("visibility is public or private")

        def work(session: Session, actor: Account) -> dict[str, Any]:
            owner = get_account(session, namespace)
            # An organization the caller cannot see looks absent, as everywhere.
            if (
                owner is None
                or owner.service_org_id is not None
                or not may_see(session, actor, owner)
            ):
                raise NotFound(f"no namespace {namespace!r}")
            if ADMIN not in repository_actions(SessionReader(session), Principal.of(actor), full):
                raise Forbidden(f"you may not create repositories in {namespace!r}")
            if session.scalar(select(Repository.id).where(Repository.name == full)):
                raise Conflict(f"repository {full} already exists")
            repo = Repository(
                name=full,
                namespace=namespace,
                visibility=visibility,
                short_description=(field(data, "shortDescription", str) or "")[:140],
                long_description=(field(data, "longDescription", str) or "")[:10_000],
            )
            session.add(repo)
            session.flush()
            return repository_view(repo, 0)

        return JSONResponse(await self.auth.run(request, work), status_code=201)

    async def repository(self, request: Request) -> Response:
        full = _full_name(request.path_params["namespace"], request.path_params["repo"])
        method = request.method
        data = await json_body(request) if method == "PATCH" else {}

        def work(session: Session, actor: Account | None) -> dict[str, Any] | None:
            if method == "GET":
                repo, _ = self._visible(session, actor, full)
                count = session.scalar(
                    select(func.count()).select_from(Tag).where(Tag.repository_id == repo.id)
                )
                return repository_view(repo, count)
            repo = self._administered(session, actor, full)
            if method == "DELETE":
                # Manifests, tags, links and team access go; blobs stay for the garbage
                # collector, which knows whether another repository still uses them.
                session.delete(repo)
                return None
            visibility = field(data, "visibility", str)
            if visibility is not None:
                if visibility not in VISIBILITIES:
                    raise InvalidInput("visibility is public or private")
                repo.visibility = visibility
            short = field(data, "shortDescription", str)
            if short is not None:
                repo.short_description = short[:140]
            long = field(data, "longDescription", str)
            if long is not None:
                repo.long_description = long[:10_000]
            repo.updated_at = utcnow()
            session.flush()
            return repository_view(repo)

        result = await self.auth.run_optional(request, work)
        return Response(status_code=204) if result is None else JSONResponse(result)

    async def tags(self, request: Request) -> Response:
        full = _full_name(request.path_params["namespace"], request.path_params["repo"])

        def work(session: Session, actor: Account | None) -> list[dict[str, Any]]:
            repo, _ = self._visible(session, actor, full)
            rows = session.execute(
                select(
                    Tag.name,
                    Tag.manifest_digest,
                    Tag.updated_at,
                    Manifest.media_type,
                    Manifest.size,
                )
                .join(
                    Manifest,
                    (Manifest.repository_id == Tag.repository_id)
                    & (Manifest.digest == Tag.manifest_digest),
                )
                .where(Tag.repository_id == repo.id)
                .order_by(Tag.name)
            )
            return [
                {
                    "name": name,
                    "digest": digest,
                    "updatedAt": updated.isoformat(),
                    "mediaType": media_type,
                    "manifestSize": size,
                }
                for name, digest, updated, media_type, size in rows
            ]

        return JSONResponse(await self.auth.run_optional(request, work))

    def _team(self, session: Session, namespace: str, team_name: str) -> Team:
        org = get_account(session, namespace)
        if org is None or not org.is_org:
            raise InvalidInput(f"{namespace!r} is not an organization; team access needs one")
        team = session.scalar(select(Team).where(Team.org_id == org.id, Team.name == team_name))
        if team is None:
            raise NotFound(f"no team {namespace}/{team_name}")
        return team

    async def team_access_list(self, request: Request) -> Response:
        namespace = request.path_params["namespace"]
        full = _full_name(namespace, request.path_params["repo"])

        def work(session: Session, actor: Account | None) -> dict[str, Any]:
            repo = self._administered(session, actor, full)
            rows = session.execute(
                select(Team.name, RepositoryTeamAccess.access_level)
                .join(RepositoryTeamAccess, RepositoryTeamAccess.team_id == Team.id)
                .where(RepositoryTeamAccess.repository_id == repo.id)
                .order_by(Team.name)
            )
            return {
                "teamAccessList": [{"team": {"name": n}, "accessLevel": level} for n, level in rows]
            }

        return JSONResponse(await self.auth.run_optional(request, work))

    async def team_access(self, request: Request) -> Response:
        namespace, team_name = request.path_params["namespace"], request.path_params["team"]
        full = _full_name(namespace, request.path_params["repo"])
        method = request.method
        data = await json_body(request) if method == "PUT" else {}

        def work(session: Session, actor: Account | None) -> dict[str, Any] | None:
            repo = self._administered(session, actor, full)
            team = self._team(session, namespace, team_name)
            row = session.get(RepositoryTeamAccess, (repo.id, team.id))
            if method == "GET":
                if row is None:
                    raise NotFound(f"team {namespace}/{team_name} has no access to {full}")
                return {"team": {"name": team.name}, "accessLevel": row.access_level}
            if method == "DELETE":
                session.execute(
                    delete(RepositoryTeamAccess).where(
                        RepositoryTeamAccess.repository_id == repo.id,
                        RepositoryTeamAccess.team_id == team.id,
                    )
                )
                return None
            level = field(data, "accessLevel", str, required=True)
            if level not in ACCESS_LEVELS:
                raise InvalidInput(f"accessLevel is one of {', '.join(ACCESS_LEVELS)}")
            if row is None:
                session.add(
                    RepositoryTeamAccess(repository_id=repo.id, team_id=team.id, access_level=level)
                )
            else:
                row.access_level = level
            session.flush()
            return {"team": {"name": team.name}, "accessLevel": level}

        result = await self.auth.run_optional(request, work)
        return Response(status_code=204) if result is None else JSONResponse(result)

    def routes(self) -> list[BaseRoute]:
        base = "/api/v0/repositories"
        return [
            Route(base, self.list_all, methods=["GET"]),
            Route(base + "/{namespace}", self.list_namespace, methods=["GET"]),
            Route(base + "/{namespace}", self.create, methods=["POST"]),
            Route(
                base + "/{namespace}/{repo}", self.repository, methods=["GET", "PATCH", "DELETE"]
            ),
            Route(base + "/{namespace}/{repo}/tags", self.tags, methods=["GET"]),
            Route(base + "/{namespace}/{repo}/teamAccess", self.team_access_list, methods=["GET"]),
            Route(
                base + "/{namespace}/{repo}/teamAccess/{team}",
                self.team_access,
                methods=["GET", "PUT", "DELETE"],
            ),
        ]
