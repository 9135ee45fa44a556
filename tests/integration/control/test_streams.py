"""Streaming and hijacked connections through the control plane: followed logs, exec
with stdin and under a terminal, attach, ``run -i``, ``cp`` both ways, events, stats,
and a build of a small context."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.common.procs import wait_for
from tests.integration.control.conftest import (
    ACCESS_LABEL,
    IMAGE,
    ControlPlane,
    User,
    run_script,
    unique,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def owner(control: ControlPlane) -> User:
    """A user with Full Control on their private collection (exec needs it)."""
    user = control.new_user("str")
    control.grant(user.name, user.private, "fullcontrol")
    return user


@pytest.fixture(scope="module")
def sleeper(owner: User) -> str:
    name = unique("sl")
    owner.bundle.ok("run", "-d", "--name", name, "--network", "none", IMAGE, "sleep", "3600")
    return name


def _read_lines(proc: subprocess.Popen[str], count: int, timeout: float) -> list[str]:
    """Up to ``count`` lines of the process's output; the process is killed if they do
    not come within ``timeout`` seconds (so a stuck stream fails the test, not hangs it)."""
    assert proc.stdout is not None
    lines: list[str] = []
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    try:
        while len(lines) < count:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
    finally:
        watchdog.cancel()
    return lines


def test_logs_follow(owner: User) -> None:
    name = unique("tick")
    owner.bundle.ok(
        "run", "-d", "--name", name, "--network", "none", IMAGE,
        "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done",
    )  # fmt: skip
    follow = owner.bundle.popen("logs", "-f", name, stdin=subprocess.DEVNULL)
    try:
        lines = _read_lines(follow, 5, timeout=30)
        assert lines == [f"tick {i}" for i in range(5)], lines
        assert follow.poll() is None  # still following
    finally:
        follow.kill()
        follow.wait(10)
        owner.bundle.docker("rm", "-f", name)


def test_exec_with_stdin(owner: User, sleeper: str) -> None:
    rc, out, err = owner.bundle.docker(
        "exec", "-i", sleeper, "sh", "-c", "tr a-z A-Z; echo done", input="hello\nworld\n"
    )
    assert rc == 0, err
    assert out.split() == ["HELLO", "WORLD", "done"]


def test_exec_under_a_terminal(owner: User, sleeper: str) -> None:
    out = run_script(f"docker exec -it {sleeper} sh -c 'echo hi; tty'", owner.bundle.environ())
    # (``script`` echoes its own stdin's end as ``^@``, with or without Wharf between.)
    lines = [line.replace("^@", "").strip() for line in out.splitlines()]
    lines = [line for line in lines if line]
    assert lines[0] == "hi", out
    assert lines[1].startswith("/dev/pts/"), out


def test_attach_and_run_interactive(owner: User) -> None:
    # docker run -i: stdin round trip, the container exits at stdin's end.
    rc, out, err = owner.bundle.docker(
        "run", "-i", "--rm", "--network", "none", IMAGE, "sh", "-c", "while read l; do echo got $l; done",
        input="one\ntwo\n",
    )  # fmt: skip
    assert rc == 0, err
    assert out.splitlines() == ["got one", "got two"]

    # docker attach to a running container: what we type comes back.
    name = unique("att")
    owner.bundle.ok(
        "run", "-d", "-i", "--name", name, "--network", "none", IMAGE,
        "sh", "-c", 'while read l; do [ "$l" = quit ] && exit 3; echo echo:$l; done',
    )  # fmt: skip
    attach = owner.bundle.popen("attach", name)
    try:
        assert attach.stdin is not None and attach.stdout is not None
        for word in ("alpha", "beta"):
            attach.stdin.write(word + "\n")
            attach.stdin.flush()
            assert _read_lines(attach, 1, timeout=20) == [f"echo:{word}"]
        attach.stdin.write("quit\n")  # the container exits, and attach with its code
        attach.stdin.flush()
        assert attach.wait(30) == 3
    finally:
        if attach.poll() is None:
            attach.kill()
            attach.wait(10)
    state = owner.bundle.ok("inspect", "--format", "{{.State.Status}}", name).strip()
    assert state == "exited"


def test_cp_both_ways(owner: User, sleeper: str, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("copied in\n")
    owner.bundle.ok("cp", str(source), f"{sleeper}:/tmp/in.txt")
    assert owner.bundle.ok("exec", sleeper, "cat", "/tmp/in.txt") == "copied in\n"
    owner.bundle.ok("exec", sleeper, "sh", "-c", "mkdir -p /tmp/out && echo back > /tmp/out/f")
    owner.bundle.ok("cp", f"{sleeper}:/tmp/out", str(tmp_path / "out"))
    assert (tmp_path / "out" / "f").read_text() == "back\n"


def test_events_are_filtered(control: ControlPlane, new_user: Callable[..., User]) -> None:
    user: User = new_user("ev")
    since = int(time.time()) - 1
    mine, theirs = unique("evm"), unique("evs")
    user.bundle.ok("run", "--rm", "--name", mine, "--network", "none", IMAGE, "true")
    control.admin.ok(
        "run", "--rm", "--name", theirs, "--network", "none",
        "--label", f"{ACCESS_LABEL}=/System", IMAGE, "true",
    )  # fmt: skip
    until = int(time.time()) + 1
    time.sleep(1.2)  # --until is in whole seconds
    fmt = "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"
    window = ["events", "--since", str(since), "--until", str(until), "--format", fmt]
    seen = user.bundle.ok(*window, timeout=30).splitlines()
    assert f"container start {mine}" in seen and f"container destroy {mine}" in seen, seen
    assert not [line for line in seen if theirs in line], seen
    assert not [line for line in seen if not line.startswith("container ")], seen
    everything = control.admin.ok(*window, timeout=30).splitlines()
    assert f"container start {theirs}" in everything and f"container start {mine}" in everything


def test_stats_no_stream(control: ControlPlane, owner: User, sleeper: str) -> None:
    hidden = unique("hid")
    control.admin.ok(
        "run", "-d", "--name", hidden, "--network", "none",
        "--label", f"{ACCESS_LABEL}=/System", IMAGE, "sleep", "3600",
    )  # fmt: skip
    out = owner.bundle.ok("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", timeout=60)
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert sleeper in names, out
    assert hidden not in names, out
    out = owner.bundle.ok("stats", "--no-stream", "--format", "{{.Name}}", sleeper, timeout=60)
    assert out.split() == [sleeper]
    rc, _, err = owner.bundle.docker("stats", "--no-stream", hidden, timeout=60)
    assert rc != 0 and "No such container" in err, err


def test_admin_builds_an_image(control: ControlPlane, tmp_path: Path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    (context / "greeting.txt").write_text("built through wharf\n")
    (context / "Dockerfile").write_text(
        f"FROM {IMAGE}\nRUN echo step-ran > /ran.txt\nCOPY greeting.txt /greeting.txt\n"
    )
    tag = f"wharf-test/built-{unique('b')}:1"
    out = control.admin.ok(
        "build", "--network", "none", "-t", tag, str(context), env={"DOCKER_BUILDKIT": "0"}
    )
    assert f"Successfully tagged {tag}" in out, out
    shown = control.engine(
        "run", "--rm", "--network", "none", tag, "cat", "/ran.txt", "/greeting.txt"
    )
    assert shown.splitlines() == ["step-ran", "built through wharf"]


def _close_wait(port: int) -> int:
    """Connections on local ``port`` whose peer has closed but that are still held open
    here (CLOSE_WAIT)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "08" and int(fields[1].rsplit(":", 1)[1], 16) == port:
            count += 1
    return count


def test_abandoned_streams_are_let_go(control: ControlPlane, owner: User, sleeper: str) -> None:
    """A client that leaves a silent followed stream (``logs -f`` of a quiet container,
    ``events`` with nothing to show) frees its connection, and the engine's, at once —
    not at the stream's next write, which may never come."""
    for args in (["logs", "-f", sleeper], ["events", "--filter", f"container={sleeper}"]):
        for _ in range(3):
            follower = owner.bundle.popen(*args, stdin=subprocess.DEVNULL)
            time.sleep(1)
            assert follower.poll() is None, follower.communicate()
            follower.kill()
            follower.wait(10)
    wait_for(
        lambda: _close_wait(control.docker_port) == 0,
        10,
        "the control plane to close the connections of clients that left",
    )
