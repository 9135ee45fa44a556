"""The OpenAPI 3.1 document of Wharf's JSON APIs, served at ``/api/openapi.json``.

The routes are plain Starlette handlers that read their bodies with ``core.api.field``,
so there is no model layer to introspect. Each domain instead declares its operations
beside its routes (``access/openapi.py``, ``registry/api_v0_openapi.py``) with the small
vocabulary below, and a test checks that the route table and the document name the
same operations — an undocumented route, or a documented one that does not exist,
fails the build. schemathesis then holds the handlers to the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
BOOLEAN: Schema = {"type": "boolean"}
INTEGER: Schema = {"type": "integer"}
TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
ANY_OBJECT: Schema = {"type": "object"}
BINARY: Schema = {"type": "string", "format": "binary"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    properties: Mapping[str, Schema],
    required: Iterable[str] | Literal["all"] = "all",
    *,
    closed: bool = True,
) -> Schema:
    """An object schema. Responses list every field they always carry (``required`` is
    "all" by default) and are closed, so a field added to a view without documenting it
    fails the schema check."""
    names = list(properties) if required == "all" else list(required)
    schema: Schema = {"type": "object", "properties": dict(properties)}
    if names:
        schema["required"] = names
    if closed:
        schema["additionalProperties"] = False
    return schema


def request(
    properties: Mapping[str, Schema], required: Iterable[str] = (), *, closed: bool = False
) -> Schema:
    """A JSON request body as ``core.api.field`` reads it: an optional field given as
    null counts as absent, and fields it does not know are ignored (``closed`` for the
    parsers that refuse them)."""
    must = list(required)
    props = {k: v if k in must else nullable(v) for k, v in properties.items()}
    return obj(props, must, closed=closed)


_JSON_TYPES: dict[type, Schema] = {str: STRING, bool: BOOLEAN, int: INTEGER}


def fields_schema(fields: Sequence[tuple[str, str, type]], *, as_input: bool = False) -> Schema:
    """The schema of an object shown (or, ``as_input``, read) through a
    ``(json name, attribute, type)`` field table, so the table stays the one description
    of its shape. Such parsers refuse unknown fields."""
    properties = {name: _JSON_TYPES[kind] for name, _attr, kind in fields}
    return request(properties, closed=True) if as_input else obj(properties)


@dataclass(frozen=True)
class Param:
    name: str
    schema: Schema = field(default_factory=lambda: STRING)
    required: bool = False
    description: str = ""
    explode: bool = True


@dataclass(frozen=True)
class Operation:
    """One method on one path. ``response`` is None for an answer without a body;
    ``auth``: "required" (a session, token or Basic credentials), "optional" (anonymous
    callers are served too), or "none" (the body carries the credentials: logins)."""

    method: str
    path: str
    summary: str
    tag: str
    response: Schema | None = None
    status: int = 200
    body: Schema | None = None
    body_type: str = "application/json"
    response_type: str = "application/json"
    query: tuple[Param, ...] = ()
    auth: Literal["required", "optional", "none"] = "required"
    error: str = "Error"

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def spec(self, path_schemas: Mapping[str, Schema]) -> dict[str, Any]:
        parameters: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": path_schemas[name]}
            for name in self.path_params
        ]
        for p in self.query:
            param: dict[str, Any] = {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "schema": p.schema,
            }
            if p.description:
                param["description"] = p.description
            if p.schema.get("type") == "array":
                param["explode"] = p.explode
            parameters.append(param)
        ok: dict[str, Any] = {"description": "success"}
        if self.response is not None:
            ok["content"] = {self.response_type: {"schema": self.response}}
        spec: dict[str, Any] = {
            "summary": self.summary,
            "tags": [self.tag],
            "operationId": _operation_id(self.method, self.path),
            "parameters": parameters,
            "responses": {
                str(self.status): ok,
                "default": {
                    "description": "an error",
                    "content": {"application/json": {"schema": ref(self.error)}},
                },
            },
        }
        if self.body is not None:
            # A body without required fields may be left out: it changes nothing.
            spec["requestBody"] = {
                "required": bool(self.body.get("required")),
                "content": {self.body_type: {"schema": self.body}},
            }
        if self.auth == "optional":
            spec["security"] = [{}, {"bearer": []}, {"basic": []}]
        elif self.auth == "none":
            spec["security"] = [{}]
        return spec


def _operation_id(method: str, path: str) -> str:
    words = re.sub(r"[{}]", "", path).replace("/", " ").split()
    return method.lower() + "".join(w[:1].upper() + w[1:] for w in words)


ERROR: Schema = obj(
    {"errors": array(obj({"code": STRING, "message": STRING}, closed=False))},
    closed=False,
)


def document(
    title: str,
    version: str,
    operations: Iterable[Operation],
    components: Mapping[str, Schema],
    path_schemas: Mapping[str, Schema],
) -> dict[str, Any]:
    """``path_schemas`` gives each path parameter, by name, the grammar of what it names
    (an account name, a repository component, a digest ...)."""
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = op.spec(path_schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": (
                "Wharf's accounts, access control and repository APIs. Errors are "
                '{"errors": [{"code", "message"}]}; a private thing the caller may '
                "not see answers 404, exactly like a missing one."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR, **components},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
            },
        },
        "security": [{"bearer": []}, {"basic": []}],
    }


def route_operations(routes: Iterable[BaseRoute]) -> set[tuple[str, str]]:
    """(method, path) of every route, HEAD left out (Starlette adds it to each GET)."""
    found = set()
    for route in routes:
        if isinstance(route, Route):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((method, route.path))
    return found


class OpenApiRoute:
    """Serves the document; it describes the API, not any resource, so it is public."""

    PATH = "/api/openapi.json"

    def __init__(self, spec: dict[str, Any]) -> None:
        self.body = json.dumps(spec, indent=1).encode()

    async def get(self, _request: Request) -> Response:
        return Response(self.body, media_type="application/json")

    def routes(self) -> list[BaseRoute]:
        return [Route(self.PATH, self.get, methods=["GET"])]
