"""Registry benchmark: Wharf against CNCF Distribution (Debian's ``docker-registry``).

Both servers run side by side on this machine, in one run, on free loopback ports with
their data under a temporary directory in /tmp. Every workload goes to the reference
first and then to Wharf, with ``sync`` in between so that neither pays for the other's
dirty pages, and every figure is reported as a ratio Wharf / reference from the same run.

The client speaks HTTP/1.1 over raw non-blocking sockets on uvloop (keep-alive, one
connection per worker, bodies sent from memoryviews of one pre-generated random buffer
and read into a reused buffer), so that it costs as little CPU as it can: client and
servers share the machine's cores. Digests are computed before a workload starts, never
inside the timed region.

Run ``python bench/registry_bench.py --help``; see bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import ctypes
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from fs_probe import create_times, describe  # bench/ is on sys.path when this script runs
from pagecache_probe import fill_with_clean_cache, meminfo_bytes, run_mode

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_BIN = "/usr/bin/docker-registry"
WRK_BIN = "/usr/bin/wrk"
SKOPEO_BIN = "/usr/bin/skopeo"
# How many times each blob is pulled per pull measurement: one pass is too short a
# window for a steady figure (see the big and mid pulls).
PULL_PASSES = 3
ADMIN_PASSWORD = "bench-admin-pw-1"
# Free memory left untouched when the page cache is filled before the workloads: room for
# the servers, the client and its data without reclaiming anything.
FILL_LEAVES_FREE = 4 * 1024 * 1024 * 1024
MiB = 1024 * 1024
GiB = 1024 * MiB
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
TOKEN_MAX_AGE = 250.0  # seconds; Wharf's tokens live 300 s
RECV_BUF = 4 * MiB
MARKER = "<!-- Everything below this line is kept when the benchmark rewrites this file. -->"


@dataclass(frozen=True)
class Profile:
    big_size: int
    big_chunk: int
    mid_count: int
    mid_size: int
    mid_chunk: int
    small_count: int
    small_size: int
    manifest_count: int
    wrk_seconds: int
    skopeo_layers: int
    skopeo_layer_size: int


FULL = Profile(
    big_size=GiB,
    big_chunk=8 * MiB,
    mid_count=64,
    mid_size=16 * MiB,
    mid_chunk=8 * MiB,
    small_count=2000,
    small_size=4096,
    manifest_count=2000,
    wrk_seconds=10,
    skopeo_layers=8,
    skopeo_layer_size=32 * MiB,
)
QUICK = Profile(
    big_size=64 * MiB,
    big_chunk=8 * MiB,
    mid_count=8,
    mid_size=16 * MiB,
    mid_chunk=8 * MiB,
    small_count=200,
    small_size=4096,
    manifest_count=200,
    wrk_seconds=2,
    skopeo_layers=2,
    skopeo_layer_size=4 * MiB,
)


# --------------------------------------------------------------------------------------
# A minimal HTTP/1.1 client on raw sockets
# --------------------------------------------------------------------------------------


class HTTPError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    nbytes: int


class Conn:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.sock: socket.socket | None = None
        self.rbuf = bytearray()
        self.scratch = bytearray(RECV_BUF)
        self.view = memoryview(self.scratch)
        self.loop = asyncio.get_running_loop()
        self.host_header = f"Host: {host}:{port}\r\n".encode()

    async def connect(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await self.loop.sock_connect(sock, (self.host, self.port))
        self.sock = sock
        self.rbuf.clear()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    async def request(
        self,
        method: str,
        target: str,
        headers: bytes = b"",
        body: bytes | memoryview | None = None,
        *,
        keep_body: bool = True,
        expect: int | tuple[int, ...] | None = None,
    ) -> Response:
        if self.sock is None:
            await self.connect()
        assert self.sock is not None
        length = 0 if body is None else len(body)
        head = b"".join(
            (
                f"{method} {target} HTTP/1.1\r\n".encode(),
                self.host_header,
                headers,
                b"Content-Length: %d\r\n\r\n" % length
                if method in ("PUT", "POST", "PATCH")
                else b"\r\n",
            )
        )
        sock = self.sock
        if body is None or length == 0:
            await self.loop.sock_sendall(sock, head)
        elif length <= 64 * 1024:
            await self.loop.sock_sendall(sock, head + bytes(body))
        else:
            await self.loop.sock_sendall(sock, head)
            await self.loop.sock_sendall(sock, body)
        resp = await self._read_response(method == "HEAD", keep_body)
        if resp.headers.get("connection", "").lower() == "close":
            self.close()
        if expect is not None:
            ok = (expect,) if isinstance(expect, int) else expect
            if resp.status not in ok:
                raise HTTPError(
                    f"{method} {target} -> {resp.status} (expected {ok}): {resp.body[:300]!r}"
                )
        return resp

    async def _fill(self) -> None:
        assert self.sock is not None
        n = await self.loop.sock_recv_into(self.sock, self.view)
        if n == 0:
            self.close()
            raise HTTPError("connection closed by server")
        self.rbuf += self.view[:n]

    async def _read_response(self, head_only: bool, keep_body: bool) -> Response:
        while True:
            end = self.rbuf.find(b"\r\n\r\n")
            if end >= 0:
                break
            await self._fill()
        lines = bytes(self.rbuf[:end]).decode("latin-1").split("\r\n")
        del self.rbuf[: end + 4]
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if head_only or status in (204, 304) or 100 <= status < 200:
            return Response(status, headers, b"", 0)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked()
            return Response(status, headers, body if keep_body else b"", len(body))
        if "content-length" in headers:
            length = int(headers["content-length"])
            body = await self._read_exact(length, keep_body)
            return Response(status, headers, body, length)
        # Read until close.
        chunks = bytearray(self.rbuf)
        self.rbuf.clear()
        with contextlib.suppress(HTTPError):
            while True:
                await self._fill()
                chunks += self.rbuf
                self.rbuf.clear()
        return Response(status, headers, bytes(chunks), len(chunks))

    async def _read_exact(self, length: int, keep: bool) -> bytes:
        take = min(len(self.rbuf), length)
        out = bytearray(self.rbuf[:take]) if keep else None
        del self.rbuf[:take]
        remaining = length - take
        assert self.sock is not None
        sock, view, loop = self.sock, self.view, self.loop
        while remaining:
            n = await loop.sock_recv_into(sock, view[: min(remaining, RECV_BUF)])
            if n == 0:
                self.close()
                raise HTTPError("connection closed in the middle of a body")
            if out is not None:
                out += view[:n]
            remaining -= n
        return bytes(out) if out is not None else b""

    async def _read_line(self) -> bytes:
        while True:
            i = self.rbuf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.rbuf[:i])
                del self.rbuf[: i + 2]
                return line
            await self._fill()

    async def _read_chunked(self) -> bytes:
        out = bytearray()
        while True:
            size = int((await self._read_line()).split(b";")[0], 16)
            if size == 0:
                while await self._read_line():
                    pass
                return bytes(out)
            out += await self._read_exact(size, True)
            await self._read_line()


def request_target(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def with_query(target: str, query: str) -> str:
    return target + ("&" if "?" in target else "?") + query


# --------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: the server gets SIGTERM if the benchmark itself is killed.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def process_tree_rss_kib(pid: int) -> int:
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process tree (live processes only)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def disk_read_mib() -> float:
    """MiB the whole machine has read from block devices (``pgpgin``, in KiB): a pull
    that reads from disk, not the page cache, shows here."""
    with open("/proc/vmstat") as f:
        for line in f:
            if line.startswith("pgpgin "):
                return int(line.split()[1]) / 1024
    return float("nan")


def client_cpu_seconds() -> float:
    """This process plus its waited-for children (wrk, skopeo)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class RSSSampler:
    """Samples a process tree's RSS every ``interval`` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        self.pid, self.interval = pid, interval
        self.baseline = process_tree_rss_kib(pid)
        self.peak = self.baseline
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, process_tree_rss_kib(self.pid))
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RSSSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, process_tree_rss_kib(self.pid))


@dataclass
class Server:
    name: str  # "wharf" or "reference"
    port: int
    data_dir: Path
    proc: subprocess.Popen[bytes] | None = None
    tokens: dict[str, tuple[float, bytes]] = field(default_factory=dict)
    host: str = "127.0.0.1"
    # For Wharf: the directory holding the ``wharf`` package to run (None: the installed one).
    source: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def authenticated(self) -> bool:
        return self.name == "wharf"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        log = open(self.data_dir.parent / f"{self.name}.log", "wb")  # noqa: SIM115
        if self.name == "wharf":
            env = dict(os.environ)
            env.update(
                WHARF_ADMIN_PASSWORD=ADMIN_PASSWORD,
                # Same logging as the reference: errors only, no access log.
                WHARF_LOG_LEVEL="error",
                WHARF_ACCESS_LOG="0",
            )
            if self.source is not None:
                env["PYTHONPATH"] = str(self.source)
            cmd = [
                sys.executable,
                "-m",
                "wharf",
                "up",
                "--data-dir",
                str(self.data_dir),
                "--listen",
                f"{self.host}:{self.port}",
            ]
        else:
            env = dict(os.environ)
            config = self.data_dir.parent / "reference.yml"
            config.write_text(
                "version: 0.1\n"
                "log:\n  level: error\n  accesslog:\n    disabled: true\n"
                "storage:\n"
                f"  filesystem:\n    rootdirectory: {self.data_dir}\n"
                "  delete:\n    enabled: true\n"
                "  cache:\n    blobdescriptor: inmemory\n"
                f"http:\n  addr: {self.host}:{self.port}\n"
            )
            cmd = [REFERENCE_BIN, "serve", str(config)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=_die_with_parent
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                tail = Path(log.name).read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{tail}")
            try:
                r = httpx.get(f"{self.base_url}/v2/", timeout=2)
                if r.status_code in (200, 401):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not come up; see {log.name}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    async def auth(self, repo: str) -> bytes:
        """The Authorization header line for ``repo`` (a cached pull,push token)."""
        if not self.authenticated:
            return b""
        cached = self.tokens.get(repo)
        if cached and time.monotonic() - cached[0] < TOKEN_MAX_AGE:
            return cached[1]
        return await self.refresh_token(repo)

    async def refresh_token(self, repo: str) -> bytes:
        basic = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode())
        conn = Conn(self.host, self.port)
        try:
            r = await conn.request(
                "GET",
                f"/auth/token?service=wharf&scope=repository:{repo}:pull,push",
                b"Authorization: Basic " + basic + b"\r\n",
                expect=200,
            )
        finally:
            conn.close()
        token = json.loads(r.body)["token"]
        line = f"Authorization: Bearer {token}\r\n".encode()
        self.tokens[repo] = (time.monotonic(), line)
        return line

    async def fresh_auth(self, repo: str) -> bytes:
        """Make sure the token for ``repo`` is young before a timed region starts."""
        if not self.authenticated:
            return b""
        cached = self.tokens.get(repo)
        if cached and time.monotonic() - cached[0] < 60:
            return cached[1]
        return await self.refresh_token(repo)


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


@dataclass
class Blob:
    digest: str
    data: memoryview

    @property
    def size(self) -> int:
        return len(self.data)


def random_buffer(size: int) -> bytearray:
    """``size`` random bytes: an AES-CTR keystream under a random key (several times
    faster than os.urandom here, and just as incompressible)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    encryptor = Cipher(algorithms.AES(os.urandom(32)), modes.CTR(os.urandom(16))).encryptor()
    buf = bytearray(size)
    view = memoryview(buf)
    step = 16 * MiB
    zeros = bytes(step)
    for off in range(0, size, step):
        n = min(step, size - off)
        view[off : off + n] = encryptor.update(zeros[:n])
    return buf


