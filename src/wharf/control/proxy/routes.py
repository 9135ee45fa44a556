"""The Docker Engine API, endpoint by endpoint, mapped to the handler that knows which
operations it needs. Anything not listed is for administrators only: deny by default."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from wharf.access.operations import Operation
from wharf.control.proxy.call import Call
from wharf.control.proxy.handlers import (
    containers,
    images,
    nodes,
    objects,
    prune,
    services,
    system,
)

Handler = Callable[[Call, re.Match[str]], Awaitable[None]]
ID = r"(?P<id>[^/]+)"
Op = Operation


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler


def _r(methods: str, pattern: str, handler: Handler) -> Route:
    return Route(frozenset(methods.split()), re.compile(f"^{pattern}$"), handler)


ROUTES: list[Route] = [
    # system
    _r("GET HEAD", r"/_ping", system.open_to_all),
    _r("POST", r"/(?P<kind>containers|images|volumes|networks)/prune", prune.prune),
    _r("GET", r"/version", system.open_to_all),
    _r("GET", r"/info", system.info),
    _r("GET", r"/events", system.events),
    _r("POST", r"/auth", system.open_to_all),
    _r("GET POST", r"/swarm(/.*)?", system.swarm),
    # containers
    _r("GET", r"/containers/json", containers.list_containers),
    _r("POST", r"/containers/create", containers.create),
    _r(
        "GET",
        rf"/containers/{ID}/(?P<what>json|top|logs|changes|export|stats|attach/ws)",
        containers.read,
    ),
    _r("POST", rf"/containers/{ID}/(?P<action>{'|'.join(containers.ACTIONS)})", containers.action),
    _r("GET HEAD PUT", rf"/containers/{ID}/archive", containers.archive),
    _r("DELETE", rf"/containers/{ID}", containers.remove),
    _r("POST GET", rf"/exec/{ID}/(?P<what>start|resize|json)", containers.exec_instance),
    # images
    _r("GET", r"/images/json", images.list_images),
    _r("POST", r"/images/create", images.create),
    _r("POST", r"/images/load", images.simple(Op.IMAGE_LOAD)),
    _r("GET", r"/images/get", images.simple(Op.IMAGE_EXPORT)),
    _r("GET", r"/images/search", images.simple(Op.IMAGE_SEARCH)),
    _r("POST", r"/build", images.build),
    _r("POST", r"/commit", images.commit),
    _r("GET", r"/distribution/.+/json", images.simple(Op.IMAGE_VIEW)),
    _r("GET", r"/images/(?P<name>.+)/(?P<what>json|history|get)", images.read),
    _r("POST", r"/images/(?P<name>.+)/(?P<what>push|tag)", images.write),
    _r("DELETE", r"/images/(?P<name>.+)", images.remove),
    # networks
    _r("GET", r"/networks", objects.list_networks),
    _r("POST", r"/networks/create", objects.create_network),
    _r("POST", rf"/networks/{ID}/(?P<action>connect|disconnect)", objects.connect),
    _r("GET DELETE", rf"/networks/{ID}", objects.network),
    # volumes
    _r("GET", r"/volumes", objects.list_volumes),
    _r("POST", r"/volumes/create", objects.create_volume),
    _r("GET DELETE", r"/volumes/(?P<name>[^/]+)", objects.volume),
    # services and tasks
    _r("GET", r"/services", services.list_services),
    _r("POST", r"/services/create", services.create),
    _r("POST", rf"/services/{ID}/update", services.update),
    _r("GET", rf"/services/{ID}/logs", services.logs),
    _r("GET", rf"/services/{ID}", services.inspect),
    _r("DELETE", rf"/services/{ID}", services.remove),
    _r("GET", r"/tasks", services.list_tasks),
    _r("GET", rf"/tasks/{ID}(?P<what>/logs)?", services.task),
    # secrets and configs
    _r("GET", r"/secrets", objects.list_of("secrets")),
    _r("POST", r"/secrets/create", objects.create_of("secrets")),
    _r("GET DELETE", rf"/secrets/{ID}", objects.one_of("secrets")),
    _r("POST", rf"/secrets/{ID}/update", objects.one_of("secrets")),
    _r("GET", r"/configs", objects.list_of("configs")),
    _r("POST", r"/configs/create", objects.create_of("configs")),
    _r("GET DELETE", rf"/configs/{ID}", objects.one_of("configs")),
    _r("POST", rf"/configs/{ID}/update", objects.one_of("configs")),
    # nodes
    _r("GET", r"/nodes", nodes.list_nodes),
    _r("GET", rf"/nodes/{ID}", nodes.inspect),
    _r("POST", rf"/nodes/{ID}/update", nodes.update),
    # read-only plugin listing (volume drivers); managing plugins is for admins
    _r("GET", r"/plugins", system.open_to_all),
]

_VERSION = re.compile(r"^/v\d+\.\d+(?=/)")


def api_path(path: str) -> str:
    """``/v1.41/containers/json`` → ``/containers/json``."""
    return _VERSION.sub("", path, count=1)


def match(method: str, path: str) -> tuple[Handler, re.Match[str] | None]:
    for route in ROUTES:
        found = route.pattern.match(path)
        if found and method in route.methods:
            return route.handler, found
    return containers.admin_only, None
