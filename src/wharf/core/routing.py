"""One route per path.

Starlette answers a request whose path matches but whose method does not with a 405 from
the *first* route of that path, so its ``Allow`` header names only that route's methods
(``POST /accounts/`` would be missing from ``OPTIONS /accounts/``). Joining the routes of
one path into a single route that dispatches on the method makes ``Allow`` complete.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

Endpoint = Callable[[Request], Awaitable[Response]]


def _dispatcher(table: dict[str, Endpoint]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await table[request.method](request)

    return endpoint


def one_route_per_path(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """The routes, with plain routes of the same path joined where the first of them
    stood (their order among other paths is what the router matches by)."""
    groups: dict[str, list[Route]] = {}
    order: list[BaseRoute | str] = []
    for route in routes:
        if type(route) is Route:
            if route.path not in groups:
                groups[route.path] = []
                order.append(route.path)
            groups[route.path].append(route)
        else:
            order.append(route)
    joined: list[BaseRoute] = []
    for item in order:
        if not isinstance(item, str):
            joined.append(item)
            continue
        group = groups[item]
        if len(group) == 1:
            joined.append(group[0])
            continue
        table: dict[str, Endpoint] = {}
        for route in group:
            for method in route.methods or ():
                if method in table:
                    raise ValueError(f"two routes answer {method} {item}")
                table[method] = route.endpoint
        joined.append(Route(item, _dispatcher(table), methods=sorted(table)))
    return joined
