"""The cluster certificate authority: it signs the Docker API endpoint's server
certificate and every client bundle's certificate.

Created on first start under ``<data-dir>/keys/`` (``ca.pem``, and ``ca-key.pem`` with mode
0600) and loaded afterwards. Keys are ECDSA P-256, which the Docker CLI (Go's crypto/tls),
OpenSSL and every Docker SDK accept.

A client certificate proves nothing on its own here: who a bundle belongs to is decided
by its public key, registered under the account (``PublicKey``), so deleting that row
revokes the bundle at once while the certificate is still valid (see ``bundles``).
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPublicKeyTypes,
    PublicKeyTypes,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from wharf.core.db import utcnow

CA_CERT_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SERVER_CERT_FILE = "docker-server.pem"
SERVER_KEY_FILE = "docker-server-key.pem"
LOCK_FILE = ".ca.lock"

CA_COMMON_NAME = "Wharf Cluster Root CA"
CA_LIFETIME = timedelta(days=3650)
SERVER_LIFETIME = timedelta(days=825)
# A server certificate closer than this to its end is issued again at start.
SERVER_RENEW_BEFORE = timedelta(days=30)
# Certificates start a little in the past, for clients whose clocks lag.
BACKDATE = timedelta(minutes=5)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def public_key_pem(public_key: PublicKeyTypes) -> bytes:
    """The SubjectPublicKeyInfo as PEM (``-----BEGIN PUBLIC KEY-----``), as in cert.pub."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """``-----BEGIN EC PRIVATE KEY-----``: what Docker's own tooling writes as key.pem."""
    return _private_pem(key)


def spki_fingerprint(subject: x509.Certificate | PublicKeyTypes | bytes) -> str:
    """SHA-256 (hex) of the DER SubjectPublicKeyInfo of a certificate or public key.
    Bytes may be a DER certificate, or a PEM certificate or public key."""
    if isinstance(subject, bytes):
        if subject.lstrip().startswith(b"-----BEGIN CERTIFICATE"):
            subject = x509.load_pem_x509_certificate(subject)
        elif subject.lstrip().startswith(b"-----BEGIN"):
            subject = serialization.load_pem_public_key(subject)
        else:
            subject = x509.load_der_x509_certificate(subject)
    public_key = subject.public_key() if isinstance(subject, x509.Certificate) else subject
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _write(path: Path, data: bytes, mode: int) -> None:
    """Atomically replace ``path`` with ``data``, created with ``mode``."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


@contextmanager
def _locked(keys_dir: Path) -> Iterator[None]:
    """Serialize processes sharing a data dir, so two starting together never make two
    CAs (or two server certificates) and keep a mismatched certificate and key."""
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(keys_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _base36(data: bytes, length: int) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    number = int.from_bytes(data, "big")
    out = []
    for _ in range(length):
        number, digit = divmod(number, 36)
        out.append(alphabet[digit])
    return "".join(out)


class CertificateAuthority:
    """The cluster CA: a self-signed P-256 root that issues the Docker endpoint's server
    certificate and client-bundle certificates."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
        if spki_fingerprint(cert) != spki_fingerprint(key.public_key()):
            raise ValueError("the CA certificate does not match its key")
        self.key = key
        self.cert = cert
        self.ca_pem: bytes = cert.public_bytes(serialization.Encoding.PEM)
        self.fingerprint = spki_fingerprint(cert)
        # A swarm-style id (25 base-36 characters), stable for the life of the CA: the
        # "UCP Instance ID" a bundle's env.sh names.
        self.instance_id = _base36(hashlib.sha256(self.fingerprint.encode()).digest(), 25)

    # -- creation and loading -------------------------------------------------------------

    @classmethod
    def create(cls, common_name: str = CA_COMMON_NAME) -> CertificateAuthority:
        key = new_key()
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Wharf"),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        now = utcnow()
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + CA_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    @classmethod
    def load(cls, keys_dir: Path) -> CertificateAuthority:
        key = serialization.load_pem_private_key(
            (keys_dir / CA_KEY_FILE).read_bytes(), password=None
        )
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{keys_dir / CA_KEY_FILE} is not an EC private key")
        cert = x509.load_pem_x509_certificate((keys_dir / CA_CERT_FILE).read_bytes())
        return cls(key, cert)

    @classmethod
    def load_or_create(cls, keys_dir: Path) -> CertificateAuthority:
        """The CA stored in ``keys_dir``, created (key mode 0600) if there is none."""
        keys_dir = Path(keys_dir)
        if (keys_dir / CA_KEY_FILE).exists() and (keys_dir / CA_CERT_FILE).exists():
            return cls.load(keys_dir)
        with _locked(keys_dir):
            if (keys_dir / CA_KEY_FILE).exists() and (keys_dir / CA_CERT_FILE).exists():
                return cls.load(keys_dir)
            ca = cls.create()
            _write(keys_dir / CA_KEY_FILE, _private_pem(ca.key), 0o600)
            _write(keys_dir / CA_CERT_FILE, ca.ca_pem, 0o644)
            return ca

    # -- issuing ---------------------------------------------------------------------------

    def _builder(
        self, subject: x509.Name, public_key: CertificateIssuerPublicKeyTypes, lifetime: timedelta
    ) -> x509.CertificateBuilder:
        now = utcnow()
        not_after = min(now + lifetime, self.cert.not_valid_after_utc)
        ca_ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )

    def issue_server_cert(
        self, hostnames: list[str], ips: list[str], lifetime: timedelta = SERVER_LIFETIME
    ) -> tuple[bytes, bytes]:
        """A new key and a server certificate for these DNS names and IP addresses
        (serverAuth), as PEM ``(cert, key)``."""
        if not hostnames and not ips:
            raise ValueError("a server certificate needs at least one name or address")
        key = new_key()
        sans: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
        sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Wharf"),
                x509.NameAttribute(NameOID.COMMON_NAME, (hostnames or ips)[0][:64]),
            ]
        )
        cert = (
            self._builder(subject, key.public_key(), lifetime)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM), _private_pem(key)

    def issue_client_cert(
        self, public_key: CertificateIssuerPublicKeyTypes, common_name: str, days: float
    ) -> bytes:
        """A client certificate (clientAuth) for ``public_key``, valid ``days`` days (but
        never beyond the CA), as PEM. The common name is the account name."""
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Wharf"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "client"),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
            ]
        )
        cert = (
            self._builder(subject, public_key, timedelta(days=days))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM)

    def signed(self, cert: x509.Certificate) -> bool:
        """Whether ``cert`` carries this CA's signature."""
        try:
            cert.verify_directly_issued_by(self.cert)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True


