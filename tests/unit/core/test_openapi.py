"""The OpenAPI document against the app it describes: the same operations, and the
building blocks say what the handlers do."""

from __future__ import annotations

import pytest
from starlette.routing import Route

from tests.conftest import InProcessWharf
from wharf.core.app import api_document, build_routes
from wharf.core.openapi import request, route_operations
from wharf.core.routing import one_route_per_path

# Paths served by Wharf that the document leaves out: the registry protocol, the Docker
# API, metrics and the UI (each with its own specification or format), the document
# itself, and the control plane's settings in TOML (docs/control-plane.md).
NOT_DESCRIBED = (
    "/_ping",
    "/metrics",
    "/v2/",
    "/docker/",
    "/api/ucp/config-toml",
    "/api/openapi.json",
    "/ui",
    "/",
)


def _described(path: str) -> bool:
    return not any(path == p or (p != "/" and path.startswith(p)) for p in NOT_DESCRIBED)


async def test_document_and_route_table_name_the_same_operations(
    wharf: InProcessWharf,
) -> None:
    routes = build_routes(wharf.services.settings, wharf.services)
    served = {(m, p) for m, p in route_operations(routes) if _described(p)}
    documented = {
        (method.upper(), path)
        for path, item in api_document()["paths"].items()  # type: ignore[attr-defined]
        for method in item
    }
    assert served - documented == set(), "routes missing from the OpenAPI document"
    assert documented - served == set(), "documented operations no route serves"


async def test_document_is_served_publicly(wharf: InProcessWharf) -> None:
    r = await wharf.client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"] == "3.1.0"
    assert "/accounts/{name}/teams/{team}/members/{member}" in doc["paths"]
    login = doc["paths"]["/auth/login"]["post"]
    assert login["security"] == [{}]
    assert login["requestBody"]["required"] is True


async def test_unknown_paths_and_methods_answer_json_with_allow(wharf: InProcessWharf) -> None:
    r = await wharf.client.get("/no/such/endpoint")
    assert r.status_code == 404
    assert r.json()["errors"][0]["code"] == "NOT_FOUND"
    r = await wharf.client.request("OPTIONS", "/accounts/")
    assert r.status_code == 405
    assert r.json()["errors"][0]["code"] == "METHOD_NOT_ALLOWED"
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_routes_of_one_path_are_joined_where_the_first_stood() -> None:
    async def a(_r: object) -> None: ...

    async def b(_r: object) -> None: ...

    routes = [
        Route("/x", a, methods=["GET"]),
        Route("/y/{z}", a, methods=["GET"]),
        Route("/x", b, methods=["POST"]),
    ]
    joined = one_route_per_path(routes)
    assert [getattr(r, "path", None) for r in joined] == ["/x", "/y/{z}"]
    assert joined[0].methods == {"GET", "HEAD", "POST"}  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="two routes answer POST /x"):
        one_route_per_path([*routes, Route("/x", a, methods=["POST"])])


def test_optional_body_fields_may_be_null_and_a_body_without_required_ones_optional() -> None:
    body = request({"name": {"type": "string"}, "label": {"type": "string"}}, ["name"])
    assert body["properties"]["name"] == {"type": "string"}
    assert body["properties"]["label"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert body["required"] == ["name"]
    assert "additionalProperties" not in body
