"""How fast this machine copies written bytes into the page cache, by where the memory
comes from.

A registry keeps every blob it receives, so each push writes into page-cache memory
nobody has used for a while. On an ordinary machine that costs no more than a copy into
reused memory. On a VM whose free memory goes back to the hypervisor (virtio-balloon
free page reporting) or is proactively paged out (DAMON), the first touch of such
memory is a fault in the host, and the copy runs several times slower. This probe
measures both cases on the same machine, in one run, so that benchmark figures for
pushes can be read against it:

- ``keep``: each round writes a new file and keeps it (the page cache grows, as in a
  registry);
- ``reuse``: each round deletes its file afterwards, so the next round's pages are the
  ones just freed.

Each round writes ``--mib`` MiB with 1 MiB ``write`` calls (only the writes are timed),
then ``fdatasync``s and ``sync``s, so dirty-page throttling does not enter the figure.

    python bench/pagecache_probe.py --rounds 12 --mib 256
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

MiB = 1024 * 1024


def write_round(path: Path, block: bytes, mib: int) -> float:
    """MiB/s of the ``write`` calls of one round."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        t0 = time.perf_counter()
        for _ in range(mib):
            os.write(fd, block)
        elapsed = time.perf_counter() - t0
        os.fdatasync(fd)
    finally:
        os.close(fd)
    return mib / elapsed


def run_mode(directory: Path, mode: str, rounds: int, mib: int) -> list[float]:
    block = os.urandom(MiB)
    figures = []
    paths = []
    try:
        for i in range(rounds):
            os.sync()
            path = directory / f"{mode}-{i}"
            paths.append(path)
            figures.append(write_round(path, block, mib))
            if mode == "reuse":
                path.unlink()
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
    return figures


def meminfo_bytes(field: str) -> int:
    """A ``/proc/meminfo`` figure (``MemTotal``, ``MemFree``...) in bytes; 0 if absent."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    return 0


def fill_with_clean_cache(path: Path, leave_free: int) -> tuple[int, float]:
    """Fill the machine's free memory, all but ``leave_free`` bytes, with clean page cache:
    a sparse file at ``path`` (kept; the caller removes it), read to the end. Reading a
    hole puts zeroed pages in the page cache without writing anything to the disk, and
    clean pages are what the kernel reclaims first when a server's writes need memory.
    So every page-cache write after this reuses memory, as on a server that has been up
    for a while, instead of memory the VM's host has taken back. Returns (bytes cached,
    seconds)."""
    size = meminfo_bytes("MemFree") - leave_free
    if size <= 0:
        return 0, 0.0
    buffer = bytearray(8 * MiB)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.ftruncate(fd, size)
        t0 = time.perf_counter()
        while os.readv(fd, [buffer]):
            pass
        return size, time.perf_counter() - t0
    finally:
        os.close(fd)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--mib", type=int, default=256, help="MiB written per round")
    ap.add_argument("--dir", type=Path, default=Path("/tmp"), help="where to write")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pcprobe", dir=args.dir) as tmp:
        for mode in ("keep", "reuse"):
            figures = run_mode(Path(tmp), mode, args.rounds, args.mib)
            rounds = " ".join(f"{f:.0f}" for f in figures)
            print(f"{mode:5}  median {statistics.median(figures):6.0f} MiB/s   rounds: {rounds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