def sha256_digest(data: bytes | memoryview) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_set(buf: bytearray, count: int, size: int, stamp: int) -> list[Blob]:
    """``count`` blobs of ``size`` bytes laid over ``buf``, made distinct from every other
    set by writing ``stamp`` into their first bytes; digests computed here, untimed."""
    view = memoryview(buf)
    blobs = []
    for k in range(count):
        off = k * size
        buf[off : off + 16] = struct.pack(">QQ", stamp, k)
        blobs.append(Blob("", view[off : off + size]))
    for b in blobs:
        b.digest = sha256_digest(b.data)
    return blobs


def image_manifest(config: Blob, layer: Blob, annotation: str) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config.digest, "size": config.size},
            "layers": [{"mediaType": OCI_LAYER_TAR, "digest": layer.digest, "size": layer.size}],
            "annotations": {"org.example.bench": annotation},
        },
        separators=(",", ":"),
    ).encode()


def config_json(diff_ids: list[str]) -> bytes:
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": "registry_bench.py"} for _ in diff_ids],
        },
        separators=(",", ":"),
    ).encode()


# --------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------

OCTET = b"Content-Type: application/octet-stream\r\n"


async def push_monolithic(conn: Conn, server: Server, repo: str, blob: Blob) -> int:
    auth = await server.auth(repo)
    r = await conn.request("POST", f"/v2/{repo}/blobs/uploads/", auth, expect=202)
    target = with_query(request_target(r.headers["location"]), f"digest={blob.digest}")
    await conn.request("PUT", target, auth + OCTET, blob.data, expect=201)
    return blob.size


