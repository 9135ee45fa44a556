"""The control plane: the Docker API endpoint (a TLS proxy in front of the engine),
its certificate authority and client bundles."""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass

from wharf.access import AccessServices
from wharf.access.interfaces import Conflict
from wharf.control.audit import AuditLog
from wharf.control.engine import Engine, EngineError, EngineUnreachable
from wharf.control.engines import EngineSet, parse_node_engines
from wharf.control.pki import CertificateAuthority, ensure_server_cert, split_listen_names
from wharf.control.proxy.server import DockerProxy
from wharf.control.resources import ACCESS_LABEL
from wharf.control.scheduling import NodeLabeler
from wharf.control.settings import AuditSettings, LoggingSettings, SchedulerSettings
from wharf.core.config import Settings
from wharf.core.db import Database

SETTINGS_SECTIONS = [SchedulerSettings, AuditSettings, LoggingSettings]

# Where each kind of swarm object is listed, for counting what a collection holds.
_LISTS = {
    "/services": None,
    "/containers/json": {"all": "1"},
    "/networks": None,
    "/volumes": None,
    "/secrets": None,
    "/configs": None,
    "/nodes": None,
}


@dataclass
class ControlServices:
    engine: Engine
    ca: CertificateAuthority
    audit: AuditLog
    proxy: DockerProxy
    labeler: NodeLabeler

    async def count_resources(self, path: str) -> int:
        """How many swarm objects carry ``path`` as their collection."""
        filters = json.dumps({"label": [f"{ACCESS_LABEL}={path}"]})
        total = 0
        for endpoint, params in _LISTS.items():
            try:
                found = await self.engine.get(endpoint, filters=filters, **(params or {}))
            except EngineUnreachable as exc:
                raise Conflict(f"cannot check the swarm for resources: {exc.message}") from exc
            except EngineError:
                continue  # e.g. swarm endpoints on a standalone engine
            if isinstance(found, dict):  # /volumes
                found = found.get("Volumes") or []
            total += len(found or [])
        return total

    def tls_context(self, settings: Settings) -> ssl.SSLContext:
        """TLS for the Docker API listener: our server certificate, and client
        certificates from our CA accepted (bundles) but not required (Bearer tokens)."""
        host = settings.docker_listen.rsplit(":", 1)[0]
        hostnames, ips = split_listen_names(host)
        files = ensure_server_cert(settings.keys_dir, self.ca, hostnames, ips)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(files.cert_path, files.key_path)
        context.load_verify_locations(cadata=self.ca.ca_pem.decode())
        context.verify_mode = ssl.CERT_OPTIONAL
        return context


def build_control(settings: Settings, db: Database, access: AccessServices) -> ControlServices:
    engine = Engine(settings.engine)
    engines = EngineSet(engine, parse_node_engines(settings.node_engines))
    audit = AuditLog(db)
    return ControlServices(
        engine=engine,
        ca=CertificateAuthority.load_or_create(settings.keys_dir),
        audit=audit,
        proxy=DockerProxy(db, engines, access.snapshots, access.api_auth, audit),
        labeler=NodeLabeler(engine),
    )
