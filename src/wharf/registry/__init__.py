"""The trusted registry: the OCI distribution API over the metadata database and the
blob store."""

from __future__ import annotations

from dataclasses import dataclass

from wharf.access import AccessServices
from wharf.access.principal import Principal
from wharf.access.scopes import ALL_ACTIONS
from wharf.core.config import Settings
from wharf.core.db import Database, Reader
from wharf.core.metrics import Metrics
from wharf.registry.api_v0 import RepositoryAPI
from wharf.registry.auth import RegistryAuth
from wharf.registry.permissions import ALL, repository_actions
from wharf.registry.routes import RegistryAPI
from wharf.registry.settings import RegistrySettings
from wharf.registry.uploads import UploadService
from wharf.storage import BlobDriver


@dataclass(frozen=True)
class RegistryServices:
    api: RegistryAPI
    repositories: RepositoryAPI
    uploads: UploadService


def build_registry(
    settings: Settings, db: Database, metrics: Metrics, driver: BlobDriver, access: AccessServices
) -> RegistryServices:
    uploads = UploadService(db, driver, metrics)
    auth = RegistryAuth(db, access.tokens, access.authenticator, settings.public_url)
    api = RegistryAPI(settings, db, driver, auth, uploads, metrics)
    return RegistryServices(api=api, repositories=RepositoryAPI(access.api_auth), uploads=uploads)


def grant_repository(reader: Reader, principal: Principal | None, name: str) -> frozenset[str]:
    """Token-service resolver for ``repository:<name>:<actions>`` scopes."""
    allowed = repository_actions(reader, principal, name)
    return allowed | {ALL_ACTIONS} if allowed >= ALL else allowed


def grant_registry(reader: Reader, principal: Principal | None, name: str) -> frozenset[str]:
    """Token-service resolver for ``registry:catalog:*``: anyone may list; the catalog
    itself shows each caller only what they may pull."""
    return frozenset({ALL_ACTIONS}) if name == "catalog" else frozenset()


SETTINGS_SECTIONS = [RegistrySettings]