async def push_chunked(conn: Conn, server: Server, repo: str, blob: Blob, chunk: int) -> int:
    auth = await server.auth(repo)
    r = await conn.request("POST", f"/v2/{repo}/blobs/uploads/", auth, expect=202)
    target = request_target(r.headers["location"])
    for off in range(0, blob.size, chunk):
        end = min(off + chunk, blob.size)
        headers = auth + OCTET + f"Content-Range: {off}-{end - 1}\r\n".encode()
        r = await conn.request("PATCH", target, headers, blob.data[off:end], expect=202)
        target = request_target(r.headers["location"])
    await conn.request("PUT", with_query(target, f"digest={blob.digest}"), auth, expect=201)
    return blob.size


async def pull_blob(conn: Conn, server: Server, repo: str, blob: Blob) -> int:
    auth = await server.auth(repo)
    r = await conn.request(
        "GET", f"/v2/{repo}/blobs/{blob.digest}", auth, keep_body=False, expect=200
    )
    if r.nbytes != blob.size:
        raise HTTPError(f"GET blob {blob.digest}: {r.nbytes} bytes, expected {blob.size}")
    return r.nbytes


MANIFEST_ACCEPT = f"Accept: {OCI_MANIFEST}, {OCI_INDEX}\r\n".encode()


async def put_manifest(conn: Conn, server: Server, repo: str, tag: str, body: bytes) -> int:
    auth = await server.auth(repo)
    headers = auth + f"Content-Type: {OCI_MANIFEST}\r\n".encode()
    await conn.request("PUT", f"/v2/{repo}/manifests/{tag}", headers, body, expect=201)
    return len(body)


async def get_manifest(conn: Conn, server: Server, repo: str, tag: str, size: int) -> int:
    auth = await server.auth(repo)
    r = await conn.request(
        "GET", f"/v2/{repo}/manifests/{tag}", auth + MANIFEST_ACCEPT, keep_body=False, expect=200
    )
    if r.nbytes != size:
        raise HTTPError(f"GET manifest {tag}: {r.nbytes} bytes, expected {size}")
    return r.nbytes


