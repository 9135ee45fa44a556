"""One proxied request: who asks, what it touches, and what must happen to it.

Handlers (one module per kind of object) fill in a :class:`Call`: the checks to make
(operation, sub-options, collection — and the object acted upon, so that an invisible
object can answer "not found"), a rewritten body (labels, placement), and a filter for
the response. The server then decides, forwards and filters.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from wharf.access.collections import ROOT_ID
from wharf.access.decide import (
    AccessSnapshot,
    Decision,
    Requester,
    collections_allowing,
    decide,
)
from wharf.access.operations import Operation, SubOption
from wharf.access.principal import Principal
from wharf.control.engine import Engine, NotFoundInEngine
from wharf.control.engines import EngineSet
from wharf.control.proxy.wire import Framing, Request, read_body
from wharf.control.resources import ACCESS_LABEL, KINDS, collection_of
from wharf.control.settings import SchedulerSettings

MAX_JSON_BODY = 16 * 1024 * 1024

# The engine's own words for a missing object; an invisible one gets the same answer.
NOT_FOUND = {
    "containers": "No such container: {}",
    "exec": "No such exec instance: {}",
    "images": "no such image: {}: No such image: {}",
    "services": "service {} not found",
    "tasks": "task {} not found",
    "networks": "network {} not found",
    "volumes": "get {}: no such volume",
    "secrets": "secret {} not found",
    "configs": "config {} not found",
    "nodes": "node {} not found",
}


class Refusal(Exception):
    """Answer the client with this status and Docker-style ``{"message"}``; nothing is
    forwarded."""

    def __init__(self, status: int, message: str, decision: Decision | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.decision = decision


def not_found(kind: str, ident: str) -> Refusal:
    return Refusal(404, NOT_FOUND[kind].format(ident, ident))


@dataclass(frozen=True)
class Target:
    kind: str
    ident: str
    # The engine's words for this request on a missing object, where they differ from
    # NOT_FOUND[kind] (e.g. kill's).
    missing: str | None = None


@dataclass
class Check:
    operation: Operation
    collection: str
    sub_options: frozenset[SubOption] = frozenset()
    # The existing object acted upon: if the caller cannot even see it, it is "not found".
    target: Target | None = None


ResponseFilter = Callable[[Any], Awaitable[Any]]
# The same filtering on the raw answer, where it can be done without parsing it whole:
# the filtered body, or None to fall back to the ResponseFilter (ValueError: not JSON).
RawFilter = Callable[[bytes], bytes | None]
EventFilter = Callable[[dict[str, Any]], Awaitable[bool]]
Responder = Callable[[asyncio.StreamWriter], Awaitable[int]]


@dataclass
class Call:
    request: Request
    principal: Principal
    requester: Requester
    snapshot: AccessSnapshot
    engine: Engine
    scheduler: SchedulerSettings
    reader: asyncio.StreamReader
    body_framing: Framing
    api_path: str  # the path without its /vX.YY prefix
    checks: list[Check] = field(default_factory=list)
    body: bytes | None = None
    new_body: bytes | None = None
    response_filter: ResponseFilter | None = None
    raw_filter: RawFilter | None = None
    event_filter: EventFilter | None = None
    # Operation names for the audit log.
    operations: list[str] = field(default_factory=list)
    # Loads the caller's default collection path (only creates need it).
    default_collection_loader: Callable[[], Awaitable[str]] | None = None
    # Every engine of the swarm (node engines hold containers), and the one this request
    # goes to when it is not the manager.
    engines: EngineSet | None = None
    forward_engine: Engine | None = None
    # Set when Wharf answers the request itself instead of forwarding it (a pull on
    # every node): writes the whole response to the client, returns its status.
    respond: Responder | None = None
    _decisions: dict[tuple[Operation, str, frozenset[SubOption]], Decision] = field(
        default_factory=dict, init=False, repr=False
    )
    _allowing: dict[Operation, frozenset[str]] = field(default_factory=dict, init=False, repr=False)

    async def default_collection(self) -> str:
        if self.default_collection_loader is None:
            return "/"
        return await self.default_collection_loader()

    @property
    def is_admin(self) -> bool:
        return self.requester.is_admin

    # -- the body ----------------------------------------------------------------------------

    async def json_body(self) -> dict[str, Any]:
        if self.body is None:
            self.body = await read_body(self.reader, self.body_framing, MAX_JSON_BODY)
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Refusal(400, f"invalid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise Refusal(400, "invalid JSON: expected an object")
        return data

    def replace_body(self, data: dict[str, Any]) -> None:
        self.new_body = json.dumps(data).encode()

    # -- decisions -----------------------------------------------------------------------------

    def may(
        self, operation: Operation, collection: str, subs: frozenset[SubOption] = frozenset()
    ) -> bool:
        return self._decide(operation, collection, subs).allowed

    def _decide(
        self, operation: Operation, collection: str, subs: frozenset[SubOption]
    ) -> Decision:
        # A filtered list asks the same question once per object, about a handful of
        # collections: answer each once (the snapshot is fixed for the call).
        key = (operation, collection, subs)
        decision = self._decisions.get(key)
        if decision is None:
            cid = self.snapshot.by_path.get(collection, ROOT_ID)
            decision = decide(self.requester, operation, subs, cid, self.snapshot)
            self._decisions[key] = decision
        return decision

    def require(
        self,
        operation: Operation,
        collection: str,
        subs: frozenset[SubOption] | set[SubOption] = frozenset(),
        target: Target | None = None,
    ) -> None:
        self.checks.append(Check(operation, collection, frozenset(subs), target))
        self.operations.append(operation.value)

    def authorize(self) -> None:
        """Every check must pass; an invisible target is "not found", anything else a
        403 naming the missing operation and collection."""
        for check in self.checks:
            decision = self._decide(check.operation, check.collection, check.sub_options)
            if decision.allowed:
                continue
            if check.target is not None:
                view = KINDS.get(check.target.kind, (None,))[0]
                if view is None or view == check.operation or not self.may(view, check.collection):
                    if check.target.missing is not None:
                        raise Refusal(404, check.target.missing)
                    raise not_found(check.target.kind, check.target.ident)
            raise Refusal(403, decision.message, decision)

    def collections_allowing(self, operation: Operation) -> frozenset[str]:
        """The paths of the collections where the caller may do ``operation`` (once per
        call: a list asks it of every object)."""
        paths = self._allowing.get(operation)
        if paths is None:
            ids = collections_allowing(self.requester, operation, self.snapshot)
            paths = frozenset(self.snapshot.collections[cid].path for cid in ids)
            self._allowing[operation] = paths
        return paths

    def narrow_to_label(self, label: str) -> bool:
        """Ask the engine for only the objects carrying ``label`` (``key=value``), on
        top of the client's own filters (the engine ANDs label filters). False, and the
        request unchanged, when the client's filters are not a JSON object: the engine
        will refuse them itself."""
        params = self._query()
        given = [value for name, value in params if name == "filters"]
        try:
            filters = json.loads(given[-1]) if given and given[-1] else {}
        except ValueError:
            return False
        if not isinstance(filters, dict):
            return False
        labels = filters.get("label")
        # The older spelling, {"label": {"k=v": true}}, and the newer, {"label": ["k=v"]},
        # cannot be mixed in one filter: follow the client's.
        older = any(isinstance(value, dict) for value in filters.values())
        if labels is None:
            filters["label"] = {label: True} if older else [label]
        elif isinstance(labels, dict):
            filters["label"] = {**labels, label: True}
        elif isinstance(labels, list) and not older:
            filters["label"] = [*labels, label]
        else:
            return False
        params = [(n, v) for n, v in params if n != "filters"]
        params.append(("filters", json.dumps(filters, separators=(",", ":"))))
        self._set_query(params)
        return True

    def take_limit(self) -> int | None:
        """Take a positive ``limit`` off a container list and return it, for Wharf to
        apply once the list is filtered (the engine's would count what the caller cannot
        see). The engine is asked for every container instead, as a ``limit`` includes
        stopped ones. None, and the request unchanged, without one."""
        params = self._query()
        given = [value for name, value in params if name == "limit"]
        try:
            limit = int(given[-1]) if given else 0
        except ValueError:
            return None  # the engine answers for it
        if limit <= 0:
            return None
        self._set_query([(n, v) for n, v in params if n not in ("limit", "all")] + [("all", "1")])
        return limit

    def _query(self) -> list[tuple[str, str]]:
        return parse_qsl(self.request.target.partition("?")[2], keep_blank_values=True)

    def _set_query(self, params: list[tuple[str, str]]) -> None:
        request = self.request
        path = request.target.partition("?")[0]
        request.target = path + ("?" + urlencode(params) if params else "")
        request.head.start_line = f"{request.method} {request.target} {request.version}"

    def rewrite_path(self, api_path: str) -> None:
        """Forward to ``api_path`` (without the version prefix; the query is kept): a
        node engine knows its own copy of a node-local object by another ID than the
        one the client gave."""
        request = self.request
        path, sep, query = request.target.partition("?")
        prefix = path[: len(path) - len(self.api_path)] if path.endswith(self.api_path) else ""
        request.target = prefix + api_path + sep + query
        request.head.start_line = f"{request.method} {request.target} {request.version}"
        self.api_path = api_path

    def visible(self, kind: str, obj: dict[str, Any]) -> bool:
        """Whether the caller may view this listed or inspected object."""
        if self.is_admin:
            return True
        return collection_of(kind, obj, self.snapshot) in self.collections_allowing(KINDS[kind][0])

    # -- objects -------------------------------------------------------------------------------

    @property
    def node_engines(self) -> EngineSet | None:
        """Every node's engine, when Wharf has more than the manager's (None otherwise):
        what the handlers fan out to."""
        return self.engines if self.engines is not None and self.engines.multi else None

    async def lookup(self, kind: str, ident: str) -> dict[str, Any] | None:
        engines = self.node_engines
        if kind in ("containers", "exec") and engines is not None:
            found = await engines.locate(kind, ident)
            return found[1] if found else None
        try:
            return await self.engine.inspect(kind, ident)
        except NotFoundInEngine:
            return None

    def _target_engine(self, kind: str, ident: str) -> None:
        """Requests about a container go to the engine that holds it (found by the
        lookup just made)."""
        engines = self.node_engines
        if kind in ("containers", "exec") and engines is not None:
            self.forward_engine = engines.located(kind, ident)

    async def existing(
        self,
        kind: str,
        ident: str,
        operation: Operation,
        subs: frozenset[SubOption] | set[SubOption] = frozenset(),
        missing: str | None = None,
    ) -> dict[str, Any] | None:
        """Require ``operation`` on an existing object's collection. A missing object is
        left to the engine (it answers "not found" itself); an invisible one gets the
        same answer (``missing``: the engine's words for this request, where they are
        not the kind's usual ones)."""
        obj = await self.lookup(kind, ident)
        if obj is not None:
            self._target_engine(kind, ident)
            self.require(
                operation,
                collection_of(kind, obj, self.snapshot),
                subs,
                Target(kind, ident, missing),
            )
        return obj

    async def referenced(self, kind: str, ident: str, operation: Operation) -> None:
        """An object a create/update uses (a secret, a network...): it must exist and the
        caller needs ``operation`` on it; invisible ones are "not found"."""
        obj = await self.lookup(kind, ident)
        if obj is None:
            raise not_found(kind, ident)
        self.require(operation, collection_of(kind, obj, self.snapshot), target=Target(kind, ident))

    # -- where new objects go ---------------------------------------------------------------

    async def target_collection(
        self, labels: dict[str, str], stack_collection: str | None = None
    ) -> str:
        """The collection a new object goes to — its label, or the request's
        ``X-Wharf-Collection``, or its stack's, or the caller's default — written into
        its labels. The collection must exist; Wharf never creates one implicitly."""
        path = (
            labels.get(ACCESS_LABEL)
            or self.request.head.get("x-wharf-collection")
            or stack_collection
            or await self.default_collection()
        )
        if path not in self.snapshot.by_path:
            raise Refusal(
                400, f"collection {path} does not exist; an administrator must create it first"
            )
        labels[ACCESS_LABEL] = path
        return path
