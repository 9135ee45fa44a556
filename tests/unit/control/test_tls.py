"""The bundle's files against real TLS stacks: Python's ssl (OpenSSL) and, when the
``docker`` CLI is installed, Go's crypto/tls through ``docker version`` — both via
env.sh and via ``docker context import``. The server is a tiny asyncio TLS listener that
requires a client certificate from the cluster CA and asks ``identify_certificate`` who
it is, as the Docker API endpoint does."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import ssl
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import InProcessWharf
from tests.unit.control.conftest import identify, make_bundle
from wharf.access.principal import Principal
from wharf.control.pki import CertificateAuthority, ensure_server_cert, new_key, private_key_pem

FAKE_API_VERSION = "1.45"


@dataclass
class FakeEndpoint:
    """A TLS server requiring client certificates from the CA; it answers a minimal
    Docker API (``/_ping`` and ``/version``) with the identified account's name."""

    port: int = 0
    seen: list[Principal | None] = field(default_factory=list)


async def _handle(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    identify: Callable[[bytes], Principal | None],
    endpoint: FakeEndpoint,
) -> None:
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True)
        principal = identify(der) if der else None
        endpoint.seen.append(principal)
        head = await reader.readuntil(b"\r\n\r\n")
        method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
        if principal is None:
            status, body = "401 Unauthorized", b'{"message":"unknown client certificate"}'
        elif target.endswith("/_ping"):
            status, body = "200 OK", b"OK"
        elif target.endswith("/version"):
            status = "200 OK"
            body = json.dumps(
                {
                    "Version": f"wharf-test/{principal.name}",
                    "ApiVersion": FAKE_API_VERSION,
                    "MinAPIVersion": "1.24",
                    "Os": "linux",
                    "Arch": "amd64",
                    "GitCommit": "0",
                    "GoVersion": "go",
                    "KernelVersion": "",
                    "BuildTime": "",
                }
            ).encode()
        else:
            status, body = "404 Not Found", b'{"message":"not here"}'
        writer.write(
            (
                f"HTTP/1.1 {status}\r\nApi-Version: {FAKE_API_VERSION}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            + (b"" if method == "HEAD" else body)
        )
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


def server_context(keys: Path, ca: CertificateAuthority) -> ssl.SSLContext:
    files = ensure_server_cert(keys, ca, ["localhost"], ["127.0.0.1"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.cert_path, files.key_path)
    context.load_verify_locations(files.ca_path)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


@pytest.fixture
async def endpoint(wharf: InProcessWharf, ca: CertificateAuthority) -> AsyncIterator[FakeEndpoint]:
    found = FakeEndpoint()
    db = wharf.services.db
    server = await asyncio.start_server(
        lambda r, w: _handle(r, w, lambda der: identify(db, der), found),
        "127.0.0.1",
        0,
        ssl=server_context(wharf.services.settings.keys_dir, ca),
    )
    found.port = server.sockets[0].getsockname()[1]
    async with server:
        yield found


def extract(bundle: zipfile.ZipFile, into: Path) -> Path:
    into.mkdir(parents=True)
    bundle.extractall(into)
    return into


async def get(port: int, cafile: Path, cert: Path | None = None, key: Path | None = None) -> bytes:
    context = ssl.create_default_context(cafile=str(cafile))
    if cert is not None:
        context.load_cert_chain(cert, key)
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=context, server_hostname="127.0.0.1"
    )
    try:
        writer.write(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


async def refused(
    port: int, cafile: Path, cert: Path | None = None, key: Path | None = None
) -> bool:
    """Whether the server refused the handshake. With TLS 1.3 the client finishes its
    side first and learns of the refusal (an alert, or just a closed connection) when
    it reads."""
    try:
        return await get(port, cafile, cert, key) == b""
    except (ssl.SSLError, ConnectionError):
        return True


async def test_python_ssl_handshake_with_the_bundle(
    wharf: InProcessWharf, ca: CertificateAuthority, endpoint: FakeEndpoint, tmp_path: Path
) -> None:
    wharf.add_user("alice", "alice-password")
    bundle, _ = make_bundle(wharf, ca, "alice", docker_host=f"127.0.0.1:{endpoint.port}")
    d = extract(bundle, tmp_path / "bundle")
    response = await get(endpoint.port, d / "ca.pem", d / "cert.pem", d / "key.pem")
    assert response.startswith(b"HTTP/1.1 200 OK")
    assert b'"Version": "wharf-test/alice"' in response
    principal = endpoint.seen[-1]
    assert principal is not None and principal.name == "alice"


async def test_tls_refuses_clients_without_a_ca_certificate(
    wharf: InProcessWharf, ca: CertificateAuthority, endpoint: FakeEndpoint, tmp_path: Path
) -> None:
    wharf.add_user("alice", "alice-password")
    bundle, _ = make_bundle(wharf, ca, "alice")
    d = extract(bundle, tmp_path / "bundle")
    # No client certificate at all.
    assert await refused(endpoint.port, d / "ca.pem")
    # A certificate for "alice" from another CA.
    other = CertificateAuthority.create()
    key = new_key()
    (tmp_path / "other-cert.pem").write_bytes(
        other.issue_client_cert(key.public_key(), "alice", 30)
    )
    (tmp_path / "other-key.pem").write_bytes(private_key_pem(key))
    assert await refused(
        endpoint.port, d / "ca.pem", tmp_path / "other-cert.pem", tmp_path / "other-key.pem"
    )
    # The bundle's own files are accepted.
    assert not await refused(endpoint.port, d / "ca.pem", d / "cert.pem", d / "key.pem")
    assert len(endpoint.seen) == 1  # only the last handshake completed


async def test_revoked_bundle_still_handshakes_but_identifies_nobody(
    wharf: InProcessWharf, ca: CertificateAuthority, endpoint: FakeEndpoint, tmp_path: Path
) -> None:
    from wharf.access.accounts import require_account
    from wharf.control.bundles import revoke_public_key

    wharf.add_user("alice", "alice-password")
    bundle, row = make_bundle(wharf, ca, "alice")
    d = extract(bundle, tmp_path / "bundle")
    wharf.services.db.call(lambda s: revoke_public_key(s, require_account(s, "alice"), str(row.id)))
    response = await get(endpoint.port, d / "ca.pem", d / "cert.pem", d / "key.pem")
    assert response.startswith(b"HTTP/1.1 401")
    assert endpoint.seen == [None]


DOCKER = shutil.which("docker")


def docker_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env["DOCKER_CONFIG"] = str(tmp_path / "docker-config")
    env["HOME"] = str(tmp_path)
    return env


async def run(*args: str, env: dict[str, str], cwd: Path | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


@pytest.mark.skipif(DOCKER is None, reason="needs the docker CLI")
async def test_docker_cli_with_env_sh(
    wharf: InProcessWharf, ca: CertificateAuthority, endpoint: FakeEndpoint, tmp_path: Path
) -> None:
    """Go's TLS accepts the server certificate and presents the client certificate;
    env.sh sets up the shell the way users run it."""
    wharf.add_user("alice", "alice-password")
    bundle, _ = make_bundle(wharf, ca, "alice", docker_host=f"127.0.0.1:{endpoint.port}")
    d = extract(bundle, tmp_path / "bundle")
    script = "eval \"$(<env.sh)\" && docker version --format '{{.Server.Version}}'"
    status, out = await run("bash", "-c", script, env=docker_env(tmp_path), cwd=d)
    assert status == 0, out
    assert out.strip() == "wharf-test/alice"


@pytest.mark.skipif(DOCKER is None, reason="needs the docker CLI")
async def test_docker_context_import(
    wharf: InProcessWharf, ca: CertificateAuthority, endpoint: FakeEndpoint, tmp_path: Path
) -> None:
    assert DOCKER is not None
    wharf.add_user("alice", "alice-password")
    bundle, _ = make_bundle(wharf, ca, "alice", docker_host=f"127.0.0.1:{endpoint.port}")
    d = extract(bundle, tmp_path / "bundle")
    env = docker_env(tmp_path)
    status, out = await run(
        DOCKER, "context", "import", "wharf", str(d / "ucp-docker-bundle.zip"), env=env
    )
    assert status == 0, out
    status, out = await run(
        DOCKER, "--context", "wharf", "version", "--format", "{{.Server.Version}}", env=env
    )
    assert status == 0, out
    assert out.strip() == "wharf-test/alice"
