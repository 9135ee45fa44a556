"""``/accounts``: users, organizations, service accounts, their access tokens,
organization members, teams and team members (UCP's accounts API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.access import teams as team_service
from wharf.access.access_tokens import (
    create_access_token,
    delete_access_token,
    list_access_tokens,
)
from wharf.access.accounts import (
    create_org,
    create_service_account,
    create_user,
    delete_account,
    list_accounts,
    may_see,
    require_account,
    update_account,
)
from wharf.access.api_auth import ApiAuth, require_admin
from wharf.access.interfaces import Forbidden, InvalidInput, NotFound
from wharf.access.models import Account
from wharf.access.routes.views import account_view, team_view
from wharf.access.sessions import end_all_sessions
from wharf.core.api import field, json_body, paging


def visible_account(session: Session, actor: Account, name: str) -> Account:
    """The account, or NotFound — also when the actor may not see it."""
    account = require_account(session, name)
    if not may_see(session, actor, account):
        raise NotFound(f"no account {name!r}")
    return account


class AccountRoutes:
    def __init__(self, auth: ApiAuth) -> None:
        self.auth = auth

    # -- accounts --------------------------------------------------------------------------

    async def list_accounts(self, request: Request) -> Response:
        start, limit = paging(request)
        params = request.query_params

        def work(session: Session, actor: Account) -> dict[str, Any]:
            page = list_accounts(
                session,
                filter=params.get("filter", "all"),
                contains=params.get("contains", ""),
                start=start,
                limit=limit,
                order=params.get("order", "name"),
                visible_to=actor,
            )
            return {
                "accounts": [account_view(a) for a in page.accounts],
                "nextPageStart": "" if page.next_start is None else str(page.next_start),
            }

        return JSONResponse(await self.auth.run(request, work))

    async def create(self, request: Request) -> Response:
        data = await json_body(request)
        name = field(data, "name", str, required=True)
        is_org = bool(field(data, "isOrg", bool))
        service_org = field(data, "serviceAccountOf", str)
        full_name = field(data, "fullName", str) or ""

        def work(session: Session, actor: Account) -> dict[str, Any]:
            if service_org:
                org = team_service.require_org(session, service_org)
                team_service.require_org_admin(session, actor, org)
                return account_view(create_service_account(session, org, name, full_name))
            require_admin(actor)
            if is_org:
                org = create_org(session, name, full_name)
                team_service.add_org_member(session, org, actor, is_admin=True)
                return account_view(org)
            user = create_user(
                session,
                name,
                field(data, "password", str, required=True),
                is_admin=bool(field(data, "isAdmin", bool)),
                is_active=field(data, "isActive", bool) is not False,
                full_name=full_name,
            )
            return account_view(user)

        return JSONResponse(await self.auth.run(request, work), status_code=201)

    async def get(self, request: Request) -> Response:
        name = request.path_params["name"]

        def work(session: Session, actor: Account) -> dict[str, Any]:
            return account_view(visible_account(session, actor, name))

        return JSONResponse(await self.auth.run(request, work))

    async def patch(self, request: Request) -> Response:
        name = request.path_params["name"]
        data = await json_body(request)
        changes = {
            "full_name": field(data, "fullName", str),
            "password": field(data, "password", str),
            "is_admin": field(data, "isAdmin", bool),
            "is_active": field(data, "isActive", bool),
        }

        def work(session: Session, actor: Account) -> dict[str, Any]:
            account = visible_account(session, actor, name)
            if account.is_org:
                team_service.require_org_admin(session, actor, account)
                if any(v is not None for k, v in changes.items() if k != "full_name"):
                    raise InvalidInput("an organization only has a full name to change")
                if changes["full_name"] is not None:
                    account.full_name = changes["full_name"][:255]
                return account_view(account)
            updated = update_account(session, actor, account, **changes)
            if changes["is_active"] is False:
                end_all_sessions(session, updated)
            return account_view(updated)

        return JSONResponse(await self.auth.run(request, work))

    async def delete(self, request: Request) -> Response:
        name = request.path_params["name"]

        def work(session: Session, actor: Account) -> None:
            delete_account(session, actor, visible_account(session, actor, name))

        await self.auth.run(request, work)
        return Response(status_code=204)

    # -- access tokens -----------------------------------------------------------------------

    def _token_owner(self, session: Session, actor: Account, name: str) -> Account:
        account = visible_account(session, actor, name)
        if actor.id == account.id or actor.is_admin:
            return account
        if account.service_org_id is not None:
            org = session.get(Account, account.service_org_id)
            if org is not None and team_service.is_org_admin(session, actor, org):
                return account
        raise Forbidden("you may only manage your own access tokens")

    async def list_tokens(self, request: Request) -> Response:
        name = request.path_params["name"]

        def work(session: Session, actor: Account) -> dict[str, Any]:
            owner = self._token_owner(session, actor, name)
            return {
                "tokens": [
                    {
                        "id": str(t.id),
                        "label": t.label,
                        "createdAt": t.created_at.isoformat(),
                        "lastUsedAt": t.last_used_at.isoformat() if t.last_used_at else None,
                        "expiresAt": t.expires_at.isoformat() if t.expires_at else None,
                    }
                    for t in list_access_tokens(session, owner)
                ]
            }

        return JSONResponse(await self.auth.run(request, work))

    async def create_token(self, request: Request) -> Response:
        name = request.path_params["name"]
        data = await json_body(request)
        label = field(data, "label", str) or ""
        days = field(data, "expiresInDays", int)

        def work(session: Session, actor: Account) -> dict[str, Any]:
            owner = self._token_owner(session, actor, name)
            new = create_access_token(session, owner, label, days)
            return {
                "id": str(new.row.id),
                "label": new.row.label,
                "token": new.token,
                "expiresAt": new.row.expires_at.isoformat() if new.row.expires_at else None,
            }

        return JSONResponse(await self.auth.run(request, work), status_code=201)

    async def delete_token(self, request: Request) -> Response:
        name, token_id = request.path_params["name"], request.path_params["token_id"]

        def work(session: Session, actor: Account) -> None:
            delete_access_token(session, self._token_owner(session, actor, name), token_id)

        await self.auth.run(request, work)
        return Response(status_code=204)

    # -- organization members --------------------------------------------------------------------

    def _org(self, session: Session, actor: Account, name: str) -> Account:
        org = visible_account(session, actor, name)
        if not org.is_org:
            raise NotFound(f"no organization {name!r}")
        return org

    async def org_members(self, request: Request) -> Response:
        name = request.path_params["name"]

        def work(session: Session, actor: Account) -> dict[str, Any]:
            org = self._org(session, actor, name)
            return {
                "members": [
                    {"member": account_view(a), "isAdmin": is_admin}
                    for a, is_admin in team_service.org_members(session, org)
                ]
            }

        return JSONResponse(await self.auth.run(request, work))

    async def put_org_member(self, request: Request) -> Response:
        name, member = request.path_params["name"], request.path_params["member"]
        data = await json_body(request)
        is_admin = bool(field(data, "isAdmin", bool))

        def work(session: Session, actor: Account) -> dict[str, Any]:
            org = self._org(session, actor, name)
            team_service.require_org_admin(session, actor, org)
            user = visible_account(session, actor, member)
            team_service.add_org_member(session, org, user, is_admin)
            return {"member": account_view(user), "isAdmin": is_admin}

        return JSONResponse(await self.auth.run(request, work))

    async def delete_org_member(self, request: Request) -> Response:
        name, member = request.path_params["name"], request.path_params["member"]

        def work(session: Session, actor: Account) -> None:
            org = self._org(session, actor, name)
            team_service.require_org_admin(session, actor, org)
            team_service.remove_org_member(session, org, visible_account(session, actor, member))

        await self.auth.run(request, work)
        return Response(status_code=204)

    # -- teams ---------------------------------------------------------------------------------

    async def list_teams(self, request: Request) -> Response:
        name = request.path_params["name"]

        def work(session: Session, actor: Account) -> dict[str, Any]:
            org = self._org(session, actor, name)
            return {"teams": [team_view(t, org) for t in team_service.list_teams(session, org)]}

        return JSONResponse(await self.auth.run(request, work))

    async def create_team(self, request: Request) -> Response:
        name = request.path_params["name"]
        data = await json_body(request)
        team_name = field(data, "name", str, required=True)
        description = field(data, "description", str) or ""

        def work(session: Session, actor: Account) -> dict[str, Any]:
            org = self._org(session, actor, name)
            team_service.require_org_admin(session, actor, org)
            return team_view(team_service.create_team(session, org, team_name, description), org)

        return JSONResponse(await self.auth.run(request, work), status_code=201)

    async def team(self, request: Request) -> Response:
        name, team_name = request.path_params["name"], request.path_params["team"]
        method = request.method
        data = await json_body(request) if method == "PATCH" else {}

        def work(session: Session, actor: Account) -> dict[str, Any] | None:
            org = self._org(session, actor, name)
            team = team_service.find_team(session, org, team_name)
            if method == "GET":
                return team_view(team, org)
            team_service.require_org_admin(session, actor, org)
            if method == "DELETE":
                team_service.delete_team(session, team)
                return None
            description = field(data, "description", str)
            new_name = field(data, "name", str)
            if description is not None:
                team.description = description[:1024]
            if new_name is not None:
                team_service.rename_team(session, org, team, new_name)
            session.flush()
            return team_view(team, org)

        result = await self.auth.run(request, work)
        return Response(status_code=204) if result is None else JSONResponse(result)

    async def team_members(self, request: Request) -> Response:
        name, team_name = request.path_params["name"], request.path_params["team"]

        def work(session: Session, actor: Account) -> dict[str, Any]:
            org = self._org(session, actor, name)
            team = team_service.find_team(session, org, team_name)
            return {
                "members": [
                    {"member": account_view(a)} for a in team_service.team_members(session, team)
                ]
            }

        return JSONResponse(await self.auth.run(request, work))

    async def team_member(self, request: Request) -> Response:
        params = request.path_params
        name, team_name, member = params["name"], params["team"], params["member"]
        method = request.method

        def work(session: Session, actor: Account) -> dict[str, Any] | None:
            org = self._org(session, actor, name)
            team = team_service.find_team(session, org, team_name)
            team_service.require_org_admin(session, actor, org)
            user = visible_account(session, actor, member)
            if method == "PUT":
                if team.member_sync is not None:
                    raise InvalidInput(
                        "this team's members are synced from the directory; turn sync off first"
                    )
                team_service.add_team_member(session, team, user)
                return {"member": account_view(user)}
            team_service.remove_team_member(session, team, user)
            return None

        result = await self.auth.run(request, work)
        return Response(status_code=204) if result is None else JSONResponse(result)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/accounts/", self.list_accounts, methods=["GET"]),
            Route("/accounts/", self.create, methods=["POST"]),
            Route("/accounts/{name}", self.get, methods=["GET"]),
            Route("/accounts/{name}", self.patch, methods=["PATCH"]),
            Route("/accounts/{name}", self.delete, methods=["DELETE"]),
            Route("/accounts/{name}/tokens", self.list_tokens, methods=["GET"]),
            Route("/accounts/{name}/tokens", self.create_token, methods=["POST"]),
            Route("/accounts/{name}/tokens/{token_id}", self.delete_token, methods=["DELETE"]),
            Route("/accounts/{name}/members", self.org_members, methods=["GET"]),
            Route("/accounts/{name}/members/{member}", self.put_org_member, methods=["PUT"]),
            Route("/accounts/{name}/members/{member}", self.delete_org_member, methods=["DELETE"]),
            Route("/accounts/{name}/teams", self.list_teams, methods=["GET"]),
            Route("/accounts/{name}/teams", self.create_team, methods=["POST"]),
            Route("/accounts/{name}/teams/{team}", self.team, methods=["GET", "PATCH", "DELETE"]),
            Route("/accounts/{name}/teams/{team}/members", self.team_members, methods=["GET"]),
            Route(
                "/accounts/{name}/teams/{team}/members/{member}",
                self.team_member,
                methods=["PUT", "DELETE"],
            ),
        ]
