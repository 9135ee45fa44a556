"""The engines of a swarm as the control plane sees them: the manager it forwards swarm
requests to, and — when configured — every node's engine, where containers live.

Swarm mode schedules services; plain containers stay on the engine that creates them. So
that ``docker run`` through Wharf lands on a node the caller may schedule on (UCP did this
with classic Swarm), Wharf creates containers on a chosen node's engine and finds them
again there for every later request. Without node engines everything goes to the manager.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from wharf.control.engine import Engine, EngineError, NotFoundInEngine

LOCATION_TTL = 60.0


def parse_node_engines(text: str) -> dict[str, str]:
    """``m1=unix:///a.sock,w1=tcp://10.0.0.5:2375`` → {hostname: address}."""
    result: dict[str, str] = {}
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, address = part.partition("=")
        if not sep or not name or not address:
            raise ValueError(f"node engine {part!r}: use NODE=ADDRESS")
        result[name.strip()] = address.strip()
    return result


class EngineSet:
    def __init__(self, manager: Engine, node_addresses: dict[str, str] | None = None) -> None:
        self.manager = manager
        self.nodes: dict[str, Engine] = {
            name: manager if address == manager.address else Engine(address)
            for name, address in (node_addresses or {}).items()
        }
        self._located: dict[tuple[str, str], tuple[Engine, float]] = {}

    @property
    def multi(self) -> bool:
        return bool(self.nodes)

    def all(self) -> list[Engine]:
        return [self.manager, *self.others().values()]

    def others(self) -> dict[str, Engine]:
        """The node engines but the manager's, by node name."""
        return {name: e for name, e in self.nodes.items() if e is not self.manager}

    def by_node(self) -> dict[str, Engine]:
        """Every engine by node name, the manager's first (as ``manager`` when the node
        list does not name it)."""
        own = [name for name, engine in self.nodes.items() if engine is self.manager]
        return {own[0] if own else "manager": self.manager, **self.others()}

    def for_hostname(self, hostname: str) -> Engine | None:
        return self.nodes.get(hostname)

    async def locate(self, kind: str, ident: str) -> tuple[Engine, dict[str, Any]] | None:
        """The engine holding container (or exec instance) ``ident``, and the object;
        None when no engine knows it."""
        cached = self._located.get((kind, ident))
        if cached and cached[1] > time.monotonic():
            try:
                return cached[0], await cached[0].inspect(kind, ident)
            except NotFoundInEngine:
                self._located.pop((kind, ident), None)
        for engine in self.all():
            try:
                obj = await engine.inspect(kind, ident)
            except NotFoundInEngine:
                continue
            except EngineError:
                continue  # a node down: its containers are unreachable anyway
            self.remember(kind, ident, engine)
            return engine, obj
        return None

    def located(self, kind: str, ident: str) -> Engine | None:
        cached = self._located.get((kind, ident))
        return cached[0] if cached else None

    def remember(self, kind: str, ident: str, engine: Engine) -> None:
        self._located[(kind, ident)] = (engine, time.monotonic() + LOCATION_TTL)

    async def other_lists(
        self, path: str, params: dict[str, str], key: str | None = None
    ) -> list[Any]:
        """The list at ``path`` (``/containers/json``, ``/images/json``; or the ``key``
        member of the answer, as ``Volumes`` of ``/volumes``) from every node engine but
        the manager (whose list the request itself returns), concatenated; a node that
        does not answer contributes nothing."""
        others = list(self.others().values())

        async def one(engine: Engine) -> list[Any]:
            try:
                found = await engine.get(path, **params)
            except EngineError:
                return []
            if key is not None:
                found = found.get(key) if isinstance(found, dict) else None
            return found if isinstance(found, list) else []

        lists = await asyncio.gather(*(one(e) for e in others))
        return [item for found in lists for item in found]

    async def holders(self, kind: str, ident: str) -> list[Engine]:
        """Every engine that knows ``ident`` (an image is on each node that pulled it),
        the manager first; nodes that do not answer are left out."""
        return [engine for _node, engine, _obj in await self.everywhere(kind, ident)]

    async def everywhere(self, kind: str, ident: str) -> list[tuple[str, Engine, dict[str, Any]]]:
        """``ident`` as each node's engine knows it, by node, the manager's first: an
        image is on each node that pulled it, a named volume on each node that made
        one. Nodes that do not have it, or do not answer, are left out."""
        engines = self.by_node()

        async def inspect(engine: Engine) -> dict[str, Any] | None:
            try:
                return await engine.inspect(kind, ident)
            except EngineError:
                return None

        found = await asyncio.gather(*(inspect(e) for e in engines.values()))
        return [
            (node, engine, obj)
            for (node, engine), obj in zip(engines.items(), found, strict=True)
            if obj is not None
        ]

    async def least_busy(self, hostnames: list[str]) -> Engine | None:
        """Spread containers: the candidate engine running the fewest."""
        candidates = [(h, e) for h in hostnames if (e := self.nodes.get(h)) is not None]

        async def load(engine: Engine) -> int:
            try:
                info = await engine.get("/info")
            except EngineError:
                return 1 << 30
            return int((info or {}).get("ContainersRunning", 0))

        if not candidates:
            return None
        loads = await asyncio.gather(*(load(e) for _, e in candidates))
        best = min(zip(loads, range(len(candidates)), strict=True))
        if best[0] >= 1 << 30:
            return None
        return candidates[best[1]][1]

    async def close(self) -> None:
        for engine in self.all():
            await engine.close()
