"""What the filesystem under the benchmark's data directories is, and what creating a
file on it costs right now.

Every blob a registry stores is a new file, so the cost of creating one is part of every
small push. On ext4 *without a journal* (as this machine's root filesystem is) that cost
depends on recent history: the inode allocator skips inodes freed in the last minute or
more (``recently_deleted`` in fs/ext4/ialloc.c, consulted only without a journal) and
reads inode table blocks to find them, so after many deletions (earlier runs' data,
test suites) a create can take a millisecond instead of microseconds. Both servers pay
it; the reference creates several files and directories per blob, Wharf one.

    python bench/fs_probe.py [--dir /tmp] [--files 400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def mount_of(path: Path) -> tuple[str, str, str]:
    """(device, mount point, filesystem type) of the mount holding ``path``."""
    path = path.resolve()
    best = ("?", "/", "?")
    with open("/proc/mounts") as f:
        for line in f:
            device, point, fstype = line.split()[:3]
            if (path == Path(point) or Path(point) in path.parents) and len(point) >= len(best[1]):
                best = (device, point, fstype)
    return best


def has_journal(device: str, fstype: str) -> bool | None:
    """Whether an ext4 filesystem keeps a journal (None: not ext4, or unknown)."""
    if fstype != "ext4":
        return None
    task = Path("/sys/fs/ext4") / os.path.basename(device) / "journal_task"
    try:
        return task.read_text().strip() != "<none>"
    except OSError:
        return None


def create_times(directory: Path, files: int) -> list[float]:
    """Microseconds each of ``files`` creations of an empty file took (then removed)."""
    times = []
    with tempfile.TemporaryDirectory(prefix="fsprobe", dir=directory) as tmp:
        for i in range(files):
            t0 = time.perf_counter()
            os.close(os.open(f"{tmp}/{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            times.append((time.perf_counter() - t0) * 1e6)
    return times


def describe(directory: Path, files: int = 400) -> str:
    device, point, fstype = mount_of(directory)
    journal = has_journal(device, fstype)
    kind = fstype if journal is None else f"{fstype}, {'with' if journal else '**no**'} journal"
    times = create_times(directory, files)
    p90 = statistics.quantiles(times, n=10)[-1]
    return (
        f"{kind} ({device} on {point}); creating an empty file took "
        f"{statistics.median(times):,.0f} us (median of {files}; p90 {p90:,.0f} us)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp"))
    ap.add_argument("--files", type=int, default=400)
    args = ap.parse_args()
    print(describe(args.dir, args.files))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