async def run_parallel(
    server: Server, count: int, concurrency: int, op: Callable[[Conn, int], Awaitable[int]]
) -> tuple[float, int]:
    """Run ``op(conn, i)`` for i in range(count) on ``concurrency`` keep-alive
    connections; returns (seconds, bytes moved). Connections are opened before the clock
    starts."""
    conns = [Conn(server.host, server.port) for _ in range(concurrency)]
    await asyncio.gather(*(c.connect() for c in conns))
    items = iter(range(count))
    moved = 0

    async def worker(conn: Conn) -> None:
        nonlocal moved
        for i in items:
            n = await op(conn, i)  # not `moved += await ...`: that loses concurrent updates
            moved += n

    try:
        t0 = time.perf_counter()
        async with asyncio.timeout(900):
            await asyncio.gather(*(worker(c) for c in conns))
        elapsed = time.perf_counter() - t0
    finally:
        for c in conns:
            c.close()
    return elapsed, moved


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass
class Result:
    group: str
    workload: str
    concurrency: int
    unit: str  # "MiB/s" or "req/s"
    reference: float
    wharf: float
    target: str  # e.g. ">= 2x", ">= 3000 req/s", "" for none
    note: str = ""
    # CPU seconds spent during each server's run: {"reference": {"server": s, "client": s,
    # "wall": s, "disk_read_mib": MiB, "create_us": µs, "sync_s": s}, "wharf": {...}}
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    # Push workloads only: each server's figure in every round.
    rounds: dict[str, list[float]] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.wharf / self.reference if self.reference else float("nan")

    @property
    def met(self) -> bool | None:
        if not self.target:
            return None
        m = re.match(r">= ([\d.]+)x", self.target)
        if m:
            return self.ratio >= float(m.group(1))
        m = re.match(r">= ([\d,]+) req/s", self.target)
        if m:
            return self.wharf >= float(m.group(1).replace(",", ""))
        m = re.match(r"<= ([\d.]+) MiB", self.target)
        if m:
            return self.wharf <= float(m.group(1))
        return None


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.p = QUICK if args.quick else FULL
        if args.wrk_seconds:
            self.p = replace(self.p, wrk_seconds=args.wrk_seconds)
        self.workdir = Path(tempfile.mkdtemp(prefix="wb", dir="/tmp"))
        self.ref = Server("reference", free_port(), self.workdir / "ref")
        self.wharf = Server("wharf", free_port(), self.workdir / "wharf")
        self.wharf_version = wharf_version(args.wharf_rev)
        if args.wharf_rev:
            self.wharf.source = export_revision(args.wharf_rev, self.workdir / "wharf-src")
        self.servers = (
            (self.wharf, self.ref) if args.order == "wharf-first" else (self.ref, self.wharf)
        )
        self.results: list[Result] = []
        self.memory: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.stamp = 0
        self.profile_target: str | None = args.profile
        self.profiles: list[str] = []
        self.groups = set(args.groups.split(",")) if args.groups else None
        self.loadavg: dict[str, str] = {}

    def log(self, msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    def want(self, group: str) -> bool:
        return self.groups is None or group in self.groups

    def next_stamp(self) -> int:
        self.stamp += 1
        return self.stamp

    async def measure(
        self,
        group: str,
        workload: str,
        concurrency: int,
        unit: str,
        target: str,
        run: Callable[[Server], Awaitable[float]],
        note: str = "",
        prepare: Callable[[], None] | None = None,
    ) -> Result:
        """``run(server)`` returns the figure for one server.

        A push workload (``prepare`` makes fresh data for a round: a server must never
        be sent a blob it has) runs ``--rounds`` times: the servers in the order
        ``--order`` gives, then the other way round, and so on; each server's figure is
        the median of its rounds. This disk's speed drifts from one moment to the next,
        and the second server of a pair gets colder memory on this VM, so one turn each
        would leave a push ratio to the luck of the moment. The ``sync`` after each turn
        is timed: it flushes whatever that server left unflushed in the page cache."""
        rounds = self.args.rounds if prepare is not None else 1
        figures: dict[str, list[float]] = {s.name: [] for s in self.servers}
        cpu: dict[str, dict[str, float]] = {s.name: {} for s in self.servers}
        key = f"{group}/{workload}/c{concurrency}"
        for round_no in range(rounds):
            if prepare is not None and round_no:
                prepare()
            order = self.servers if round_no % 2 == 0 else self.servers[::-1]
            for server in order:
                figures[server.name].append(await self._turn(key, server, run, cpu))
        res = Result(
            group,
            workload,
            concurrency,
            unit,
            statistics.median(figures["reference"]),
            statistics.median(figures["wharf"]),
            target,
            note,
            cpu,
            figures if prepare is not None else {},
        )
        self.results.append(res)
        self.log(
            f"{group:9} {workload:34} c={concurrency}  ref {res.reference:10.1f} {unit}  "
            f"wharf {res.wharf:10.1f} {unit}  ratio {res.ratio:5.2f}  disk reads ref "
            f"{cpu['reference']['disk_read_mib']:.0f} / wharf {cpu['wharf']['disk_read_mib']:.0f} MiB"
            f"  file create ref {cpu['reference']['create_us']:.0f} / wharf "
            f"{cpu['wharf']['create_us']:.0f} us"
        )
        if prepare is not None:
            per_round = ", ".join(
                f"{r:.1f}/{w:.1f}"
                for r, w in zip(figures["reference"], figures["wharf"], strict=True)
            )
            self.log(
                f"{'':9} rounds ref/wharf {per_round}; sync after ref "
                f"{cpu['reference']['sync_s']:.2f} s, wharf {cpu['wharf']['sync_s']:.2f} s"
            )
        return res

    async def _turn(
        self,
        key: str,
        server: Server,
        run: Callable[[Server], Awaitable[float]],
        cpu: dict[str, dict[str, float]],
    ) -> float:
        """One server's turn at a workload; adds what it cost to ``cpu[server.name]``."""
        await asyncio.to_thread(os.sync)
        profiler = None
        if server is self.wharf and self.profile_target and re.search(self.profile_target, key):
            profiler = self.start_profiler(key)
        # What creating a file costs just now where this server stores (it depends on
        # recent deletions: see fs_probe), from 50 creations.
        create_us = statistics.median(create_times(server.data_dir.parent, 50))
        try:
            s0, c0 = process_tree_cpu_seconds(server.pid), client_cpu_seconds()
            m0, w0, d0 = machine_busy_seconds(), time.monotonic(), disk_read_mib()
            figure = await run(server)
            s1, c1 = process_tree_cpu_seconds(server.pid), client_cpu_seconds()
            m1, w1, d1 = machine_busy_seconds(), time.monotonic(), disk_read_mib()
            await asyncio.to_thread(os.sync)
            spent = {
                "sync_s": time.monotonic() - w1,
                "server": s1 - s0,
                "client": c1 - c0,
                "other": max(0.0, (m1 - m0) - (s1 - s0) - (c1 - c0)),
                "wall": w1 - w0,
                "disk_read_mib": d1 - d0,
            }
        finally:
            if profiler is not None:
                self.stop_profiler(profiler)
        totals = cpu[server.name]
        for name, value in spent.items():
            totals[name] = totals.get(name, 0.0) + value
        totals["create_us"] = max(totals.get("create_us", 0.0), create_us)
        return figure

    def refill(self, blobs: list[Blob], source: bytearray) -> None:
        """Replace ``blobs`` with as many new ones of the same size, cut from ``source``
        with a fresh stamp: data neither server has seen."""
        blobs[:] = blob_set(source, len(blobs), blobs[0].size, self.next_stamp())

    def start_profiler(self, key: str) -> tuple[subprocess.Popen[bytes], str]:
        out = REPO_ROOT / "bench" / "profiles"
        out.mkdir(exist_ok=True)
        path = out / (re.sub(r"[^A-Za-z0-9_.-]+", "_", key) + ".txt")
        proc = subprocess.Popen(
            [
                "py-spy",
                "record",
                "-p",
                str(self.wharf.pid),
                "-r",
                "200",
                "-f",
                "raw",
                "-o",
                str(path),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # let py-spy attach before the clock starts
        return proc, str(path)

    def stop_profiler(self, profiler: tuple[subprocess.Popen[bytes], str]) -> None:
        proc, path = profiler
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        self.profiles.append(path)
        self.log(f"profile written to {path}")

    # ---- workloads -------------------------------------------------------------------

    def fill_memory(self) -> None:
        """Start from a page cache that fills the memory, as on a server that has been up
        for a while (see ``fill_with_clean_cache`` and the analysis in
        docs/performance.md); ``--fresh-memory`` skips this."""
        filled, seconds = fill_with_clean_cache(
            self.workdir / "page-cache-filler", FILL_LEAVES_FREE
        )
        self.extra["memory_fill"] = {"gib": filled / GiB, "seconds": seconds}
        self.log(
            f"filled {filled / GiB:.1f} GiB of free memory with clean page cache in {seconds:.0f} s"
        )

    def note_load(self, when: str) -> None:
        with open("/proc/loadavg") as f:
            self.loadavg[when] = f.read().split()[0]

    async def run(self) -> None:
        self.note_load("at the start")
        if not self.args.fresh_memory:
            self.fill_memory()
        try:
            await self._run()
        finally:
            self.note_load("at the end")

    async def _run(self) -> None:
        p = self.p
        if self.want("big") or self.want("mid"):
            size = max(p.big_size, p.mid_count * p.mid_size)
            self.log(f"work dir {self.workdir}; generating {size // MiB} MiB of random data")
            buf = random_buffer(size)
            if self.want("big"):
                await self.big_blob(buf)
            if self.want("mid"):
                await self.mid_blobs(buf)
            del buf
        if self.want("small"):
            await self.small_blobs()
        if self.want("manifest"):
            await self.manifests()
        if self.want("skopeo"):
            await self.skopeo()

    async def big_blob(self, buf: bytearray) -> None:
        p = self.p
        repo = "admin/big"
        size_mib = p.big_size / MiB
        gib = p.big_size >= GiB
        label = f"{p.big_size // GiB} GiB blob" if gib else f"{p.big_size // MiB} MiB blob"
        monos = blob_set(buf, 1, p.big_size, self.next_stamp())  # one blob, new each round

        async def push(server: Server, blob: Blob, chunked: bool, mem_key: str) -> float:
            await server.fresh_auth(repo)
            with RSSSampler(server.pid) as rss:
                op = (
                    (lambda c, _i: push_chunked(c, server, repo, blob, p.big_chunk))
                    if chunked
                    else (lambda c, _i: push_monolithic(c, server, repo, blob))
                )
                secs, _ = await run_parallel(server, 1, 1, op)
            growth = (rss.peak - rss.baseline) / 1024
            seen = self.memory.setdefault(mem_key, {})
            if server.name not in seen or growth > seen[server.name]["delta_mib"]:
                seen[server.name] = {  # the round that grew most: the one that counts
                    "baseline_kib": rss.baseline,
                    "peak_kib": rss.peak,
                    "delta_mib": growth,
                    "samples": rss.samples,
                }
            return size_mib / secs

        await self.measure(
            "big",
            f"push {label}, monolithic",
            1,
            "MiB/s",
            ">= 2x",
            lambda s: push(s, monos[0], False, "monolithic"),
            prepare=partial(self.refill, monos, buf),
        )
        pulled = monos[0]
        chunked = Blob("", pulled.data)

        def fresh_chunked() -> None:
            # Same buffer, new stamp: a blob neither server has seen.
            buf[0:16] = struct.pack(">QQ", self.next_stamp(), 0)
            chunked.digest = sha256_digest(chunked.data)

        fresh_chunked()
        await self.measure(
            "big",
            f"push {label}, chunked ({p.big_chunk // MiB} MiB PATCHes)",
            1,
            "MiB/s",
            ">= 2x",
            lambda s: push(s, chunked, True, "chunked"),
            prepare=fresh_chunked,
        )

        async def pull(server: Server) -> float:
            # Several times: one pull of a gigabyte lasts about half a second here, too
            # short a window for a steady figure (single pulls gave 0.97x-1.13x).
            await server.fresh_auth(repo)
            secs, n = await run_parallel(
                server, PULL_PASSES, 1, lambda c, _i: pull_blob(c, server, repo, pulled)
            )
            return n / MiB / secs

        await self.measure("big", f"pull {label}, {PULL_PASSES} times", 1, "MiB/s", ">= 1.0x", pull)
        for key, mem in self.memory.items():
            self.results.append(
                Result(
                    "memory",
                    f"Wharf RSS growth during {label} push, {key}",
                    1,
                    "MiB",
                    mem["reference"]["delta_mib"],
                    mem["wharf"]["delta_mib"],
                    "<= 64 MiB",
                    note="reference column: docker-registry's own growth, for context",
                )
            )

    async def mid_blobs(self, buf: bytearray) -> None:
        p = self.p
        label = f"{p.mid_count} x {p.mid_size // MiB} MiB blobs"
        total_mib = p.mid_count * p.mid_size / MiB
        pulled: list[Blob] = []
        for chunked in (False, True):
            for conc in (1, 8):
                blobs = blob_set(buf, p.mid_count, p.mid_size, self.next_stamp())
                if not pulled:
                    pulled = [Blob(b.digest, b.data) for b in blobs]
                repo = f"admin/mid-{'ch' if chunked else 'mono'}-{conc}"

                async def push(
                    server: Server,
                    blobs: list[Blob] = blobs,
                    repo: str = repo,
                    chunked: bool = chunked,
                    conc: int = conc,
                ) -> float:
                    await server.fresh_auth(repo)

                    async def op(c: Conn, i: int) -> int:
                        if chunked:
                            return await push_chunked(c, server, repo, blobs[i], p.mid_chunk)
                        return await push_monolithic(c, server, repo, blobs[i])

                    secs, _ = await run_parallel(server, len(blobs), conc, op)
                    return total_mib / secs

                kind = f"chunked ({p.mid_chunk // MiB} MiB PATCHes)" if chunked else "monolithic"
                await self.measure(
                    "mid",
                    f"push {label}, {kind}",
                    conc,
                    "MiB/s",
                    ">= 2x",
                    push,
                    prepare=partial(self.refill, blobs, buf),
                )
                if not chunked and conc == 1:
                    await self.verify_blob(repo, blobs[0])
        pull_repo = "admin/mid-mono-1"
        for conc in (1, 8):

            async def pull(server: Server, conc: int = conc) -> float:
                # Every blob PULL_PASSES times, for the same reason as the big pull: one
                # pass over the set lasts half a second at c=8 (0.85x-1.48x from run to
                # run with the same code).
                await server.fresh_auth(pull_repo)
                secs, n = await run_parallel(
                    server,
                    len(pulled) * PULL_PASSES,
                    conc,
                    lambda c, i: pull_blob(c, server, pull_repo, pulled[i % len(pulled)]),
                )
                return n / MiB / secs

            await self.measure(
                "mid", f"pull {label}, {PULL_PASSES} times", conc, "MiB/s", ">= 1.0x", pull
            )

    async def verify_blob(self, repo: str, blob: Blob) -> None:
        """Untimed: both servers give back exactly the bytes that were pushed."""
        for server in self.servers:
            conn = Conn(server.host, server.port)
            try:
                r = await conn.request(
                    "GET", f"/v2/{repo}/blobs/{blob.digest}", await server.auth(repo), expect=200
                )
            finally:
                conn.close()
            if sha256_digest(r.body) != blob.digest:
                raise HTTPError(f"{server.name} returned different bytes for {blob.digest}")

    async def small_blobs(self) -> None:
        p = self.p
        label = f"{p.small_count} x {p.small_size // 1024} KiB blobs"
        data = random_buffer(2 * p.small_count * p.small_size)
        sets = {
            1: blob_set(data, p.small_count, p.small_size, self.next_stamp()),
        }
        rest = bytearray(data[p.small_count * p.small_size :])
        sets[8] = blob_set(rest, p.small_count, p.small_size, self.next_stamp())
        sources = {1: data, 8: rest}
        for conc in (1, 8):
            repo = f"admin/small-{conc}"
            blobs = sets[conc]

            async def push(
                server: Server, blobs: list[Blob] = blobs, repo: str = repo, conc: int = conc
            ) -> float:
                await server.fresh_auth(repo)
                secs, _ = await run_parallel(
                    server,
                    len(blobs),
                    conc,
                    lambda c, i: push_monolithic(c, server, repo, blobs[i]),
                )
                return len(blobs) / secs

            await self.measure(
                "small",
                f"push {label} (POST + PUT)",
                conc,
                "blobs/s",
                ">= 2x",
                push,
                prepare=partial(self.refill, blobs, sources[conc]),
            )
        for conc in (1, 8):
            repo = f"admin/small-{conc}"
            blobs = sets[conc]
            await self.verify_blob(repo, blobs[-1])

            async def pull(
                server: Server, blobs: list[Blob] = blobs, repo: str = repo, conc: int = conc
            ) -> float:
                await server.fresh_auth(repo)
                secs, _ = await run_parallel(
                    server, len(blobs), conc, lambda c, i: pull_blob(c, server, repo, blobs[i])
                )
                return len(blobs) / secs

            await self.measure("small", f"pull {label} (GET)", conc, "req/s", ">= 2x", pull)

    async def manifests(self) -> None:
        p = self.p
        repo = "admin/manifests"
        layer_data = random_buffer(4096)
        layer = Blob(sha256_digest(layer_data), memoryview(layer_data))
        cfg_bytes = config_json([layer.digest])
        config = Blob(sha256_digest(cfg_bytes), memoryview(cfg_bytes))
        for server in self.servers:
            conn = Conn(server.host, server.port)
            try:
                await push_monolithic(conn, server, repo, layer)
                await push_monolithic(conn, server, repo, config)
            finally:
                conn.close()
        bodies = {
            conc: [image_manifest(config, layer, f"c{conc}-{i}") for i in range(p.manifest_count)]
            for conc in (1, 8)
        }
        label = f"{p.manifest_count} manifests"
        for conc in (1, 8):

            async def push(server: Server, conc: int = conc) -> float:
                await server.fresh_auth(repo)
                secs, _ = await run_parallel(
                    server,
                    p.manifest_count,
                    conc,
                    lambda c, i: put_manifest(c, server, repo, f"c{conc}-{i}", bodies[conc][i]),
                )
                return p.manifest_count / secs

            await self.measure("manifest", f"push {label} (PUT by tag)", conc, "req/s", "", push)
        for conc in (1, 8):

            async def get(server: Server, conc: int = conc) -> float:
                await server.fresh_auth(repo)
                secs, _ = await run_parallel(
                    server,
                    p.manifest_count,
                    conc,
                    lambda c, i: get_manifest(
                        c, server, repo, f"c{conc}-{i}", len(bodies[conc][i])
                    ),
                )
                return p.manifest_count / secs

            await self.measure("manifest", f"get {label} by tag (GET)", conc, "req/s", ">= 2x", get)
        # Check the content round-trips, untimed.
        for server in self.servers:
            conn = Conn(server.host, server.port)
            try:
                r = await conn.request(
                    "GET",
                    f"/v2/{repo}/manifests/c8-0",
                    await server.auth(repo) + MANIFEST_ACCEPT,
                    expect=200,
                )
            finally:
                conn.close()
            if r.body != bodies[8][0]:
                raise HTTPError(f"{server.name} returned a different manifest for c8-0")

        async def wrk(server: Server) -> float:
            auth = (await server.fresh_auth(repo)).decode().strip()
            cmd = [WRK_BIN, "-t1", "-c8", f"-d{p.wrk_seconds}s", "-H", f"Accept: {OCI_MANIFEST}"]
            if auth:
                cmd += ["-H", auth]
            cmd.append(f"{server.base_url}/v2/{repo}/manifests/c8-0")
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            out = (await proc.communicate())[0].decode()
            if "Non-2xx" in out or "Socket errors" in out:
                raise RuntimeError(f"wrk against {server.name} saw errors:\n{out}")
            m = re.search(r"Requests/sec:\s+([\d.]+)", out)
            if not m:
                raise RuntimeError(f"cannot parse wrk output:\n{out}")
            self.extra.setdefault("wrk", {})[server.name] = out
            return float(m.group(1))

        await self.measure(
            "manifest",
            "get manifest by tag, wrk -t1 -c8 (one tag)",
            8,
            "req/s",
            ">= 3,000 req/s",
            wrk,
            note="target is absolute, on Wharf",
        )

    async def skopeo(self) -> None:
        p = self.p
        src = self.workdir / "oci-src"
        layout_image(src, p.skopeo_layers, p.skopeo_layer_size)
        policy = self.workdir / "policy.json"
        policy.write_text('{"default":[{"type":"insecureAcceptAnything"}]}')
        total_mib = p.skopeo_layers * p.skopeo_layer_size / MiB
        repo = "admin/skopeo"
        label = f"{p.skopeo_layers} x {p.skopeo_layer_size // MiB} MiB image"

        async def run_skopeo(args: list[str]) -> float:
            cmd = [SKOPEO_BIN, "--policy", str(policy), "copy", "--quiet", *args]
            t0 = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            out = (await proc.communicate())[0].decode()
            secs = time.perf_counter() - t0
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{out}")
            return secs

        def creds(server: Server, direction: str) -> list[str]:
            if not server.authenticated:
                return []
            return [f"--{direction}-creds", f"admin:{ADMIN_PASSWORD}"]

        async def push(server: Server) -> float:
            secs = await run_skopeo(
                [
                    "--dest-tls-verify=false",
                    *creds(server, "dest"),
                    f"oci:{src}:latest",
                    f"docker://{server.host}:{server.port}/{repo}:latest",
                ]
            )
            return total_mib / secs

        async def pull(server: Server) -> float:
            dest = self.workdir / f"oci-{server.name}"
            shutil.rmtree(dest, ignore_errors=True)
            secs = await run_skopeo(
                [
                    "--src-tls-verify=false",
                    *creds(server, "src"),
                    f"docker://{server.host}:{server.port}/{repo}:latest",
                    f"oci:{dest}:latest",
                ]
            )
            return total_mib / secs

        await self.measure(
            "skopeo",
            f"skopeo copy {label}: OCI layout -> registry",
            1,
            "MiB/s",
            "",
            push,
            note="wall time of the skopeo process",
        )
        await self.measure(
            "skopeo",
            f"skopeo copy {label}: registry -> OCI layout",
            1,
            "MiB/s",
            "",
            pull,
            note="wall time of the skopeo process",
        )


def layout_image(root: Path, layers: int, layer_size: int) -> None:
    """An OCI image layout with ``layers`` random uncompressed layers."""
    shutil.rmtree(root, ignore_errors=True)
    blobs_dir = root / "blobs" / "sha256"
    blobs_dir.mkdir(parents=True)

    def write_blob(data: bytes) -> str:
        digest = sha256_digest(data)
        (blobs_dir / digest.split(":", 1)[1]).write_bytes(data)
        return digest

    descs = []
    for _ in range(layers):
        data = bytes(random_buffer(layer_size))
        descs.append({"mediaType": OCI_LAYER_TAR, "digest": write_blob(data), "size": len(data)})
    cfg = config_json([d["digest"] for d in descs])
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": write_blob(cfg), "size": len(cfg)},
            "layers": descs,
        }
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": write_blob(manifest),
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": "latest"},
            }
        ],
    }
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (root / "index.json").write_text(json.dumps(index))


