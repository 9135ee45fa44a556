"""A private OpenLDAP ``slapd`` for tests: an old-style ``slapd.conf`` in a temporary
directory (core, cosine, inetorgperson and nis schemas; one mdb database for
``dc=example,dc=org``), listening on a free port on 127.0.0.1 — plain LDAP, and with
``tls=True`` also StartTLS and LDAPS with a self-signed CA made on the spot. Entries are
loaded and removed with the real ``ldapadd`` / ``ldapmodify`` / ``ldapdelete`` clients.

Access rules mirror a typical directory: anonymous clients may only bind; the reader
account (``cn=reader``) may read everything except password hashes.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.common.procs import free_port, run, short_tmpdir, tail

SLAPD_CANDIDATES = ("/usr/sbin/slapd", "/usr/lib/slapd")
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")

SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret"
READER_DN = f"cn=reader,{SUFFIX}"
READER_PASSWORD = "reader-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"


def find_slapd() -> str | None:
    for candidate in SLAPD_CANDIDATES:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("slapd")


def _config(root: Path, tls: bool) -> str:
    schemas = "\n".join(
        f"include {SCHEMA_DIR / name}.schema" for name in ("core", "cosine", "inetorgperson", "nis")
    )
    tls_lines = (
        f"TLSCACertificateFile {root / 'ca.pem'}\n"
        f"TLSCertificateFile {root / 'server.pem'}\n"
        f"TLSCertificateKeyFile {root / 'server.key'}\n"
        if tls
        else ""
    )
    return f"""{schemas}
pidfile {root / "slapd.pid"}
argsfile {root / "slapd.args"}
modulepath {MODULE_DIR}
moduleload back_mdb
{tls_lines}
database mdb
maxsize 67108864
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {root / "db"}
index objectClass eq

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="{READER_DN}" read
  by self read
  by * none
"""


def _make_tls_material(root: Path) -> None:
    """A throw-away CA and a server certificate for 127.0.0.1 / localhost it signed."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wharf test LDAP CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
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
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    (root / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (root / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (root / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(root / "server.key", 0o600)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class SlapdServer:
    binary: str
    root: Path
    port: int
    ldaps_port: int | None = None
    proc: subprocess.Popen[bytes] | None = None
    _log: Path = field(init=False)

    def __post_init__(self) -> None:
        self._log = self.root / "slapd.log"

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        assert self.ldaps_port is not None, "started without tls=True"
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    @property
    def ca_pem(self) -> str:
        return (self.root / "ca.pem").read_text()

    @classmethod
    def start(cls, binary: str, *, tls: bool = False) -> SlapdServer:
        root = short_tmpdir("wtl-")
        server = cls(binary, root, free_port(), free_port() if tls else None)
        try:
            (root / "db").mkdir()
            if tls:
                _make_tls_material(root)
            conf = root / "slapd.conf"
            conf.write_text(_config(root, tls))
            urls = server.url + "/"
            if server.ldaps_port is not None:
                urls += f" {server.ldaps_url}/"
            log = server._log.open("wb")
            # -d keeps slapd in the foreground (no daemonizing), logging to stderr.
            server.proc = subprocess.Popen(
                [binary, "-f", str(conf), "-h", urls, "-d", "0"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            server._wait_ready()
            server._seed()
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        assert self.proc is not None
        while not _port_open(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"slapd exited ({self.proc.returncode}):\n{tail(self._log)}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"slapd did not listen on {self.port}:\n{tail(self._log)}")
            time.sleep(0.05)

    def _seed(self) -> None:
        self.add(
            f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: {READER_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: {READER_PASSWORD}

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups
"""
        )

    # -- the real command-line clients ---------------------------------------------------

    def _admin_args(self) -> list[str]:
        return ["-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD]

    def add(self, ldif: str) -> None:
        run(["ldapadd", *self._admin_args()], input=ldif, timeout=30)

    def modify(self, ldif: str) -> None:
        run(["ldapmodify", *self._admin_args()], input=ldif, timeout=30)

    def delete(self, *dns: str) -> None:
        run(["ldapdelete", *self._admin_args(), *dns], timeout=30)

    def search(self, base: str, filter: str = "(objectClass=*)", *attrs: str) -> str:
        return run(
            ["ldapsearch", *self._admin_args(), "-LLL", "-b", base, filter, *attrs], timeout=30
        ).stdout

    # -- helpers to build the directory ----------------------------------------------------

    def add_user(
        self,
        uid: str,
        password: str,
        *,
        cn: str | None = None,
        ou: str = PEOPLE,
        hashed: bool = False,
        extra: str = "",
    ) -> str:
        """An inetOrgPerson ``uid=<uid>,<ou>``; with ``hashed`` its password is stored
        as ``{SSHA}`` made by ``slappasswd``. Returns the DN."""
        stored = password
        if hashed:
            stored = run(["slappasswd", "-h", "{SSHA}", "-s", password], timeout=30).stdout.strip()
        dn = f"uid={uid},{ou}"
        full = cn or uid.title()
        self.add(
            f"""dn: {dn}
objectClass: inetOrgPerson
uid: {uid}
cn: {full}
sn: {full.split()[-1]}
mail: {uid}@example.org
userPassword: {stored}
{extra}"""
        )
        return dn

    def add_group(self, cn: str, members: list[str], *, ou: str = GROUPS) -> str:
        """A groupOfNames with ``member`` DNs (groupOfNames needs at least one member)."""
        dn = f"cn={cn},{ou}"
        lines = "\n".join(f"member: {m}" for m in members)
        self.add(f"dn: {dn}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}\n")
        return dn

    def set_attr(self, dn: str, attr: str, value: str) -> None:
        self.modify(f"dn: {dn}\nchangetype: modify\nreplace: {attr}\n{attr}: {value}\n")

    def add_member(self, group: str, member: str, attr: str = "member") -> None:
        self.modify(f"dn: {group}\nchangetype: modify\nadd: {attr}\n{attr}: {member}\n")

    def remove_member(self, group: str, member: str, attr: str = "member") -> None:
        self.modify(f"dn: {group}\nchangetype: modify\ndelete: {attr}\n{attr}: {member}\n")

    def log_tail(self, limit: int = 4000) -> str:
        return tail(self._log, limit)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
