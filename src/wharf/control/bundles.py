"""Client bundles: a key pair per bundle, its certificate signed by the cluster CA, and
its public key registered under the account — the bundle's identity and revocation
handle (UCP's ``/accounts/{name}/publicKeys``).

The Docker API endpoint asks :func:`identify_certificate` who a TLS client is, on every
request: one indexed read, so deleting the key, deactivating or deleting the account, or
the key's expiry take effect at once, whatever the certificate still says.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import ClassVar
from urllib.parse import urlsplit

from cryptography import x509
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from wharf.access.interfaces import InvalidInput, NotFound
from wharf.access.models import AccessVersion, Account
from wharf.access.principal import Principal
from wharf.control.models import PublicKey
from wharf.control.pki import (
    CertificateAuthority,
    new_key,
    private_key_pem,
    public_key_pem,
    spki_fingerprint,
)
from wharf.core.db import PreparedQuery, Reader, UTCDateTime, utcnow
from wharf.core.settings_store import InvalidSetting, Section

# Where the Docker API endpoint listens when nothing says otherwise.
DEFAULT_DOCKER_PORT = 12376
INNER_ZIP = "ucp-docker-bundle.zip"
MAX_LABEL = 255


@dataclass
class ClientBundleSettings(Section):
    """``[auth.client_bundles]``: how long new bundles' certificates (and registered
    keys) stay valid — for users, and for automation (service) accounts. Existing
    bundles keep the expiry they were issued with (MKE's ``client_bundle_expiration``
    and ``automation_client_bundle_expiration``)."""

    KEY: ClassVar[str] = "auth.client_bundles"
    lifetime_days: int = 365
    automation_lifetime_days: int = 365

    def validate(self) -> None:
        if self.lifetime_days < 1 or self.automation_lifetime_days < 1:
            raise InvalidSetting(
                "auth.client_bundles: lifetime_days and automation_lifetime_days >= 1"
            )


def bundle_lifetime(settings: ClientBundleSettings, account: Account) -> timedelta:
    days = settings.automation_lifetime_days if account.is_service else settings.lifetime_days
    return timedelta(days=days)


def docker_host_url(address: str) -> str:
    """``tcp://host:port`` for DOCKER_HOST from ``host:port``, ``tcp://host:port`` or
    ``https://host[:port]`` (443 when the port is left out)."""
    address = address.strip()
    if not address:
        raise ValueError("no Docker endpoint address")
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "https") or not parts.hostname:
        raise ValueError(f"not a Docker endpoint address: {address!r}")
    port = parts.port or (443 if parts.scheme == "https" else DEFAULT_DOCKER_PORT)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"tcp://{host}:{port}"


# -- issuing ------------------------------------------------------------------------------


def create_bundle(
    session: Session,
    ca: CertificateAuthority,
    account: Account,
    label: str,
    lifetime: timedelta,
    *,
    docker_host: str,
) -> tuple[bytes, PublicKey]:
    """A new client bundle for ``account``: a fresh key pair, a client certificate
    (CN = the account name) valid for ``lifetime``, the public key registered under the
    account, and the zip a user downloads. ``docker_host`` is the Docker API endpoint
    the bundle points at (``tcp://host:port``)."""
    if account.is_org:
        raise InvalidInput("organizations do not have client bundles")
    label = _label(label)
    host = docker_host_url(docker_host)
    key = new_key()
    cert_pem = ca.issue_client_cert(key.public_key(), account.name, lifetime / timedelta(days=1))
    cert = x509.load_pem_x509_certificate(cert_pem)
    pub_pem = public_key_pem(key.public_key())
    row = PublicKey(
        id=uuid.uuid4(),
        account_id=account.id,
        label=label,
        fingerprint=spki_fingerprint(cert),
        public_key_pem=pub_pem.decode(),
        created_at=utcnow(),
        expires_at=cert.not_valid_after_utc,
    )
    session.add(row)
    session.flush()
    files = BundleFiles(
        ca_pem=ca.ca_pem,
        cert_pem=cert_pem,
        key_pem=private_key_pem(key),
        public_key_pem=pub_pem,
        user=account.name,
        docker_host=host,
        instance_id=ca.instance_id,
        bundle_id=str(row.id),
    )
    return files.zip(), row


