"""Control-plane benchmark: the Docker API through Wharf's proxy against the engine
directly, in the same run.

    .venv/bin/python bench/control_bench.py [--containers 5000] [--out docs/performance-control.md]

Measured with one keep-alive connection per path (the engine's unix socket directly, or
Wharf's TLS endpoint with a client bundle), over the raw HTTP API so the docker CLI's own
start-up cost does not hide the proxy's:

1. ``GET /containers/json?all=1`` with 100 containers: added latency p50 (target <= 1 ms),
   as an admin (forwarded as is), as a user who sees one collection (the engine is asked
   for that collection's label; compared with the engine asked the same), and as a user
   who sees two collections (Wharf filters the engine's whole list).
2. The same list with ``--containers`` (default 5,000) containers, both users: the cost
   of Wharf's filtering (target <= 50 ms).
3. Stream throughput of ``GET /containers/{id}/logs`` and of a hijacked
   ``docker exec`` reading 100 MB (target >= 90% of direct).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.registry_bench import MARKER, write_report  # noqa: E402
from tests.common.dockerd import DockerDaemon, build_images  # noqa: E402
from tests.common.procs import free_port, wait_for  # noqa: E402
from tests.common.swarm import import_busybox  # noqa: E402

PASSWORD = "bench-admin-password"
STREAM_BYTES = 100 * 1024 * 1024


class RawClient:
    """HTTP/1.1 over one socket (unix or TLS), reading whole responses."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> None:
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("closed")
        self.buf += data

    def request(
        self, method: str, path: str, body: bytes = b"", extra: str = ""
    ) -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: docker\r\nContent-Length: {len(body)}\r\n"
            f"Content-Type: application/json\r\n{extra}\r\n"
        )
        self.sock.sendall(head.encode() + body)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw_head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw_head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if "content-length" in headers:
            n = int(headers["content-length"])
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
            return status, body
        if headers.get("transfer-encoding") == "chunked":
            out = bytearray()
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    self._fill()
                out += self.buf[:size]
                self.buf = self.buf[size + 2 :]
                if size == 0:
                    return status, bytes(out)
        return status, b""

    def stream_count(self, method: str, path: str, body: bytes, extra: str) -> int:
        """Send a request and count every byte until the peer closes (hijacked or
        close-delimited streams)."""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: docker\r\nContent-Length: {len(body)}\r\n"
            f"Content-Type: application/json\r\n{extra}\r\n"
        )
        self.sock.sendall(head.encode() + body)
        total = len(self.buf)
        self.buf = b""
        while True:
            data = self.sock.recv(1 << 20)
            if not data:
                return total
            total += len(data)


def unix_client(path: Path) -> RawClient:
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(path))
    return RawClient(sock)


def tls_client(port: int, bundle: Path) -> RawClient:
    ctx = ssl.create_default_context(cafile=str(bundle / "ca.pem"))
    ctx.load_cert_chain(str(bundle / "cert.pem"), str(bundle / "key.pem"))
    sock = ctx.wrap_socket(
        socket.create_connection(("127.0.0.1", port)), server_hostname="127.0.0.1"
    )
    return RawClient(sock)


