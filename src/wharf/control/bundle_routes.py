"""``/ca``, ``/api/clientbundle`` and ``/accounts/{name}/publicKeys``: the cluster CA,
downloading a client bundle, and listing, renaming and revoking an account's bundles."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.access import teams as team_service
from wharf.access.accounts import may_see, require_account
from wharf.access.api_auth import ApiAuth
from wharf.access.interfaces import NotFound
from wharf.access.models import Account
from wharf.control.bundles import (
    DEFAULT_DOCKER_PORT,
    ClientBundleSettings,
    bundle_lifetime,
    create_bundle,
    docker_host_url,
    list_public_keys,
    rename_public_key,
    require_public_key,
    revoke_public_key,
)
from wharf.control.models import PublicKey
from wharf.control.pki import CertificateAuthority
from wharf.core.api import field, json_body, paging
from wharf.core.db import utcnow
from wharf.core.settings_store import get_section


def _unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def docker_url(address: str) -> str:
    """``tcp://host:port`` for a configured address, which may leave the host open
    (``:12376``, ``0.0.0.0:12376``)."""
    if address.startswith(":"):
        address = "0.0.0.0" + address
    return docker_host_url(address)


def public_key_view(key: PublicKey) -> dict[str, Any]:
    return {
        "id": str(key.id),
        "accountID": str(key.account_id),
        "label": key.label,
        "publicKey": key.public_key_pem,
        "fingerprint": key.fingerprint,
        "createdAt": key.created_at.isoformat(),
        "expiresAt": key.expires_at.isoformat(),
    }


class BundleRoutes:
    def __init__(self, auth: ApiAuth, ca: CertificateAuthority, docker_host: str = "") -> None:
        """``docker_host``: the Docker API endpoint bundles point at (``host:port``,
        ``tcp://host:port`` — the public address, or the listen address). Where it
        leaves the host open (empty, ``0.0.0.0``, ``::``), the host the bundle was
        requested from is written; where it leaves the port open, 12376."""
        self.auth = auth
        self.ca = ca
        self.docker_host = docker_url(docker_host) if docker_host else None

    def _docker_host(self, request: Request) -> str:
        requested = request.url.hostname or "localhost"
        if ":" in requested:
            requested = f"[{requested}]"
        if self.docker_host is None:
            return docker_host_url(f"{requested}:{DEFAULT_DOCKER_PORT}")
        parts = urlsplit(self.docker_host)
        host = parts.hostname or ""
        if not host or _unspecified(host):
            return docker_host_url(f"{requested}:{parts.port or DEFAULT_DOCKER_PORT}")
        return self.docker_host

    async def ca_cert(self, request: Request) -> Response:
        return Response(self.ca.ca_pem, media_type="application/x-pem-file")

    async def client_bundle(self, request: Request) -> Response:
        label = request.query_params.get("label", "")
        docker_host = self._docker_host(request)

        def work(session: Session, actor: Account) -> tuple[str, bytes]:
            lifetime = bundle_lifetime(get_section(session, ClientBundleSettings), actor)
            zip_bytes, _ = create_bundle(
                session,
                self.ca,
                actor,
                label or f"Generated on {utcnow():%Y-%m-%d %H:%M:%S} UTC",
                lifetime,
                docker_host=docker_host,
            )
            return actor.name, zip_bytes

        user, zip_bytes = await self.auth.run(request, work)
        return Response(
            zip_bytes,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="ucp-bundle-{user}.zip"'},
        )

    @staticmethod
    def _owner(session: Session, actor: Account, name: str) -> Account:
        """The account whose keys ``actor`` manages: themselves, anyone for an admin, a
        service account for its organization's admins. Anything else is NotFound, as
        if the account did not exist."""
        account = require_account(session, name)
        if actor.id == account.id or actor.is_admin:
            return account
        if account.service_org_id is not None and may_see(session, actor, account):
            org = session.get(Account, account.service_org_id)
            if org is not None and team_service.is_org_admin(session, actor, org):
                return account
        raise NotFound(f"no account {name!r}")

    async def list_keys(self, request: Request) -> Response:
        name = request.path_params["name"]
        start, limit = paging(request)

        def work(session: Session, actor: Account) -> dict[str, Any]:
            owner = self._owner(session, actor, name)
            keys = list_public_keys(session, owner, start, limit + 1)
            return {
                "accountPublicKeys": [public_key_view(k) for k in keys[:limit]],
                "nextPageStart": str(start + limit) if len(keys) > limit else "",
            }

        return JSONResponse(await self.auth.run(request, work))

    async def key(self, request: Request) -> Response:
        name, key_id = request.path_params["name"], request.path_params["key_id"]
        method = request.method
        data = await json_body(request) if method == "PATCH" else {}
        label = field(data, "label", str, required=True) if method == "PATCH" else ""

        def work(session: Session, actor: Account) -> dict[str, Any] | None:
            owner = self._owner(session, actor, name)
            if method == "DELETE":
                revoke_public_key(session, owner, key_id)
                return None
            if method == "PATCH":
                return public_key_view(rename_public_key(session, owner, key_id, label))
            return public_key_view(require_public_key(session, owner, key_id))

        result = await self.auth.run(request, work)
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/ca", self.ca_cert, methods=["GET"]),
            Route("/api/clientbundle", self.client_bundle, methods=["GET", "POST"]),
            Route("/accounts/{name}/publicKeys", self.list_keys, methods=["GET"]),
            Route(
                "/accounts/{name}/publicKeys/{key_id}",
                self.key,
                methods=["GET", "PATCH", "DELETE"],
            ),
        ]
