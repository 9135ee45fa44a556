"""Fixtures of the control-plane tests: the app's CA and bundles made directly."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from tests.conftest import InProcessWharf
from wharf.access.accounts import require_account
from wharf.access.principal import Principal
from wharf.control.bundles import certificate_fingerprint, create_bundle, identify_certificate
from wharf.control.models import PublicKey
from wharf.control.pki import CertificateAuthority
from wharf.core.db import Database

DOCKER_HOST = "tcp://127.0.0.1:12376"


@pytest.fixture
def ca(wharf: InProcessWharf) -> CertificateAuthority:
    """The CA the in-process app serves (created by ``create_app``)."""
    return CertificateAuthority.load_or_create(wharf.services.settings.keys_dir)


def make_bundle(
    w: InProcessWharf,
    ca: CertificateAuthority,
    user: str,
    *,
    label: str = "laptop",
    lifetime: timedelta = timedelta(days=30),
    docker_host: str = DOCKER_HOST,
) -> tuple[zipfile.ZipFile, PublicKey]:
    def work(session: Session) -> tuple[bytes, PublicKey]:
        account = require_account(session, user)
        return create_bundle(session, ca, account, label, lifetime, docker_host=docker_host)

    data, row = w.services.db.call(work)
    return zipfile.ZipFile(io.BytesIO(data)), row


def identify(db: Database, der: bytes) -> Principal | None:
    """Who the Docker API endpoint takes the holder of this DER certificate for."""
    fingerprint = certificate_fingerprint(der)
    holder = identify_certificate(db, fingerprint) if fingerprint is not None else None
    return holder.principal if holder is not None else None
