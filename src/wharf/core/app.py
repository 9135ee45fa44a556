"""The application factory: builds each domain's services in a visible order and mounts
their routes on one ASGI app."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from wharf import __version__
from wharf.access import SETTINGS_SECTIONS as ACCESS_SETTINGS
from wharf.access import AccessServices, build_access
from wharf.access import openapi as access_openapi
from wharf.access.api_auth import to_api_error
from wharf.access.interfaces import AccessError
from wharf.access.ldap.routes import LdapRoutes
from wharf.access.routes import access_routes
from wharf.access.routes.token import TokenEndpoint
from wharf.control import SETTINGS_SECTIONS as CONTROL_SETTINGS
from wharf.control import ControlServices, build_control
from wharf.control import openapi as control_openapi
from wharf.control.bundle_routes import BundleRoutes
from wharf.control.bundles import ClientBundleSettings
from wharf.control.proxy.http_bridge import DockerBridge
from wharf.control.routes import ControlRoutes
from wharf.core.api import ApiError
from wharf.core.config import Settings
from wharf.core.db import Database
from wharf.core.health import Health
from wharf.core.logging import AccessLog, get_logger
from wharf.core.metrics import Metrics
from wharf.core.middleware import ObservabilityMiddleware, RejectNul
from wharf.core.openapi import OpenApiRoute, document
from wharf.core.routing import one_route_per_path
from wharf.core.settings_store import InvalidSetting
from wharf.registry import SETTINGS_SECTIONS as REGISTRY_SETTINGS
from wharf.registry import (
    RegistryServices,
    api_v0_openapi,
    build_registry,
    grant_registry,
    grant_repository,
)
from wharf.registry.api_v0_images import ImageAPI
from wharf.registry.errors import RegistryError
from wharf.registry.responses import error_response
from wharf.storage import BlobDriver, build_driver
from wharf.web.routes import web_routes

log = get_logger("app")


@dataclass(frozen=True)
class Services:
    """Everything a request handler may need, built once per process."""

    settings: Settings
    db: Database
    metrics: Metrics
    storage: BlobDriver
    access: AccessServices
    registry: RegistryServices
    control: ControlServices


def build_services(settings: Settings) -> Services:
    metrics = Metrics()
    db = Database(settings.resolved_database_url)
    storage = build_driver(settings.storage_driver, settings.resolved_storage_root, metrics)
    access = build_access(settings, db)
    registry = build_registry(settings, db, metrics, storage, access)
    control = build_control(settings, db, access)
    return Services(settings, db, metrics, storage, access, registry, control)


async def _registry_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RegistryError)
    return error_response(exc)


async def _api_error(request: Request, exc: Exception) -> Response:
    api_error = to_api_error(exc)
    if api_error is None:
        raise exc
    return api_error.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no such path) and 405 (path without that method) in the
    APIs' error format, keeping the ``Allow`` header of a 405."""
    assert isinstance(exc, HTTPException)
    code = "NOT_FOUND" if exc.status_code == 404 else "METHOD_NOT_ALLOWED"
    return ApiError(exc.status_code, code, exc.detail, dict(exc.headers or {})).response()


def api_document() -> dict[str, object]:
    """The OpenAPI document of the accounts, access control, client bundle and
    repository APIs."""
    return document(
        "Wharf",
        __version__,
        [*access_openapi.OPERATIONS, *control_openapi.OPERATIONS, *api_v0_openapi.OPERATIONS],
        {**access_openapi.COMPONENTS, **control_openapi.COMPONENTS, **api_v0_openapi.COMPONENTS},
        {
            **access_openapi.PATH_PARAMETERS,
            **control_openapi.PATH_PARAMETERS,
            **api_v0_openapi.PATH_PARAMETERS,
        },
    )


async def _none(_path: str) -> int:
    return 0


def build_routes(settings: Settings, services: Services) -> list[BaseRoute]:
    """Every route of the app, in matching order, one per path."""
    token_endpoint = TokenEndpoint(
        services.db,
        services.access.tokens,
        services.access.authenticator,
        resolvers={"repository": grant_repository, "registry": grant_registry},
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
    )
    # The engine is a component of this process only when it serves the Docker API.
    engine = services.control.engine if settings.docker_listen else None
    health = Health(services.db, services.storage, services.metrics, engine)
    # Without the Docker API nothing can have been placed in a collection through Wharf.
    resource_counter = services.control.count_resources if settings.docker_listen else _none
    settings_sections = [
        *ACCESS_SETTINGS,
        *REGISTRY_SETTINGS,
        *CONTROL_SETTINGS,
        ClientBundleSettings,
    ]
    # Starlette tries routes in order: the registry's, which carry every push and pull,
    # come first (their paths all start with /v2/, which no other route does).
    routes = [
        *health.routes(),
        *services.registry.api.routes(),
        Route("/auth/token", token_endpoint.get, methods=["GET"]),
        Route("/auth/token", token_endpoint.post, methods=["POST"]),
        *access_routes(
            services.access.api_auth,
            services.access.snapshots,
            resource_counter=resource_counter,
            settings_sections=settings_sections,
        ),
        *LdapRoutes(services.access.api_auth, services.access.ldap).routes(),
        *BundleRoutes(
            services.access.api_auth,
            services.control.ca,
            settings.docker_public_url or settings.docker_listen,
        ).routes(),
        *ControlRoutes(services.access.api_auth, settings_sections).routes(),
        *DockerBridge(services.control.proxy, enabled=bool(settings.docker_listen)).routes(),
        *services.registry.repositories.routes(),
        *ImageAPI(services.access.api_auth, services.storage).routes(),
        *OpenApiRoute(api_document()).routes(),
        *web_routes(),
    ]
    return one_route_per_path(routes)


def create_app(settings: Settings, services: Services | None = None) -> ObservabilityMiddleware:
    services = services or build_services(settings)
    app = Starlette(
        routes=build_routes(settings, services),
        exception_handlers={
            RegistryError: _registry_error,
            404: _http_error,
            405: _http_error,
            ApiError: _api_error,
            AccessError: _api_error,
            InvalidSetting: _api_error,
        },
        lifespan=services.access.ldap.lifespan,
    )
    app.state.services = services
    access_log = AccessLog(settings.log_format) if settings.access_log else None
    # The periodic LDAP sync starts with the first request (or the ASGI lifespan).
    return ObservabilityMiddleware(
        RejectNul(services.access.ldap.background(app)), services.metrics, access_log
    )