def latencies(client: RawClient, path: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        status, _ = client.request("GET", path)
        out.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    return out


def stream_rows(key: str, label: str, results: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """Proxied stream throughput as a share of the engine's, over each direct path."""
    proxied = results[f"{key}_proxy_MBps"]
    rows = []
    for direct, name in (
        ("direct", "the unix socket"),
        ("direct_tls", "the engine's TLS endpoint"),
    ):
        share = proxied / results[f"{key}_{direct}_MBps"]
        rows.append(
            (f"{label} vs {name}", f"{proxied:.0f} MB/s ({share:.0%})", "≥ 90%", share >= 0.9)
        )
    return rows


def best_of_interleaved(
    key: str, runs: dict[str, Callable[[], float]], rounds: int
) -> dict[str, float]:
    """The best throughput of each path over ``rounds`` rounds that run every path once
    in turn, so a slow spell of the shared machine hits all paths alike."""
    best = dict.fromkeys(runs, 0.0)
    for _ in range(rounds):
        for name, run in runs.items():
            best[name] = max(best[name], run())
    return {f"{key}_{name}_MBps": value for name, value in best.items()}


def interleaved_latencies(
    clients: dict[str, RawClient], path: str, rounds: int, paths: dict[str, str] | None = None
) -> dict[str, list[float]]:
    """``rounds`` requests per client, one per client in turn; ``paths``: a client's own
    request path, where it is not ``path``."""
    out: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(rounds):
        for name, client in clients.items():
            out[name] += latencies(client, (paths or {}).get(name, path), 1)
    return out


def narrowed(path: str, collection: str) -> str:
    """``path`` with the label filter Wharf adds for a user who sees only ``collection``."""
    filters = json.dumps({"label": [f"com.docker.ucp.access.label={collection}"]})
    return f"{path}&filters={quote(filters)}"


def engine_tls_files(into: Path) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as dockerd's
    ``--tlsverify`` and a client bundle expect them (ca.pem, cert.pem, key.pem)."""
    from wharf.control.pki import CertificateAuthority, new_key, private_key_pem

    into.mkdir(parents=True)
    ca = CertificateAuthority.create("bench engine CA")
    server_cert, server_key = ca.issue_server_cert([], ["127.0.0.1"])
    client_key = new_key()
    (into / "ca.pem").write_bytes(ca.ca_pem)
    (into / "server-cert.pem").write_bytes(server_cert)
    (into / "server-key.pem").write_bytes(server_key)
    (into / "cert.pem").write_bytes(ca.issue_client_cert(client_key.public_key(), "bench", 1))
    (into / "key.pem").write_bytes(private_key_pem(client_key))
    return into


def bundle_for(base: str, user: str, password: str, into: Path) -> Path:
    token = httpx.post(f"{base}/auth/login", json={"username": user, "password": password}).json()[
        "auth_token"
    ]
    data = httpx.post(
        f"{base}/api/clientbundle", headers={"Authorization": f"Bearer {token}"}
    ).content
    zip_path = into / f"{user}.zip"
    zip_path.write_bytes(data)
    target = into / user
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(target)
    return target


def create_containers(daemon: DockerDaemon, image: str, count: int, label: str) -> None:
    body = json.dumps(
        {
            "Image": image,
            "Cmd": ["true"],
            "Labels": {"com.docker.ucp.access.label": label},
            "HostConfig": {"NetworkMode": "none"},
        }
    ).encode()

    def make(_: int) -> None:
        client = unix_client(daemon.socket)
        status, text = client.request("POST", "/v1.41/containers/create", body)
        assert status == 201, text
        client.sock.close()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(make, range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--containers", type=int, default=5000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="wcb-"))
    port, docker_port, engine_tls_port = free_port(), free_port(), free_port()
    engine_bundle = engine_tls_files(work / "engine-tls")
    daemon = DockerDaemon.start(
        extra_args=[
            "-H", f"tcp://127.0.0.1:{engine_tls_port}",
            "--tlsverify",
            "--tlscacert", str(engine_bundle / "ca.pem"),
            "--tlscert", str(engine_bundle / "server-cert.pem"),
            "--tlskey", str(engine_bundle / "server-key.pem"),
        ]
    )  # fmt: skip
    proc = None
    try:
        image = build_images(daemon).base
        tools = "bench/busybox:1"  # every applet (yes, head, sleep) for the stream workloads
        import_busybox(daemon, tools)
        env = {**os.environ, "WHARF_ADMIN_PASSWORD": PASSWORD, "WHARF_ACCESS_LOG": "0"}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wharf",
                "up",
                "--data-dir",
                str(work / "data"),
                "--listen",
                f"127.0.0.1:{port}",
                "--docker-listen",
                f"127.0.0.1:{docker_port}",
                "--engine",
                f"unix://{daemon.socket}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(f"{base}/_ping").status_code == 200, 30, "wharf to start")
        admin_token = httpx.post(
            f"{base}/auth/login", json={"username": "admin", "password": PASSWORD}
        ).json()["auth_token"]
        httpx.post(
            f"{base}/accounts/",
            json={"name": "bench", "password": "bench-password"},
            headers={"Authorization": f"Bearer {admin_token}"},
        ).raise_for_status()
        admin = {"Authorization": f"Bearer {admin_token}"}
        # "team" sees its own private collection and, read-only, bench's: two collections.
        httpx.post(
            f"{base}/accounts/", json={"name": "team", "password": "team-password"}, headers=admin
        ).raise_for_status()
        shared = httpx.get(
            f"{base}/collectionByPath", params={"path": "/Shared/Private/bench"}, headers=admin
        ).json()["id"]
        httpx.put(
            f"{base}/collectionGrants/team/{shared}/viewonly", headers=admin
        ).raise_for_status()
        admin_bundle = bundle_for(base, "admin", PASSWORD, work)
        user_bundle = bundle_for(base, "bench", "bench-password", work)
        team_bundle = bundle_for(base, "team", "team-password", work)

        # 1. 100 containers: half the user's, half elsewhere.
        create_containers(daemon, image, 50, "/Shared/Private/bench")
        create_containers(daemon, image, 50, "/System")
        path = "/v1.41/containers/json?all=1"
        bench_only = narrowed(path, "/Shared/Private/bench")
        # Interleaved, one request per path per round, so a slow spell of the engine
        # weighs on every path alike.
        timed = interleaved_latencies(
            {
                "direct": unix_client(daemon.socket),
                "direct_tls": tls_client(engine_tls_port, engine_bundle),
                "direct_narrowed": unix_client(daemon.socket),
                "direct_tls_narrowed": tls_client(engine_tls_port, engine_bundle),
                "admin": tls_client(docker_port, admin_bundle),
                "user": tls_client(docker_port, user_bundle),
                "team": tls_client(docker_port, team_bundle),
            },
            path,
            300,
            {"direct_narrowed": bench_only, "direct_tls_narrowed": bench_only},
        )
        p50 = {name: statistics.median(values) for name, values in timed.items()}
        results = {
            "list100_direct_p50_ms": p50["direct"],
            "list100_direct_tls_p50_ms": p50["direct_tls"],
            "list100_direct_narrowed_p50_ms": p50["direct_narrowed"],
            "list100_direct_tls_narrowed_p50_ms": p50["direct_tls_narrowed"],
            "list100_admin_added_p50_ms": p50["admin"] - p50["direct"],
            "list100_admin_added_tls_p50_ms": p50["admin"] - p50["direct_tls"],
            "list100_user_added_p50_ms": p50["user"] - p50["direct_narrowed"],
            "list100_user_added_tls_p50_ms": p50["user"] - p50["direct_tls_narrowed"],
            "list100_team_added_p50_ms": p50["team"] - p50["direct"],
            "list100_team_added_tls_p50_ms": p50["team"] - p50["direct_tls"],
        }
        for who, bundle in (("user", user_bundle), ("team", team_bundle)):
            status, body = tls_client(docker_port, bundle).request("GET", path)
            results[f"list100_{who}_sees"] = len(json.loads(body))

        # 2. Streams: a container that wrote STREAM_BYTES of logs, and an exec that writes them.
        blob = json.dumps(
            {
                "Image": tools,
                "Cmd": [
                    "sh",
                    "-c",
                    f"yes abcdefghijklmnopqrstuvwxyz0123456789 | head -c {STREAM_BYTES}",
                ],
                "HostConfig": {"NetworkMode": "none"},
                "Labels": {"com.docker.ucp.access.label": "/Shared/Private/bench"},
            }
        ).encode()
        c = unix_client(daemon.socket)
        status, created = c.request("POST", "/v1.41/containers/create", blob)
        cid = json.loads(created)["Id"]
        c.request("POST", f"/v1.41/containers/{cid}/start")
        c.request("POST", f"/v1.41/containers/{cid}/wait")

        def logs(client: RawClient) -> float:
            start = time.perf_counter()
            n = client.stream_count(
                "GET", f"/v1.41/containers/{cid}/logs?stdout=1", b"", "Connection: close\r\n"
            )
            return n / (time.perf_counter() - start) / 1e6

        results.update(
            best_of_interleaved(
                "logs",
                {
                    "direct": lambda: logs(unix_client(daemon.socket)),
                    "direct_tls": lambda: logs(tls_client(engine_tls_port, engine_bundle)),
                    "proxy": lambda: logs(tls_client(docker_port, user_bundle)),
                },
                3,
            )
        )

        sleeper = json.dumps(
            {
                "Image": tools,
                "Cmd": ["sleep", "3600"],
                "HostConfig": {"NetworkMode": "none"},
                "Labels": {"com.docker.ucp.access.label": "/"},
            }
        ).encode()
        c = unix_client(daemon.socket)  # the earlier connection may have idled out
        _status, created = c.request("POST", "/v1.41/containers/create", sleeper)
        sid = json.loads(created)["Id"]
        c.request("POST", f"/v1.41/containers/{sid}/start")

        def exec_stream(client: RawClient) -> float:
            cmd = json.dumps(
                {
                    "Cmd": [
                        "sh",
                        "-c",
                        f"yes abcdefghijklmnopqrstuvwxyz0123456789 | head -c {STREAM_BYTES}",
                    ],
                    "AttachStdout": True,
                }
            ).encode()
            _status, made = client.request("POST", f"/v1.41/containers/{sid}/exec", cmd)
            eid = json.loads(made)["Id"]
            start = time.perf_counter()
            n = client.stream_count(
                "POST",
                f"/v1.41/exec/{eid}/start",
                json.dumps({"Detach": False}).encode(),
                "Connection: Upgrade\r\nUpgrade: tcp\r\n",
            )
            return n / (time.perf_counter() - start) / 1e6

        results.update(
            best_of_interleaved(
                "exec",
                {
                    "direct": lambda: exec_stream(unix_client(daemon.socket)),
                    "direct_tls": lambda: exec_stream(tls_client(engine_tls_port, engine_bundle)),
                    "proxy": lambda: exec_stream(tls_client(docker_port, admin_bundle)),
                },
                5,
            )
        )
        # 3. A big list, filtered for the user.
        more = args.containers - 100
        if more > 0:
            create_containers(daemon, image, more // 2, "/Shared/Private/bench")
            create_containers(daemon, image, more - more // 2, "/System")
        big = interleaved_latencies(
            {
                "direct": unix_client(daemon.socket),
                "direct_tls": tls_client(engine_tls_port, engine_bundle),
                "direct_tls_narrowed": tls_client(engine_tls_port, engine_bundle),
                "user": tls_client(docker_port, user_bundle),
                "team": tls_client(docker_port, team_bundle),
            },
            path,
            20,
            {"direct_tls_narrowed": bench_only},
        )
        for name, values in big.items():
            results[f"list_big_{name}_p50_ms"] = statistics.median(values)
        results["list_big_count"] = args.containers
        for who, bundle in (("user", user_bundle), ("team", team_bundle)):
            _status, body = tls_client(docker_port, bundle).request("GET", path)
            results[f"list_big_{who}_sees"] = len(json.loads(body))

    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        daemon.stop()
        shutil.rmtree(work, ignore_errors=True)

    def added(label: str, key: str) -> tuple[str, str, str, bool]:
        return (label, f"{results[key]:.2f} ms", "≤ 1 ms", results[key] <= 1)

    big_team_cost = results["list_big_team_p50_ms"] - results["list_big_direct_tls_p50_ms"]
    big_team_cost_unix = results["list_big_team_p50_ms"] - results["list_big_direct_p50_ms"]
    big_user_added = (
        results["list_big_user_p50_ms"] - results["list_big_direct_tls_narrowed_p50_ms"]
    )
    rows = [
        (
            "GET /containers/json, 100 containers, direct p50 (unix / the engine's own TLS "
            "endpoint)",
            f"{results['list100_direct_p50_ms']:.2f} / {results['list100_direct_tls_p50_ms']:.2f} ms",
            "",
            True,
        ),
        (
            "… the same list narrowed to one collection's label (50), direct p50 (unix / TLS)",
            f"{results['list100_direct_narrowed_p50_ms']:.2f} / "
            f"{results['list100_direct_tls_narrowed_p50_ms']:.2f} ms",
            "",
            True,
        ),
        added(
            "… through Wharf as admin: added p50 vs the engine's TLS endpoint",
            "list100_admin_added_tls_p50_ms",
        ),
        added(
            f"… through Wharf as a user who sees one collection ({results['list100_user_sees']} "
            "containers; the engine narrows): added p50 vs the engine's TLS endpoint asked the same",
            "list100_user_added_tls_p50_ms",
        ),
        added(
            f"… through Wharf as a user who sees two collections ({results['list100_team_sees']} "
            "containers; Wharf filters the 100): added p50 vs the engine's TLS endpoint",
            "list100_team_added_tls_p50_ms",
        ),
        added(
            "… through Wharf as admin: added p50 vs the unix socket",
            "list100_admin_added_p50_ms",
        ),
        added(
            "… through Wharf as the one-collection user: added p50 vs the unix socket asked the same",
            "list100_user_added_p50_ms",
        ),
        added(
            "… through Wharf as the two-collection user: added p50 vs the unix socket",
            "list100_team_added_p50_ms",
        ),
        (
            f"GET /containers/json, {results['list_big_count']:,} containers, direct p50 "
            "(unix / TLS)",
            f"{results['list_big_direct_p50_ms']:.1f} / "
            f"{results['list_big_direct_tls_p50_ms']:.1f} ms",
            "",
            True,
        ),
        (
            f"… through Wharf as the two-collection user, filtered by Wharf to "
            f"{results['list_big_team_sees']:,}, p50",
            f"{results['list_big_team_p50_ms']:.1f} ms",
            "",
            True,
        ),
        (
            "… Wharf's filtering cost: added p50 vs the engine's TLS endpoint",
            f"{big_team_cost:.1f} ms",
            "≤ 50 ms",
            big_team_cost <= 50,
        ),
        (
            "… Wharf's filtering cost: added p50 vs the unix socket",
            f"{big_team_cost_unix:.1f} ms",
            "≤ 50 ms",
            big_team_cost_unix <= 50,
        ),
        (
            f"… through Wharf as the one-collection user ({results['list_big_user_sees']:,}, the "
            "engine narrows): p50, and added vs the engine's TLS endpoint asked the same",
            f"{results['list_big_user_p50_ms']:.1f} ms, {big_user_added:+.1f} ms",
            "≤ 50 ms",
            big_user_added <= 50,
        ),
        (
            "logs stream, direct (unix / TLS)",
            f"{results['logs_direct_MBps']:.0f} / {results['logs_direct_tls_MBps']:.0f} MB/s",
            "",
            True,
        ),
        *stream_rows("logs", "logs stream through Wharf", results),
        (
            "exec stream, direct (unix / TLS)",
            f"{results['exec_direct_MBps']:.0f} / {results['exec_direct_tls_MBps']:.0f} MB/s",
            "",
            True,
        ),
        *stream_rows("exec", "exec stream through Wharf (hijacked)", results),
    ]
    table = "\n".join(
        [
            "| measurement | result | target | met |",
            "|---|---|---|---|",
            *[f"| {a} | {b} | {c} | {'yes' if ok else 'NO'} |" for a, b, c, ok in rows],
        ]
    )
    print(table)
    print(json.dumps(results, indent=1))
    if args.out:
        write_report(
            args.out,
            "# Control-plane performance\n\n"
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.node()} ({os.cpu_count()} CPUs) with "
            f"`python bench/control_bench.py --containers {args.containers}`: the engine (dockerd "
            "20.10) reached directly — over its unix socket, and over its own TLS endpoint "
            "(`--tlsverify`, the way a remote client reaches an engine) — against the same engine "
            "through Wharf's TLS endpoint with a client bundle, one keep-alive connection each, "
            "requests interleaved in the same run. The client is Python, so TLS costs the "
            "client as much as the servers: the TLS-to-TLS comparison is the like-for-like one; "
            "the unix-socket one adds the price of TLS itself. Latencies are medians; stream "
            "throughputs the best of several rounds that run every path in turn. Client, proxy "
            "and engine share the machine's two cores, and the stream figures swing by ±25 % "
            "from run to run.\n\n" + table + f"\n\n{MARKER}\n\n",
        )


if __name__ == "__main__":
    main()
