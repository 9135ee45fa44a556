"""``/_ping`` (load balancers) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

import secrets

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wharf.control.engine import Engine
from wharf.core.db import Database
from wharf.core.logging import get_logger
from wharf.core.metrics import Metrics
from wharf.storage import BlobDriver

log = get_logger("health")


class Health:
    def __init__(
        self, db: Database, driver: BlobDriver, metrics: Metrics, engine: Engine | None
    ) -> None:
        self.db = db
        self.driver = driver
        self.metrics = metrics
        self.engine = engine

    async def problems(self) -> list[str]:
        problems = []
        try:
            await self.db.run(lambda s: s.execute(text("SELECT 1")))
        except Exception as exc:
            problems.append(f"database: {type(exc).__name__}: {exc}")
        probe = f"/health/{secrets.token_hex(8)}"
        try:
            await self.driver.put_content(probe, b"ok")
            if await self.driver.get_content(probe) != b"ok":
                problems.append("storage: read back different content")
            await self.driver.delete(probe)
        except Exception as exc:
            problems.append(f"storage: {type(exc).__name__}: {exc}")
        if self.engine is not None and not await self.engine.ping():
            problems.append(f"engine: {self.engine.address} does not answer")
        return problems

    async def ping(self, request: Request) -> Response:
        problems = await self.problems()
        # Which parts this process serves, so a UI or a load balancer can tell.
        serves = {"DockerAPI": self.engine is not None}
        if problems:
            log.warning("unhealthy", extra={"problems": problems})
            return JSONResponse(
                {"Healthy": False, "Error": "; ".join(problems), **serves}, status_code=500
            )
        return JSONResponse({"Healthy": True, **serves})

    async def metrics_endpoint(self, request: Request) -> Response:
        return Response(generate_latest(self.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/_ping", self.ping, methods=["GET", "HEAD"]),
            Route("/metrics", self.metrics_endpoint, methods=["GET"]),
        ]
