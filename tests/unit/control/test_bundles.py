"""Client bundles: what the zip holds, and who a certificate identifies."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.conftest import InProcessWharf
from tests.unit.control.conftest import DOCKER_HOST, identify, make_bundle
from wharf.access.accounts import (
    create_org,
    create_service_account,
    delete_account,
    require_account,
)
from wharf.access.interfaces import InvalidInput, NotFound
from wharf.access.snapshot import load_snapshot
from wharf.access.teams import create_team
from wharf.control.bundles import (
    ClientBundleSettings,
    bundle_lifetime,
    certificate_fingerprint,
    create_bundle,
    docker_host_url,
    identify_certificate,
    list_public_keys,
    rename_public_key,
    revoke_public_key,
)
from wharf.control.models import PublicKey
from wharf.control.pki import CertificateAuthority, new_key, spki_fingerprint
from wharf.core.db import utcnow
from wharf.core.settings_store import InvalidSetting, section_from

BUNDLE_FILES = {
    "ca.pem",
    "cert.pem",
    "key.pem",
    "cert.pub",
    "env.sh",
    "env.ps1",
    "env.cmd",
    "meta.json",
    "ucp-docker-bundle.zip",
}


def der_of(bundle: zipfile.ZipFile) -> bytes:
    cert = x509.load_pem_x509_certificate(bundle.read("cert.pem"))
    return cert.public_bytes(serialization.Encoding.DER)


def test_bundle_zip_contents(wharf: InProcessWharf, ca: CertificateAuthority) -> None:
    wharf.add_user("alice", "alice-password")
    bundle, row = make_bundle(wharf, ca, "alice", lifetime=timedelta(days=30))
    assert set(bundle.namelist()) == BUNDLE_FILES
    assert bundle.comment.decode() == str(row.id)
    assert bundle.read("ca.pem") == ca.ca_pem

    cert = x509.load_pem_x509_certificate(bundle.read("cert.pem"))
    assert ca.signed(cert)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice"
    assert cert.not_valid_after_utc == row.expires_at
    assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    key = serialization.load_pem_private_key(bundle.read("key.pem"), password=None)
    assert spki_fingerprint(key.public_key()) == spki_fingerprint(cert) == row.fingerprint
    assert bundle.read("cert.pub").decode() == row.public_key_pem
    assert spki_fingerprint(bundle.read("cert.pub")) == row.fingerprint
    assert (bundle.getinfo("key.pem").external_attr >> 16) & 0o777 == 0o600

    env_sh = bundle.read("env.sh").decode().splitlines()
    assert env_sh[:4] == [
        "export DOCKER_TLS_VERIFY=1",
        "export COMPOSE_TLS_VERSION=TLSv1_2",
        "export DOCKER_CERT_PATH=$PWD",
        f"export DOCKER_HOST={DOCKER_HOST}",
    ]
    assert "# Bundle for user alice" in env_sh
    assert f"# UCP Instance ID {ca.instance_id}" in env_sh
    assert env_sh[-1] == '# eval "$(<env.sh)"'
    env_ps1 = bundle.read("env.ps1").decode()
    assert f'$env:DOCKER_HOST = "{DOCKER_HOST}"' in env_ps1
    assert "$env:DOCKER_CERT_PATH = $PSScriptRoot" in env_ps1
    env_cmd = bundle.read("env.cmd").decode()
    assert f"set DOCKER_HOST={DOCKER_HOST}\r\n" in env_cmd
    assert "set DOCKER_CERT_PATH=%~dp0" in env_cmd

    meta = json.loads(bundle.read("meta.json"))
    assert meta["Endpoints"] == {"docker": {"Host": DOCKER_HOST, "SkipTLSVerify": False}}
    assert meta["Metadata"]["StackOrchestrator"] == "swarm"
    assert meta["Name"] == "wharf_127.0.0.1_alice"

    # The inner archive is what `docker context import` takes: meta.json and tls/ only.
    inner = zipfile.ZipFile(io.BytesIO(bundle.read("ucp-docker-bundle.zip")))
    assert sorted(inner.namelist()) == [
        "meta.json",
        "tls/docker/ca.pem",
        "tls/docker/cert.pem",
        "tls/docker/key.pem",
    ]
    assert inner.read("tls/docker/cert.pem") == bundle.read("cert.pem")
    assert json.loads(inner.read("meta.json")) == meta


def test_each_bundle_has_its_own_key(wharf: InProcessWharf, ca: CertificateAuthority) -> None:
    wharf.add_user("alice", "alice-password")
    _, first = make_bundle(wharf, ca, "alice", label="one")
    _, second = make_bundle(wharf, ca, "alice", label="two")
    assert first.fingerprint != second.fingerprint
    keys = wharf.services.db.call(
        lambda s: [
            (k.label, k.fingerprint) for k in list_public_keys(s, require_account(s, "alice"))
        ]
    )
    assert keys == [("one", first.fingerprint), ("two", second.fingerprint)]


def test_identify_certificate(wharf: InProcessWharf, ca: CertificateAuthority) -> None:
    db = wharf.services.db
    wharf.add_user("alice", "alice-password")
    wharf.add_user("root2", "root2-password", is_admin=True)
    bundle, row = make_bundle(wharf, ca, "alice")
    der = der_of(bundle)

    principal = identify(db, der)
    assert principal is not None
    assert (principal.name, principal.is_admin, principal.is_active) == ("alice", False, True)
    assert principal.id == db.call(lambda s: require_account(s, "alice").id)
    admin_bundle, _ = make_bundle(wharf, ca, "root2")
    found = identify(db, der_of(admin_bundle))
    assert found is not None and found.is_admin

    # The same read tells the access snapshot's stored version, and follows its changes.
    def holder_version() -> int:
        fingerprint = certificate_fingerprint(der)
        assert fingerprint is not None
        holder = identify_certificate(db, fingerprint)
        assert holder is not None
        return holder.access_version

    before = holder_version()
    assert before == db.call(load_snapshot).version
    db.call(lambda s: create_team(s, create_org(s, "acme-id"), "dev"))
    assert holder_version() == db.call(load_snapshot).version > before

    # Expired key: refused, whatever the certificate says.
    db.call(lambda s: s.execute(update(PublicKey).values(expires_at=utcnow() - timedelta(1))))
    assert identify(db, der) is None
    db.call(lambda s: s.execute(update(PublicKey).values(expires_at=utcnow() + timedelta(1))))
    assert identify(db, der) is not None

    # Deactivated, then active again.
    def set_active(active: bool) -> None:
        db.call(lambda s: setattr(require_account(s, "alice"), "is_active", active))

    set_active(False)
    assert identify(db, der) is None
    set_active(True)
    assert identify(db, der) is not None

    # Revoked (the key deleted).
    db.call(lambda s: revoke_public_key(s, require_account(s, "alice"), str(row.id)))
    assert identify(db, der) is None


def test_identify_refuses_unknown_keys(wharf: InProcessWharf, ca: CertificateAuthority) -> None:
    db = wharf.services.db
    wharf.add_user("alice", "alice-password")
    make_bundle(wharf, ca, "alice")
    # Another CA's certificate for "alice", with another key: not registered.
    other = CertificateAuthority.create()
    forged = x509.load_pem_x509_certificate(
        other.issue_client_cert(new_key().public_key(), "alice", 30)
    )
    assert identify(db, forged.public_bytes(serialization.Encoding.DER)) is None
    assert identify(db, b"not a certificate") is None


def test_deleting_the_account_deletes_its_keys(
    wharf: InProcessWharf, ca: CertificateAuthority
) -> None:
    db = wharf.services.db
    wharf.add_user("alice", "alice-password")
    bundle, _ = make_bundle(wharf, ca, "alice")
    db.call(lambda s: delete_account(s, require_account(s, "admin"), require_account(s, "alice")))
    assert identify(db, der_of(bundle)) is None
    assert db.call(lambda s: s.query(PublicKey).count()) == 0


def test_rename_and_not_found(wharf: InProcessWharf, ca: CertificateAuthority) -> None:
    db = wharf.services.db
    wharf.add_user("alice", "alice-password")
    wharf.add_user("bob", "bob-password")
    _, row = make_bundle(wharf, ca, "alice")
    renamed = db.call(
        lambda s: rename_public_key(s, require_account(s, "alice"), str(row.id), " ci ")
    )
    assert renamed.label == "ci"
    # By fingerprint too.
    db.call(lambda s: rename_public_key(s, require_account(s, "alice"), row.fingerprint, "x"))
    for account, key_id in (("bob", str(row.id)), ("alice", "nonsense"), ("alice", "0" * 64)):
        with pytest.raises(NotFound):
            db.call(lambda s, a=account, k=key_id: revoke_public_key(s, require_account(s, a), k))
    with pytest.raises(InvalidInput):
        db.call(lambda s: rename_public_key(s, require_account(s, "alice"), str(row.id), "x" * 256))


def test_no_bundles_for_organizations(wharf: InProcessWharf, ca: CertificateAuthority) -> None:
    def work(session: Session) -> None:
        org = create_org(session, "acme")
        create_bundle(session, ca, org, "", timedelta(days=1), docker_host=DOCKER_HOST)

    with pytest.raises(InvalidInput):
        wharf.services.db.call(work)


def test_lifetime_settings(wharf: InProcessWharf) -> None:
    settings = section_from(
        ClientBundleSettings, {"lifetime_days": 30, "automation_lifetime_days": 400}
    )

    def lifetimes(session: Session) -> tuple[timedelta, timedelta]:
        org = create_org(session, "acme")
        robot = create_service_account(session, org, "acme-ci")
        user = require_account(session, "admin")
        return bundle_lifetime(settings, user), bundle_lifetime(settings, robot)

    assert wharf.services.db.call(lifetimes) == (timedelta(days=30), timedelta(days=400))
    with pytest.raises(InvalidSetting):
        section_from(ClientBundleSettings, {"lifetime_days": 0})
    assert ClientBundleSettings().lifetime_days == 365


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("127.0.0.1:12376", "tcp://127.0.0.1:12376"),
        ("tcp://wharf.example.com:443", "tcp://wharf.example.com:443"),
        ("https://wharf.example.com", "tcp://wharf.example.com:443"),
        ("wharf.example.com", "tcp://wharf.example.com:12376"),
        ("[::1]:2376", "tcp://[::1]:2376"),
    ],
)
def test_docker_host_url(given: str, expected: str) -> None:
    assert docker_host_url(given) == expected


@pytest.mark.parametrize("bad", ["", "unix:///var/run/docker.sock", "tcp://"])
def test_docker_host_url_refuses(bad: str) -> None:
    with pytest.raises(ValueError, match="Docker endpoint address"):
        docker_host_url(bad)
