"""HTTP routes of the access domain, one module per sub-area."""

from __future__ import annotations

from starlette.routing import BaseRoute

from wharf.access.api_auth import ApiAuth
from wharf.access.collections import AsyncResourceCounter
from wharf.access.routes.accounts import AccountRoutes
from wharf.access.routes.auth import AuthRoutes
from wharf.access.routes.rbac import RbacRoutes
from wharf.access.routes.settings import SettingsRoutes
from wharf.access.snapshot import SnapshotCache
from wharf.core.settings_store import Section


def access_routes(
    auth: ApiAuth,
    snapshots: SnapshotCache,
    resource_counter: AsyncResourceCounter,
    settings_sections: list[type[Section]],
) -> list[BaseRoute]:
    return [
        *AuthRoutes(auth).routes(),
        *AccountRoutes(auth).routes(),
        *RbacRoutes(auth, snapshots, resource_counter).routes(),
        *SettingsRoutes(auth, settings_sections).routes(),
    ]
