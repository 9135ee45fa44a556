"""Summarise a ``py-spy record -f raw`` profile of the Wharf server.

Each line of a raw profile is ``frame;frame;...;frame COUNT`` (outermost first), a frame
being ``function (file:line)``. Samples are split into the event-loop side (everything not
rooted in ``Thread._bootstrap``: the loop and the app code granian drives) and worker
threads (anyio's thread pool: ``to_thread`` calls). For each side it prints the share of
that side's samples per innermost function ("self"; with ``--lines``, per innermost
``function:line`` and its caller), and, for the loop side, the share per function anywhere
on the stack ("total"). ``run (uvloop)`` / ``Runner.run`` as innermost frame is the loop
waiting for work; a blocking call in C (``os.fsync``, sqlite3, hashlib, file writes) is
charged to the Python frame that made it.

    python bench/pyspy_summary.py bench/profiles/<file>.txt [--top 20] [--lines]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r"^(.*) (\d+)$")


def _short(frame: str, with_line: bool) -> str:
    """``fn (path/to/file.py:123)`` -> ``fn (file.py)`` or ``fn (file.py:123)``."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path, _, line = where.rpartition(":") if ":" in where else (where, "", "")
    base = path.rsplit("/", 1)[-1]
    return f"{name} ({base}:{line})" if with_line and line else f"{name} ({base})"


def summarise(path: Path, top: int, lines: bool) -> str:
    loop_self: Counter[str] = Counter()
    loop_total: Counter[str] = Counter()
    worker_self: Counter[str] = Counter()
    n_loop = n_worker = 0
    for raw in path.read_text().splitlines():
        m = _LINE.match(raw.strip())
        if not m:
            continue
        frames = [f for f in m.group(1).split(";") if f]
        count = int(m.group(2))
        if not frames:
            continue
        if lines:
            leaf = " <- ".join(_short(f, True) for f in reversed(frames[-2:]))
        else:
            leaf = _short(frames[-1], False)
        if frames[0].startswith("Thread._bootstrap"):
            n_worker += count
            worker_self[leaf] += count
            continue
        n_loop += count
        loop_self[leaf] += count
        for fn in {_short(f, False) for f in frames}:
            loop_total[fn] += count
    out = [
        f"{n_loop + n_worker} samples: event loop side {n_loop}, worker threads {n_worker}",
        "",
        "event loop, self% (of event-loop samples)",
    ]
    out += (
        [f"{100 * n / n_loop:5.1f}  {f}" for f, n in loop_self.most_common(top)] if n_loop else []
    )
    out += ["", "event loop, total% (function anywhere on the stack)"]
    out += (
        [f"{100 * n / n_loop:5.1f}  {f}" for f, n in loop_total.most_common(top)] if n_loop else []
    )
    out += ["", "worker threads, self% (of worker samples)"]
    out += (
        [f"{100 * n / n_worker:5.1f}  {f}" for f, n in worker_self.most_common(top // 2)]
        if n_worker
        else []
    )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("profile", type=Path)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--lines", action="store_true", help="innermost function:line and caller")
    args = ap.parse_args()
    print(summarise(args.profile, args.top, args.lines))


if __name__ == "__main__":
    main()