# -- the Docker API listener's certificate --------------------------------------------------


@dataclass(frozen=True)
class ServerFiles:
    cert_path: Path
    key_path: Path
    ca_path: Path


def _names_of(cert: x509.Certificate) -> tuple[set[str], set[IpAddress]]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set(), set()
    addresses = {
        a
        for a in san.get_values_for_type(x509.IPAddress)
        if isinstance(a, ipaddress.IPv4Address | ipaddress.IPv6Address)
    }
    return set(san.get_values_for_type(x509.DNSName)), addresses


def _server_cert_current(
    ca: CertificateAuthority,
    cert_path: Path,
    key_path: Path,
    hostnames: list[str],
    ips: list[str],
    now: datetime,
) -> bool:
    if not cert_path.exists() or not key_path.exists():
        return False
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except ValueError:
        return False
    dns, addresses = _names_of(cert)
    return (
        dns == set(hostnames)
        and addresses == {ipaddress.ip_address(ip) for ip in ips}
        and cert.not_valid_after_utc - SERVER_RENEW_BEFORE > now
        and ca.signed(cert)
        and spki_fingerprint(cert) == spki_fingerprint(key.public_key())
    )


def ensure_server_cert(
    keys_dir: Path, ca: CertificateAuthority, hostnames: list[str], ips: list[str]
) -> ServerFiles:
    """The Docker API listener's certificate and key files (``docker-server.pem``,
    ``docker-server-key.pem`` in ``keys_dir``), issued again when the requested names
    changed, the certificate nears its end or the CA is not the one that signed it."""
    keys_dir = Path(keys_dir)
    cert_path, key_path = keys_dir / SERVER_CERT_FILE, keys_dir / SERVER_KEY_FILE
    hostnames = sorted(set(hostnames))
    ips = sorted({str(ipaddress.ip_address(ip)) for ip in ips})
    with _locked(keys_dir):
        if not _server_cert_current(ca, cert_path, key_path, hostnames, ips, utcnow()):
            cert_pem, key_pem = ca.issue_server_cert(hostnames, ips)
            _write(key_path, key_pem, 0o600)
            _write(cert_path, cert_pem, 0o644)
        ca_path = keys_dir / CA_CERT_FILE
        if not ca_path.exists() or ca_path.read_bytes() != ca.ca_pem:
            _write(ca_path, ca.ca_pem, 0o644)
    return ServerFiles(cert_path, key_path, ca_path)


def split_listen_names(host: str) -> tuple[list[str], list[str]]:
    """DNS names and IP addresses a server certificate for ``host`` should carry: the
    host itself (a name or an address) plus localhost, and for a wildcard listen address
    (``0.0.0.0``, ``::``, empty) the machine's host name as well."""
    hostnames = {"localhost"}
    ips = {"127.0.0.1", "::1"}
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host) if host else None
    except ValueError:
        hostnames.add(host)
    else:
        if address is None or address.is_unspecified:
            hostnames.add(os.uname().nodename)
        else:
            ips.add(str(address))
    return sorted(hostnames), sorted(ips)