@dataclass(frozen=True)
class BundleFiles:
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes
    public_key_pem: bytes
    user: str
    docker_host: str
    instance_id: str
    bundle_id: str

    def context_name(self) -> str:
        host = urlsplit(self.docker_host).hostname or "wharf"
        return re.sub(r"[^a-zA-Z0-9_.+-]", "_", f"wharf_{host}_{self.user}")

    def meta_json(self) -> bytes:
        """Docker context metadata, so ``docker context import`` takes the bundle."""
        meta = {
            "Name": self.context_name(),
            "Metadata": {
                "Description": f"Wharf client bundle for {self.user}",
                "StackOrchestrator": "swarm",
            },
            "Endpoints": {"docker": {"Host": self.docker_host, "SkipTLSVerify": False}},
        }
        return json.dumps(meta, indent=2).encode() + b"\n"

    def _about(self, comment: str) -> list[str]:
        return [
            comment,
            f"{comment} Bundle for user {self.user}",
            f"{comment} UCP Instance ID {self.instance_id}",
            comment,
            f"{comment} Run this command from within this directory to configure your shell:",
        ]

    def env_sh(self) -> bytes:
        lines = [
            "export DOCKER_TLS_VERIFY=1",
            "export COMPOSE_TLS_VERSION=TLSv1_2",
            "export DOCKER_CERT_PATH=$PWD",
            f"export DOCKER_HOST={self.docker_host}",
            *self._about("#"),
            '# eval "$(<env.sh)"',
        ]
        return "\n".join(lines).encode() + b"\n"

    def env_ps1(self) -> bytes:
        lines = [
            '$env:DOCKER_TLS_VERIFY = "1"',
            '$env:COMPOSE_TLS_VERSION = "TLSv1_2"',
            "$env:DOCKER_CERT_PATH = $PSScriptRoot",
            f'$env:DOCKER_HOST = "{self.docker_host}"',
            *self._about("#"),
            "# Import-Module .\\env.ps1",
        ]
        return "\r\n".join(lines).encode() + b"\r\n"

    def env_cmd(self) -> bytes:
        lines = [
            "@echo off",
            "set DOCKER_TLS_VERIFY=1",
            "set COMPOSE_TLS_VERSION=TLSv1_2",
            "set DOCKER_CERT_PATH=%~dp0",
            f"set DOCKER_HOST={self.docker_host}",
            *self._about("REM"),
            "REM .\\env.cmd",
        ]
        return "\r\n".join(lines).encode() + b"\r\n"

    def docker_context_zip(self) -> bytes:
        """What ``docker context import`` accepts: meta.json and ``tls/docker/*``
        only (the CLI refuses archives with any other file)."""
        return _zip(
            [
                ("meta.json", self.meta_json(), 0o644),
                ("tls/docker/ca.pem", self.ca_pem, 0o644),
                ("tls/docker/cert.pem", self.cert_pem, 0o644),
                ("tls/docker/key.pem", self.key_pem, 0o600),
            ]
        )

    def zip(self) -> bytes:
        return _zip(
            [
                ("ca.pem", self.ca_pem, 0o644),
                ("cert.pem", self.cert_pem, 0o644),
                ("key.pem", self.key_pem, 0o600),
                ("cert.pub", self.public_key_pem, 0o644),
                ("env.sh", self.env_sh(), 0o644),
                ("env.ps1", self.env_ps1(), 0o644),
                ("env.cmd", self.env_cmd(), 0o644),
                ("meta.json", self.meta_json(), 0o644),
                (INNER_ZIP, self.docker_context_zip(), 0o644),
            ],
            comment=self.bundle_id,
        )


def _zip(entries: list[tuple[str, bytes, int]], comment: str = "") -> bytes:
    buffer = io.BytesIO()
    stamp = utcnow().timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3  # Unix, so the mode below is honoured
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        archive.comment = comment.encode()
    return buffer.getvalue()


def _label(label: str) -> str:
    label = label.strip()
    if len(label) > MAX_LABEL:
        raise InvalidInput(f"a label has at most {MAX_LABEL} characters")
    return label


# -- the account's registered keys --------------------------------------------------------


def list_public_keys(
    session: Session, account: Account, start: int = 0, limit: int | None = None
) -> list[PublicKey]:
    query = (
        select(PublicKey)
        .where(PublicKey.account_id == account.id)
        .order_by(PublicKey.created_at, PublicKey.id)
        .offset(start)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def require_public_key(session: Session, account: Account, key_id: str) -> PublicKey:
    """The account's key ``key_id`` (its id or its fingerprint), or NotFound."""
    found: PublicKey | None = None
    try:
        found = session.get(PublicKey, uuid.UUID(key_id))
    except ValueError:
        if re.fullmatch(r"[0-9a-f]{64}", key_id):
            found = session.scalar(select(PublicKey).where(PublicKey.fingerprint == key_id))
    if found is None or found.account_id != account.id:
        raise NotFound(f"no public key {key_id!r} for account {account.name!r}")
    return found


def rename_public_key(session: Session, account: Account, key_id: str, label: str) -> PublicKey:
    key = require_public_key(session, account, key_id)
    key.label = _label(label)
    session.flush()
    return key


def revoke_public_key(session: Session, account: Account, key_id: str) -> None:
    """Delete the key: its bundle stops working with the next request."""
    session.delete(require_public_key(session, account, key_id))
    session.flush()


# -- who a TLS client is ------------------------------------------------------------------

_IDENTIFY = PreparedQuery(
    select(
        Account.id,
        Account.name,
        Account.is_admin,
        Account.is_active,
        select(AccessVersion.version).where(AccessVersion.id == 1).scalar_subquery(),
    )
    .join(PublicKey, PublicKey.account_id == Account.id)
    .where(
        PublicKey.fingerprint == bindparam("fingerprint"),
        PublicKey.expires_at > bindparam("now", type_=UTCDateTime),
    )
)


@lru_cache(maxsize=4096)
def certificate_fingerprint(der_cert: bytes) -> str | None:
    """The SPKI fingerprint of a DER certificate (None if it does not parse); cached, as
    a client presents the same certificate on every connection."""
    try:
        return spki_fingerprint(der_cert)
    except ValueError:
        return None


@dataclass(frozen=True)
class CertificateHolder:
    principal: Principal
    # The access snapshot's stored version, read in the same statement: the request's
    # decision then needs no second read to know whether its snapshot is current.
    access_version: int


def identify_certificate(reader: Reader, fingerprint: str) -> CertificateHolder | None:
    """The active account whose registered, unexpired public key has this fingerprint
    (see :func:`certificate_fingerprint`; the certificate is already TLS-verified); None
    otherwise. One indexed read, no ORM: the Docker API endpoint calls it on every
    request."""
    row = reader.one(_IDENTIFY, fingerprint=fingerprint, now=utcnow())
    if row is None:
        return None
    account_id, name, is_admin, is_active, access_version = row
    if not is_active:
        return None
    return CertificateHolder(
        Principal(uuid.UUID(str(account_id)), str(name), bool(is_admin), True),
        int(access_version or 0),
    )