# --------------------------------------------------------------------------------------
# Environment and report
# --------------------------------------------------------------------------------------


def export_revision(rev: str, dest: Path) -> Path:
    """``git archive`` the ``src/`` of ``rev`` into ``dest``; returns the import root."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", rev, "src"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src"


def wharf_version(rev: str | None) -> str:
    git = ["git", "-C", str(REPO_ROOT)]
    if rev:
        sha = _cmd_output([*git, "rev-parse", "--short", rev])
        subject = _cmd_output([*git, "log", "-1", "--format=%s", rev])
        return f"git {sha} ({subject!r}), run from a `git archive` export (`--wharf-rev {rev}`)"
    head = _cmd_output([*git, "rev-parse", "--short", "HEAD"])
    dirty = _cmd_output([*git, "status", "--porcelain", "src"])
    return f"working tree at git {head}" + (" with uncommitted changes in src/" if dirty else "")


def _cmd_output(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def environment(wharf: str) -> dict[str, str]:
    mem_kib = meminfo_bytes("MemTotal") // 1024
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import granian
    import uvloop

    wrk_v = _cmd_output([WRK_BIN, "-v"]).splitlines()
    with tempfile.TemporaryDirectory(prefix="pcprobe", dir="/tmp") as tmp:
        fresh = statistics.median(run_mode(Path(tmp), "keep", 8, 256))
        reused = statistics.median(run_mode(Path(tmp), "reuse", 8, 256))
    return {
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wharf": wharf,
        "granian": granian.__version__,
        "uvloop": uvloop.__version__,
        "reference": _cmd_output([REFERENCE_BIN, "--version"]),
        "skopeo": _cmd_output([SKOPEO_BIN, "--version"]),
        "wrk": wrk_v[0] if wrk_v else "?",
        "pagecache_fresh": f"{fresh:,.0f}",
        "pagecache_reused": f"{reused:,.0f}",
        "filesystem": describe(Path(tempfile.gettempdir())),
    }


def fmt(x: float) -> str:
    if x != x:  # nan
        return "—"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:,.1f}"


def memory_fill_line(bench: Bench) -> str:
    fill = bench.extra.get("memory_fill")
    if fill is None:
        return (
            "- Memory: **not** filled first (`--fresh-memory`): pushes write into memory "
            "the machine has not used lately."
        )
    return (
        f"- Memory: before the workloads, {fill['gib']:.1f} GiB of free memory were filled "
        f"with clean page cache ({fill['seconds']:.0f} s; a sparse file read to the end: "
        "nothing written to the disk), so that both servers' pushes reuse memory the kernel "
        "reclaims, as on a server that has been up for a while, instead of memory the VM's "
        "host has taken back. `--fresh-memory` skips this; the analysis below gives "
        "figures both ways."
    )


ORDER_TEXT = {
    "ref-first": "the reference first, then on Wharf",
    "wharf-first": "Wharf first, then on the reference (`--order wharf-first`)",
}


def render_markdown(
    bench: Bench, env: dict[str, str], command: str, started: str, seconds: float
) -> str:
    lines = [
        "# Registry performance",
        "",
        "Wharf's registry against CNCF Distribution (Debian's `docker-registry`), both run by "
        "`bench/registry_bench.py` side by side on one machine in one run, over the plain "
        "HTTP API with the same workloads. Each ratio is Wharf / reference from that same run "
        "(higher is better for throughput; for memory the Wharf column is what counts).",
        "",
        f"- Date: {started} (run took {seconds / 60:.1f} min)",
        f"- Command: `{command}`",
        f"- Machine: {env['nproc']} cores ({env['cpu']}), {env['memory']} RAM, Linux "
        f"{env['kernel']}. **Client and both servers share these {env['nproc']} cores**, and "
        "only one server is under load at a time.",
        f"- Wharf: {env['wharf']}, Python {env['python']}, granian {env['granian']}, uvloop "
        f"{env['uvloop']}; `wharf up` (SQLite + filesystem), `WHARF_LOG_LEVEL=error`, "
        "`WHARF_ACCESS_LOG=0`.",
        f"- Reference: {env['reference']}; filesystem storage, delete enabled, "
        "`cache.blobdescriptor: inmemory` (as Debian ships it), log level error, access log off.",
        f"- Tools: {env['skopeo']}; {env['wrk']}.",
        f"- Page cache (`bench/pagecache_probe.py`, median of 8 x 256 MiB): writes into memory "
        f"not used before {env['pagecache_fresh']} MiB/s, into just-freed memory "
        f"{env['pagecache_reused']} MiB/s. On this VM, memory nobody has used lately goes back "
        "to the host, and the first write into it is a fault in the host: a cost per byte "
        "that both servers pay alike, which pushes every push ratio towards 1.0.",
        memory_fill_line(bench),
        f"- Filesystem (`bench/fs_probe.py`): {env['filesystem']}, at the start of the run. "
        "Without a journal, ext4 skips recently freed inodes when it allocates one, so a "
        "create gets slower after many deletions (each workload's log line shows the "
        "median just before each server's turn); every stored blob is a new file.",
        "- Auth: Wharf requests carry a Bearer token (one per repository, `pull,push`, from "
        "`/auth/token`, fetched outside the timed regions); **the reference runs without any "
        "auth**, so it does no token verification at all.",
        "- Client: Python, raw non-blocking sockets on uvloop, HTTP/1.1 keep-alive, one "
        "connection per concurrent worker; blob digests are computed before the clock starts. "
        f"Every workload runs on {ORDER_TEXT[bench.args.order]}, after `sync`. "
        + (
            f"Push workloads run {bench.args.rounds} rounds, each with new data, the order "
            "swapped every round; a server's figure is the median of its rounds (for two, "
            "their mean), and *Push rounds* below lists every round. "
            if bench.args.rounds > 1
            else ""
        )
        + "Data is random and different for every push workload (no deduplication "
        "shortcuts).",
        "- MiB/s counts blob bytes; blobs/s counts whole uploads (POST + PUT); req/s counts "
        "requests. Chunked pushes are POST, PATCHes with `Content-Range`, then PUT `?digest=`.",
        "",
        "## Results",
        "",
        "| Group | Workload | Conc. | Reference | Wharf | Wharf/ref | Target | Met |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in bench.results:
        met = {True: "yes", False: "**NO**", None: "—"}[r.met]
        if r.group == "memory":
            lines.append(
                f"| {r.group} | {r.workload} | {r.concurrency} | {fmt(r.reference)} {r.unit} | "
                f"{fmt(r.wharf)} {r.unit} | — | {r.target} | {met} |"
            )
            continue
        lines.append(
            f"| {r.group} | {r.workload} | {r.concurrency} | {fmt(r.reference)} {r.unit} | "
            f"{fmt(r.wharf)} {r.unit} | {r.ratio:.2f}x | {r.target or '—'} | {met} |"
        )
    timed = [r for r in bench.results if r.cpu]
    if timed:
        wall = sum(c["wall"] for r in timed for c in r.cpu.values())
        other = sum(c["other"] for r in timed for c in r.cpu.values())
        share = 100 * other / wall if wall else 0.0
        lines += [
            "",
            f"Other processes on the machine used {share:.0f}% of one core on average while "
            "the servers were under load (see *Where the CPU went*); "
            + (
                "the machine was quiet."
                if share < 10
                else "**the machine was shared, so absolute figures are lower and noisier than "
                "on an idle machine**; both servers ran in the same conditions workload by "
                "workload, which is why only same-run ratios are reported."
            ),
        ]
    if bench.loadavg:
        lines += [
            "",
            "Load average (1 min) on the machine: "
            + ", ".join(f"{k} {v}" for k, v in bench.loadavg.items())
            + ".",
        ]
    missed = [r for r in bench.results if r.met is False]
    lines += ["", "## Targets", ""]
    if missed:
        lines.append(
            f"{len(missed)} of {sum(r.met is not None for r in bench.results)} "
            "measured targets are **missed** in this run:"
        )
        lines.append("")
        for r in missed:
            what = (
                f"{fmt(r.wharf)} {r.unit}"
                if r.group == "memory" or "req/s" in r.target
                else f"{r.ratio:.2f}x"
            )
            lines.append(f"- {r.workload} (c={r.concurrency}): {what}, target {r.target}")
    else:
        lines.append("Every measured target is met in this run.")
    lines += rounds_section(bench.results)
    timed = [r for r in bench.results if r.cpu]
    if timed:
        lines += [
            "",
            "## Where the CPU went",
            "",
            "CPU used while each server was under load, in % of one core (the machine has "
            f"{env['nproc']}, so {100 * int(env['nproc'])}% is all of it), as server / client / "
            "other. *Client* is the benchmark process plus the tool it ran (wrk, skopeo); "
            "*other* is whatever else ran on the machine meanwhile (the machine is shared; "
            "it includes kernel work not charged to a process, such as writeback). A server "
            "well below what the others leave free is waiting on something (the disk, a lock) "
            "rather than on the CPU.",
            "",
            "| Workload | Conc. | Reference | Wharf |",
            "| --- | ---: | ---: | ---: |",
        ]
        for r in timed:
            cells = []
            for name in ("reference", "wharf"):
                c = r.cpu[name]
                wall = c["wall"] or float("nan")
                cells.append(
                    " / ".join(f"{100 * c[k] / wall:.0f}%" for k in ("server", "client", "other"))
                )
            lines.append(f"| {r.workload} | {r.concurrency} | {cells[0]} | {cells[1]} |")
    mem = bench.memory
    if mem:
        lines += ["", "RSS samples (VmRSS of the server process tree, every 10 ms):", ""]
        for key, per in mem.items():
            for name, m in per.items():
                lines.append(
                    f"- {key} push, {name}: baseline {m['baseline_kib'] / 1024:.1f} MiB, peak "
                    f"{m['peak_kib'] / 1024:.1f} MiB, growth {m['delta_mib']:.1f} MiB "
                    f"({m['samples']} samples)"
                )
    lines += ["", MARKER, ""]
    return "\n".join(lines)


def rounds_section(results: list[Result]) -> list[str]:
    """Every round of every push workload, and the ``sync`` after each server's turns."""
    pushes = [r for r in results if r.rounds]
    if not pushes:
        return []
    lines = [
        "",
        "## Push rounds",
        "",
        "Each server's figure above is the median of these rounds (for two, their mean); "
        "the first round runs in the order the header names, the next the other way "
        "round. Both servers flush every blob before answering `201`: Wharf with "
        "`fdatasync` as the bytes arrive and at the end, then rename and `fsync` of the "
        "directory; the reference `fsync`s each file it writes (the data, and its link, "
        "`startedat` and hash-state files) but no directory. The `sync` the benchmark runs "
        "after every turn (timed here, total over the rounds) confirms that neither leaves "
        "a push's bytes unflushed in the page cache.",
        "",
        "| Workload | Conc. | Reference, each round | Wharf, each round | Ratio, each round | "
        "`sync` after ref / Wharf |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in pushes:
        ref, wharf = r.rounds["reference"], r.rounds["wharf"]
        lines.append(
            f"| {r.workload} | {r.concurrency} | {', '.join(fmt(x) for x in ref)} {r.unit} | "
            f"{', '.join(fmt(x) for x in wharf)} {r.unit} | "
            f"{', '.join(f'{w / f:.2f}x' for f, w in zip(ref, wharf, strict=True))} | "
            f"{r.cpu['reference']['sync_s']:.2f} / {r.cpu['wharf']['sync_s']:.2f} s |"
        )
    return lines


def write_report(path: Path, text: str) -> None:
    kept = ""
    if path.exists():
        old = path.read_text()
        if MARKER in old:
            kept = old.split(MARKER, 1)[1].lstrip("\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + kept)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run (about a minute)")
    ap.add_argument(
        "--out",
        type=Path,
        help="write the markdown report here "
        "(e.g. docs/performance.md); text after the keep-marker is preserved",
    )
    ap.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="PATH",
        help="write results as JSON to PATH (stdout if no PATH)",
    )
    ap.add_argument("--groups", help="comma-separated subset of: big,mid,small,manifest,skopeo")
    ap.add_argument(
        "--profile",
        metavar="REGEX",
        help="run py-spy on Wharf during the workloads whose group/name/cN key "
        "matches REGEX (re.search); raw output goes to bench/profiles/",
    )
    ap.add_argument("--wrk-seconds", type=int, help="override how long each wrk run lasts")
    ap.add_argument(
        "--wharf-rev",
        metavar="REV",
        help="benchmark this committed revision of Wharf (exported with git "
        "archive) instead of the working tree's src/",
    )
    ap.add_argument(
        "--order",
        choices=("ref-first", "wharf-first"),
        default="ref-first",
        help="which server gets each workload first",
    )
    ap.add_argument(
        "--rounds",
        type=positive_int,
        default=2,
        help="turns each server gets at every push workload, alternating which goes "
        "first; the figure is the median (default 2)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    ap.add_argument(
        "--fresh-memory",
        action="store_true",
        help="do not fill free memory with clean page cache first: pushes then write into "
        "memory the machine has not used (on this VM, memory its host has taken back)",
    )
    args = ap.parse_args(argv)

    for tool in (REFERENCE_BIN, WRK_BIN, SKOPEO_BIN):
        if not Path(tool).exists():
            print(f"missing {tool}", file=sys.stderr)
            return 2
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        uvloop = None

    def _terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds through the finally that stops the servers

    signal.signal(signal.SIGTERM, _terminate)
    bench = Bench(args)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.monotonic()
    env = environment(bench.wharf_version)
    failed = True
    try:
        try:
            for server in bench.servers:
                server.start()
                bench.log(f"{server.name} up on {server.base_url} (pid {server.pid})")
            if uvloop is not None:
                uvloop.run(bench.run())
            else:
                asyncio.run(bench.run())
        except BaseException:
            for server in bench.servers:
                state = "running" if server.proc and server.proc.poll() is None else "exited"
                code = server.proc.returncode if server.proc else None
                log = bench.workdir / f"{server.name}.log"
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                bench.log(f"{server.name}: {state} (code {code}); log tail:\n{tail}")
            raise
        finally:
            for server in bench.servers:
                server.stop()
        failed = False
        seconds = time.monotonic() - t0
        argv_text = " ".join(sys.argv[1:] if argv is None else argv)
        command = f"python bench/registry_bench.py {argv_text}".strip()
        report = render_markdown(bench, env, command, started, seconds)
        if args.out:
            write_report(args.out, report)
            bench.log(f"report written to {args.out}")
        else:
            print(report)
        if args.json:
            payload = {
                "date": started,
                "seconds": seconds,
                "command": command,
                "environment": env,
                "results": [{**r.__dict__, "ratio": r.ratio, "met": r.met} for r in bench.results],
                "memory": bench.memory,
                "memory_fill": bench.extra.get("memory_fill"),
                "profiles": bench.profiles,
            }
            text = json.dumps(payload, indent=2)
            if args.json == "-":
                print(text)
            else:
                Path(args.json).write_text(text + "\n")
    finally:
        if args.keep or failed:
            bench.log(f"kept {bench.workdir} (server logs, data)")
        else:
            bench.log(f"removing {bench.workdir}")
            shutil.rmtree(bench.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
