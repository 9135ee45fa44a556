"""Access-control benchmark: the authorization decision, the token endpoint, and the
cost of Basic authentication on /v2/.

    .venv/bin/python bench/access_bench.py [--out docs/performance-access.md]

1. ``decide()`` with 1,000 grants over 10,000 collections for a user in 50 teams
   (p50/p99 over 20,000 random questions) — target p50 <= 50 us.
2. ``GET /auth/token`` with Basic credentials already verified once (the argon2 result is
   cached), measured with wrk at concurrency 8 — target >= 1,000 tokens/s.
3. A manifest GET of a public repository with Basic credentials vs anonymously (with an
   anonymous token, the normal client flow), wrk at concurrency 8, three interleaved
   rounds of each (medians) — target: Basic within 10% of anonymous.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from wharf.access.decide import (
    AccessSnapshot,
    CollectionNode,
    GrantRef,
    Requester,
    RoleDef,
    decide,
)
from wharf.access.operations import Operation, SubOption
from wharf.access.roles import BUILTIN_ROLES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.common.procs import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-admin-password"


def bench_decide(
    collections: int = 10_000, grants: int = 1_000, teams: int = 50
) -> dict[str, float]:
    rng = random.Random(7)
    nodes = {"swarm": CollectionNode("swarm", "/", None)}
    ids = ["swarm"]
    for i in range(collections - 1):
        parent = ids[rng.randrange(len(ids))] if i > 50 else "swarm"
        cid = f"c{i}"
        nodes[cid] = CollectionNode(cid, f"{nodes[parent].path.rstrip('/')}/{cid}", parent)
        ids.append(cid)
    roles = {rid: RoleDef(rid, name, perms) for rid, (name, perms) in BUILTIN_ROLES.items()}
    subjects = [f"team{i}" for i in range(200)] + [f"user{i}" for i in range(500)]
    by_collection: dict[str, list[GrantRef]] = {}
    for _ in range(grants):
        g = GrantRef(rng.choice(subjects), "team", rng.choice(ids), rng.choice(list(roles)))
        by_collection.setdefault(g.collection_id, []).append(g)
    snapshot = AccessSnapshot(
        roles=roles,
        collections=nodes,
        by_path={n.path: n.id for n in nodes.values()},
        grants_by_collection={k: tuple(v) for k, v in by_collection.items()},
    )
    me = Requester(
        "user1", "user1", False, True, frozenset({"user1", *(f"team{i}" for i in range(teams))})
    )
    ops = list(Operation)
    questions = [
        (
            rng.choice(ops),
            frozenset({SubOption.HOST_BIND_MOUNTS}) if rng.random() < 0.2 else frozenset(),
            rng.choice(ids),
        )
        for _ in range(20_000)
    ]
    timings = []
    allowed = 0
    for op, subs, cid in questions:
        start = time.perf_counter_ns()
        decision = decide(me, op, subs, cid, snapshot)
        timings.append(time.perf_counter_ns() - start)
        allowed += decision.allowed
    timings.sort()
    depth = statistics.mean(len(snapshot.ancestors(c)) for c in ids)
    return {
        "p50_us": timings[len(timings) // 2] / 1000,
        "p99_us": timings[int(len(timings) * 0.99)] / 1000,
        "allowed_share": allowed / len(questions),
        "mean_depth": depth,
    }


def wrk(url: str, headers: dict[str, str], seconds: int = 8, connections: int = 8) -> float:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors for {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match[1])


def push_public_image(base: str, repo: str) -> None:
    auth = ("admin", PASSWORD)
    token = httpx.get(
        f"{base}/auth/token",
        params={"service": "wharf", "scope": f"repository:{repo}:pull,push"},
        auth=auth,
    ).json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    config = b'{"architecture":"amd64","os":"linux"}'
    import hashlib

    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    httpx.post(
        f"{base}/v2/{repo}/blobs/uploads/", params={"digest": digest}, content=config, headers=h
    ).raise_for_status()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": digest,
                "size": len(config),
            },
            "layers": [],
        }
    ).encode()
    httpx.put(
        f"{base}/v2/{repo}/manifests/latest",
        content=manifest,
        headers={**h, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
    ).raise_for_status()
    session = httpx.post(
        f"{base}/auth/login", json={"username": "admin", "password": PASSWORD}
    ).json()
    ns, name = repo.split("/")
    httpx.patch(
        f"{base}/api/v0/repositories/{ns}/{name}",
        json={"visibility": "public"},
        headers={"Authorization": f"Bearer {session['auth_token']}"},
    ).raise_for_status()


def bench_http() -> dict[str, float]:
    data = Path(tempfile.mkdtemp(prefix="wab-"))
    port = free_port()
    env = {**os.environ, "WHARF_ADMIN_PASSWORD": PASSWORD, "WHARF_ACCESS_LOG": "0"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wharf",
            "up",
            "--data-dir",
            str(data),
            "--listen",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{base}/_ping").status_code == 200, 30, "wharf to start")
        repo = "admin/public"
        push_public_image(base, repo)
        basic = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        token_url = f"{base}/auth/token?service=wharf&scope=repository:{repo}:pull"
        httpx.get(token_url, headers={"Authorization": basic}).raise_for_status()  # verify once
        tokens_per_s = wrk(token_url, {"Authorization": basic})
        anon = httpx.get(token_url).json()["token"]
        manifest = f"{base}/v2/{repo}/manifests/latest"
        # Interleaved rounds, median of each: the machine's noise hits both alike.
        anonymous_runs, basic_runs = [], []
        for _ in range(3):
            anonymous_runs.append(wrk(manifest, {"Authorization": f"Bearer {anon}"}, seconds=5))
            basic_runs.append(wrk(manifest, {"Authorization": basic}, seconds=5))
        anonymous = statistics.median(anonymous_runs)
        with_basic = statistics.median(basic_runs)
        return {
            "tokens_per_s": tokens_per_s,
            "anonymous_rps": anonymous,
            "basic_rps": with_basic,
            "basic_ratio": with_basic / anonymous,
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write a Markdown report here")
    args = parser.parse_args()
    d = bench_decide()
    h = bench_http()
    rows = [
        (
            "decide() p50, 1,000 grants / 10,000 collections / 50 teams",
            f"{d['p50_us']:.1f} µs",
            "≤ 50 µs",
            d["p50_us"] <= 50,
        ),
        ("decide() p99", f"{d['p99_us']:.1f} µs", "", True),
        (
            "GET /auth/token, Basic already verified, c=8",
            f"{h['tokens_per_s']:,.0f} tokens/s",
            "≥ 1,000/s",
            h["tokens_per_s"] >= 1000,
        ),
        ("manifest GET, anonymous token, c=8", f"{h['anonymous_rps']:,.0f} req/s", "", True),
        ("manifest GET, Basic credentials, c=8", f"{h['basic_rps']:,.0f} req/s", "", True),
        ("Basic / anonymous", f"{h['basic_ratio']:.2f}", "≥ 0.90", h["basic_ratio"] >= 0.9),
    ]
    lines = [
        "| measurement | result | target | met |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {'yes' if ok else 'NO'} |" for a, b, c, ok in rows],
    ]
    report = "\n".join(lines)
    print(report)
    if args.out:
        header = (
            "# Access-control performance\n\n"
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.node()} ({os.cpu_count()} CPUs), "
            f"Python {platform.python_version()}, with `bench/access_bench.py`. The wrk client and the "
            "server share the machine's cores. Mean collection depth in the decide() data set: "
            f"{d['mean_depth']:.1f}.\n\n"
        )
        args.out.write_text(header + report + "\n")


if __name__ == "__main__":
    main()
