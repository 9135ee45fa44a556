"""The cluster CA: created once, reloaded, and the certificates it issues."""

from __future__ import annotations

import ipaddress
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from wharf.control.pki import (
    CA_CERT_FILE,
    CA_KEY_FILE,
    SERVER_CERT_FILE,
    SERVER_KEY_FILE,
    CertificateAuthority,
    ensure_server_cert,
    new_key,
    public_key_pem,
    spki_fingerprint,
    split_listen_names,
)
from wharf.core.db import utcnow


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_ca_is_created_once_then_reloaded(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    ca = CertificateAuthority.load_or_create(keys)
    assert mode(keys / CA_KEY_FILE) == 0o600
    assert (keys / CA_CERT_FILE).read_bytes() == ca.ca_pem
    again = CertificateAuthority.load_or_create(keys)
    assert again.ca_pem == ca.ca_pem
    assert again.fingerprint == ca.fingerprint
    assert again.instance_id == ca.instance_id and len(ca.instance_id) == 25
    constraints = ca.cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = ca.cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert ca.cert.not_valid_after_utc - utcnow() > timedelta(days=3000)


def test_a_mismatched_ca_pair_is_refused(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    CertificateAuthority.load_or_create(keys)
    other = CertificateAuthority.create()
    (keys / CA_CERT_FILE).write_bytes(other.ca_pem)
    with pytest.raises(ValueError, match="does not match"):
        CertificateAuthority.load_or_create(keys)


def test_server_certificate_names_and_usage() -> None:
    ca = CertificateAuthority.create()
    cert_pem, key_pem = ca.issue_server_cert(
        ["wharf.example.com", "localhost"], ["10.0.0.5", "::1"]
    )
    cert = x509.load_pem_x509_certificate(cert_pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["wharf.example.com", "localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("10.0.0.5"),
        ipaddress.ip_address("::1"),
    ]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.signed(cert)
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert spki_fingerprint(key.public_key()) == spki_fingerprint(cert)
    with pytest.raises(ValueError, match="at least one name"):
        ca.issue_server_cert([], [])


def test_client_certificate() -> None:
    ca = CertificateAuthority.create()
    key = new_key()
    cert = x509.load_pem_x509_certificate(ca.issue_client_cert(key.public_key(), "alice", 7))
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice"
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    lifetime = cert.not_valid_after_utc - utcnow()
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)
    assert cert.not_valid_before_utc < utcnow()
    assert ca.signed(cert)
    assert not CertificateAuthority.create().signed(cert)
    # Never beyond the CA's own end.
    long = x509.load_pem_x509_certificate(ca.issue_client_cert(key.public_key(), "a", 99999))
    assert long.not_valid_after_utc == ca.cert.not_valid_after_utc


def test_spki_fingerprint_of_every_form() -> None:
    ca = CertificateAuthority.create()
    key = new_key()
    cert_pem = ca.issue_client_cert(key.public_key(), "alice", 1)
    cert = x509.load_pem_x509_certificate(cert_pem)
    expected = spki_fingerprint(key.public_key())
    assert len(expected) == 64
    assert spki_fingerprint(cert) == expected
    assert spki_fingerprint(cert_pem) == expected
    assert spki_fingerprint(cert.public_bytes(serialization.Encoding.DER)) == expected
    assert spki_fingerprint(public_key_pem(key.public_key())) == expected
    assert spki_fingerprint(new_key().public_key()) != expected


def test_server_files_are_reissued_when_names_change(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    ca = CertificateAuthority.load_or_create(keys)
    files = ensure_server_cert(keys, ca, ["localhost", "wharf.test"], ["127.0.0.1"])
    assert files.cert_path == keys / SERVER_CERT_FILE
    assert files.key_path == keys / SERVER_KEY_FILE
    assert mode(files.key_path) == 0o600
    first = files.cert_path.read_bytes()
    # Same names (in any order): kept.
    ensure_server_cert(keys, ca, ["wharf.test", "localhost"], ["127.0.0.1"])
    assert files.cert_path.read_bytes() == first
    # A new address: issued again.
    ensure_server_cert(keys, ca, ["localhost", "wharf.test"], ["127.0.0.1", "10.1.2.3"])
    second = files.cert_path.read_bytes()
    assert second != first
    san = x509.load_pem_x509_certificate(second).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert ipaddress.ip_address("10.1.2.3") in san.value.get_values_for_type(x509.IPAddress)
    # Another CA (replaced keys dir): issued again, by the new CA.
    other = CertificateAuthority.create()
    ensure_server_cert(keys, other, ["localhost", "wharf.test"], ["127.0.0.1", "10.1.2.3"])
    assert other.signed(x509.load_pem_x509_certificate(files.cert_path.read_bytes()))
    assert files.ca_path.read_bytes() == other.ca_pem


def test_listen_names() -> None:
    hostnames, ips = split_listen_names("10.0.0.7")
    assert "10.0.0.7" in ips and "127.0.0.1" in ips and "localhost" in hostnames
    hostnames, ips = split_listen_names("wharf.example.com")
    assert "wharf.example.com" in hostnames
    hostnames, _ = split_listen_names("0.0.0.0")
    assert os.uname().nodename in hostnames
