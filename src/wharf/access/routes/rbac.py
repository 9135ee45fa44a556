"""Roles, collections, grants, default collections, and the "why" explainer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.access import collections as coll
from wharf.access import grants as grant_service
from wharf.access import roles as role_service
from wharf.access.accounts import require_account
from wharf.access.api_auth import ApiAuth, require_admin
from wharf.access.decide import decide, requester_for, visible_collections
from wharf.access.interfaces import Forbidden, InvalidInput, NotFound
from wharf.access.models import Account, Collection, Role
from wharf.access.operations import Operation, SubOption
from wharf.access.routes.accounts import visible_account
from wharf.access.routes.views import collection_view, grant_view, role_view, subject_view
from wharf.access.snapshot import SnapshotCache, load_snapshot
from wharf.core.api import bad_request, field, flag, json_body, paging


class RbacRoutes:
    def __init__(
        self, auth: ApiAuth, snapshots: SnapshotCache, resource_counter: coll.AsyncResourceCounter
    ) -> None:
        self.auth = auth
        self.snapshots = snapshots
        self.count_resources = resource_counter

    # -- roles -------------------------------------------------------------------------------

    async def list_roles(self, request: Request) -> Response:
        def work(session: Session, actor: Account) -> list[dict[str, Any]]:
            return [role_view(r) for r in role_service.list_roles(session)]

        return JSONResponse(await self.auth.run(request, work))

    async def create_role(self, request: Request) -> Response:
        data = await json_body(request)
        name = field(data, "name", str, required=True)
        operations = data.get("operations", {})

        def work(session: Session, actor: Account) -> dict[str, Any]:
            require_admin(actor)
            return role_view(role_service.create_role(session, name, operations))

        return JSONResponse(await self.auth.run(request, work), status_code=201)

    async def role(self, request: Request) -> Response:
        key = request.path_params["role"]
        method = request.method

        def work(session: Session, actor: Account) -> dict[str, Any] | None:
            if method == "GET":
                return role_view(role_service.find_role(session, key))
            require_admin(actor)
            role_service.delete_role(session, key)
            return None

        result = await self.auth.run(request, work)
        return Response(status_code=204) if result is None else JSONResponse(result)

    # -- collections -------------------------------------------------------------------------

    def _visible(self, session: Session, actor: Account) -> set[str]:
        snapshot = self.snapshots.get_sync()
        return visible_collections(
            requester_for(str(actor.id), actor.name, actor.is_admin, actor.is_active, snapshot),
            snapshot,
        )

    def _collection(self, session: Session, actor: Account, key: str) -> Collection:
        """A collection the actor may see; NotFound for the others, as for missing ones."""
        found = coll.find_collection(session, key)
        if not actor.is_admin and found.id not in self._visible(session, actor):
            raise NotFound(f"no collection {key!r}")
        return found

    async def list_collections(self, request: Request) -> Response:
        start, limit = paging(request)

        def work(session: Session, actor: Account) -> dict[str, Any]:
            query = select(Collection).order_by(Collection.path)
            if not actor.is_admin:
                query = query.where(Collection.id.in_(self._visible(session, actor)))
            rows = list(session.scalars(query.offset(start).limit(limit + 1)))
            return {
                "collections": [collection_view(c) for c in rows[:limit]],
                "nextPageStart": str(start + limit) if len(rows) > limit else "",
            }

        return JSONResponse(await self.auth.run(request, work))

    async def create_collection(self, request: Request) -> Response:
        data = await json_body(request)
        name = field(data, "name", str, required=True)
        parent = field(data, "parent_id", str) or field(data, "parent_path", str)
        if not parent:
            raise bad_request("give parent_id (a collection id) or parent_path")

        def work(session: Session, actor: Account) -> dict[str, Any]:
            require_admin(actor)
            return collection_view(coll.create_collection(session, name, parent))

        return JSONResponse(await self.auth.run(request, work), status_code=201)

    async def _counts(self, key: str) -> coll.ResourceCounter:
        """Resources in the collection and its subtree, counted before the transaction
        (asking the swarm is async); a plain lookup for the sync services."""
        snapshot = await self.snapshots.get()
        cid = snapshot.by_path.get(key) if key.startswith("/") else key
        node = snapshot.collections.get(cid or "")
        if node is None:
            return lambda _path: 0
        prefix = node.path.rstrip("/") + "/"
        below = (c.path for c in snapshot.collections.values() if c.path.startswith(prefix))
        paths = [node.path, *below]
        counts = {path: await self.count_resources(path) for path in paths}
        return lambda path: counts.get(path, 0)

    async def collection(self, request: Request) -> Response:
        key = request.path_params["collection"]
        method = request.method
        data = await json_body(request) if method == "PATCH" else {}
        counter = await self._counts(key) if method in ("PATCH", "DELETE") else (lambda _p: 0)

        def work(session: Session, actor: Account) -> dict[str, Any] | None:
            found = self._collection(session, actor, key)
            if method == "GET":
                return collection_view(found)
            require_admin(actor)
            if method == "DELETE":
                coll.delete_collection(session, found.id, counter)
                return None
            name = field(data, "name", str, required=True)
            return collection_view(coll.rename_collection(session, found.id, name, counter))

        result = await self.auth.run(request, work)
        return Response(status_code=204) if result is None else JSONResponse(result)

    async def children(self, request: Request) -> Response:
        key = request.path_params["collection"]

        def work(session: Session, actor: Account) -> list[dict[str, Any]]:
            found = self._collection(session, actor, key)
            visible = None if actor.is_admin else self._visible(session, actor)
            return [
                collection_view(c)
                for c in coll.children(session, found.id)
                if visible is None or c.id in visible
            ]

        return JSONResponse(await self.auth.run(request, work))

    async def by_path(self, request: Request) -> Response:
        path = request.query_params.get("path")
        if not path:
            raise bad_request("the path query parameter is required")

        def work(session: Session, actor: Account) -> dict[str, Any]:
            return collection_view(self._collection(session, actor, path))

        return JSONResponse(await self.auth.run(request, work))

    async def default_collection(self, request: Request) -> Response:
        user_name = request.path_params["user"]
        method = request.method
        data = await json_body(request) if method == "PUT" else {}

        def work(session: Session, actor: Account) -> dict[str, Any]:
            user = visible_account(session, actor, user_name)
            if user.is_org:
                raise NotFound(f"no user {user_name!r}")
            if method == "PUT":
                if not actor.is_admin and actor.id != user.id:
                    raise Forbidden("you may only set your own default collection")
                key = field(data, "id", str) or field(data, "path", str)
                if not key:
                    raise bad_request("give the collection id or path")
                user.default_collection_id = self._collection(session, actor, key).id
            cid = user.default_collection_id or coll.ROOT_ID
            return collection_view(coll.find_collection(session, cid))

        return JSONResponse(await self.auth.run(request, work))

    # -- grants ------------------------------------------------------------------------------

    async def list_grants(self, request: Request) -> Response:
        start, limit = paging(request)
        params = request.query_params
        subject_key = params.get("subjectID") or None
        expand = flag(request, "expandUser")
        show_paths = flag(request, "showPaths")

        def work(session: Session, actor: Account) -> dict[str, Any]:
            key: str | None
            if not actor.is_admin:
                # Non-admins see only the grants that apply to themselves.
                if subject_key and grant_service.find_subject(session, subject_key).id != str(
                    actor.id
                ):
                    raise Forbidden("only administrators may list other subjects' grants")
                key, expand_user = str(actor.id), True
            else:
                key, expand_user = subject_key, expand
            grants, subjects, next_start = grant_service.list_grants(
                session,
                subject_key=key,
                collection_key=params.get("objectID") or None,
                role_key=params.get("roleID") or None,
                subject_type=params.get("subjectType") or None,
                expand_user=expand_user,
                start=start,
                limit=limit,
            )
            paths: dict[str, str] = {}
            if show_paths:
                ids = {g.collection_id for g in grants}
                rows = session.execute(
                    select(Collection.id, Collection.path).where(Collection.id.in_(ids))
                )
                # (not dict(rows): a Result has .keys(), so dict() would treat it as a mapping)
                paths = {cid: path for cid, path in rows}  # noqa: C416
            return {
                "grants": [grant_view(g, paths.get(g.collection_id)) for g in grants],
                "subjects": [subject_view(s) for s in subjects],
                "nextPageStart": "" if next_start is None else str(next_start),
            }

        return JSONResponse(await self.auth.run(request, work))

    async def grant(self, request: Request) -> Response:
        p = request.path_params
        subject, collection, role = p["subject"], p["collection"], p["role"]
        method = request.method

        def work(session: Session, actor: Account) -> dict[str, Any] | None:
            require_admin(actor)
            if method == "PUT":
                return grant_view(grant_service.put_grant(session, subject, collection, role))
            grant_service.delete_grant(session, subject, collection, role)
            return None

        result = await self.auth.run(request, work)
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=201)

    # -- explain -------------------------------------------------------------------------------

    async def explain(self, request: Request) -> Response:
        params = request.query_params
        user_name = params.get("user") or ""
        collection_key = params.get("collection") or ""
        try:
            operation = Operation(params.get("operation", ""))
            subs = frozenset(
                SubOption(s.strip()) for s in params.get("subOptions", "").split(",") if s.strip()
            )
        except ValueError as exc:
            raise bad_request(f"unknown operation or sub-option: {exc}") from None
        if not user_name or not collection_key:
            raise bad_request("user, operation and collection are required")

        def work(session: Session, actor: Account) -> dict[str, Any]:
            user = require_account(session, user_name) if actor.is_admin else actor
            if user.name != user_name:
                raise Forbidden("only administrators may ask about other users")
            if user.is_org:
                raise InvalidInput("ask about a user, not an organization")
            found = coll.find_collection(session, collection_key)
            snapshot = load_snapshot(session)  # this transaction's view, not the cache
            requester = requester_for(
                str(user.id), user.name, user.is_admin, user.is_active, snapshot
            )
            decision = decide(requester, operation, subs, found.id, snapshot)
            explained = []
            for g in decision.grants:
                subject = grant_service.find_subject(session, g.subject_id)
                role = session.get(Role, g.role_id)
                explained.append(
                    {
                        **grant_view(g),  # type: ignore[arg-type]
                        "subjectName": subject.name,
                        "subjectType": subject.type,
                        "roleName": role.name if role else g.role_id,
                        "collectionPath": snapshot.collections[g.collection_id].path,
                    }
                )
            return {
                "allowed": decision.allowed,
                "user": user.name,
                "operation": operation.value,
                "subOptions": sorted(s.value for s in subs),
                "collection": found.path,
                "reason": decision.reason,
                "message": None if decision.allowed else decision.message,
                "missing": [s.value for s in decision.missing],
                "grants": explained,
            }

        return JSONResponse(await self.auth.run(request, work))

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/roles", self.list_roles, methods=["GET"]),
            Route("/roles", self.create_role, methods=["POST"]),
            Route("/roles/{role}", self.role, methods=["GET", "DELETE"]),
            Route("/collections", self.list_collections, methods=["GET"]),
            Route("/collections", self.create_collection, methods=["POST"]),
            Route("/collections/{collection}", self.collection, methods=["GET", "PATCH", "DELETE"]),
            Route("/collections/{collection}/children", self.children, methods=["GET"]),
            Route("/collectionByPath", self.by_path, methods=["GET"]),
            Route("/defaultCollection/{user}", self.default_collection, methods=["GET", "PUT"]),
            Route("/collectionGrants", self.list_grants, methods=["GET"]),
            Route(
                "/collectionGrants/{subject}/{collection}/{role}",
                self.grant,
                methods=["PUT", "DELETE"],
            ),
            Route("/api/access/explain", self.explain, methods=["GET"]),
        ]
