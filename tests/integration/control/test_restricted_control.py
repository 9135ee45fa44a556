"""Restricted Control (every user's role on their private collection) refuses whatever
reaches the node — each refusal names the missing operation or sub-option — and Full
Control on the same collection allows it."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import httpx
import pytest

from tests.integration.control.conftest import IMAGE, ControlPlane, User, unique

pytestmark = pytest.mark.integration

BIND_STACK = """\
version: "3.8"
services:
  app:
    image: wharf-test/busybox:1
    command: ["sleep", "3600"]
    volumes:
      - /etc:/x:ro
    deploy:
      endpoint_mode: dnsrr
"""


# (docker run options, expected words in the refusal, what the engine then holds)
CONTAINER_CASES = [
    (
        ["--network", "none", "--privileged"],
        "Container Create [Privileged]",
        "{{.HostConfig.Privileged}}",
        "true",
    ),
    (
        ["--network", "none", "-v", "/:/host"],
        "Container Create [Host Bind Mounts]",
        "{{json .HostConfig.Binds}}",
        '["/:/host"]',
    ),
    (
        ["--network", "none", "--mount", "type=bind,src=/,dst=/host"],
        "Container Create [Host Bind Mounts]",
        "{{range .HostConfig.Mounts}}{{.Type}} {{.Source}}{{end}}",
        "bind /",
    ),
    (
        ["--network", "none", "--cap-add", "NET_ADMIN"],
        "Container Create [Additional Kernel Capabilities]",
        "{{json .HostConfig.CapAdd}}",
        '["CAP_NET_ADMIN"]',
    ),
    (
        ["--network", "none", "--pid", "host"],
        "Container Create [PID Mode]",
        "{{.HostConfig.PidMode}}",
        "host",
    ),
    (
        ["--network", "host"],
        "Container Create [Host Networking Mode]",
        "{{.HostConfig.NetworkMode}}",
        "host",
    ),
]


@pytest.fixture
def user(control: ControlPlane) -> User:
    """A fresh user: Restricted Control on their private collection."""
    return control.new_user("rc")


def _own_workloads(user: User) -> tuple[str, str]:
    container, service = unique("c"), unique("s")
    user.bundle.ok("run", "-d", "--name", container, "--network", "none", IMAGE, "sleep", "3600")
    user.bundle.ok(
        "service", "create", "--detach", "--name", service,
        "--no-resolve-image", IMAGE, "sleep", "3600",
    )  # fmt: skip
    return container, service


def _refused(user: User, args: list[str], words: str, cwd: Path | None = None) -> None:
    rc, out, err = user.bundle.docker(*args, cwd=cwd)
    assert rc != 0, f"docker {' '.join(args)} was allowed:\n{out}\n{err}"
    assert f"access denied: {words} on {user.private}" in err, err


def _allowed(user: User, args: list[str], cwd: Path | None = None) -> str:
    rc, out, err = user.bundle.docker(*args, cwd=cwd)
    assert rc == 0, f"docker {' '.join(args)} failed ({rc}):\n{out}\n{err}"
    return out


def test_restricted_control_refuses_and_full_control_allows(
    control: ControlPlane, user: User, tmp_path: Path
) -> None:
    container, service = _own_workloads(user)
    (tmp_path / "stack.yml").write_text(BIND_STACK)
    stack = unique("st")
    volume = unique("v")

    # -- Restricted Control ------------------------------------------------------------
    for options, words, _, _ in CONTAINER_CASES:
        _refused(user, ["run", "--rm", *options, IMAGE, "true"], words)
    _refused(user, ["exec", container, "true"], "Container Exec")
    _refused(
        user,
        ["service", "update", "--detach", "--mount-add", "type=bind,src=/etc,dst=/x", service],
        "Service Update [Host Bind Mounts]",
    )
    _refused(
        user,
        ["stack", "deploy", "--detach=true", "--resolve-image", "never", "-c", "stack.yml", stack],
        "Service Create [Host Bind Mounts]",
        cwd=tmp_path,
    )
    assert not control.engine("service", "ls", "-q", "--filter", f"name={stack}_app").strip()
    _refused(
        user,
        ["volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=/", volume],
        "Volume Create/Attach [Local Driver Options]",
    )
    assert volume not in control.engine("volume", "ls", "--format", "{{.Name}}").split()
    # The service was not changed by the refused update.
    spec = json.loads(control.engine("service", "inspect", service))[0]["Spec"]
    assert not spec["TaskTemplate"]["ContainerSpec"].get("Mounts")

    # -- Full Control --------------------------------------------------------------------
    control.grant(user.name, user.private, "fullcontrol")
    # Created, not run: whether this engine can then start a privileged container (in
    # a container itself, it may lack the capabilities) is not the control plane's part.
    for options, _, template, expected in CONTAINER_CASES:
        created = _allowed(user, ["create", *options, IMAGE, "true"]).strip()
        assert control.engine("inspect", "--format", template, created).strip() == expected
        control.engine("rm", created)
    assert _allowed(user, ["exec", container, "echo", "exec-ok"]).strip() == "exec-ok"
    _allowed(
        user,
        ["service", "update", "--detach", "--mount-add", "type=bind,src=/etc,dst=/x,ro", service],
    )
    spec = json.loads(control.engine("service", "inspect", service))[0]["Spec"]
    mounts = spec["TaskTemplate"]["ContainerSpec"]["Mounts"]
    assert [(m["Type"], m["Source"], m["Target"]) for m in mounts] == [("bind", "/etc", "/x")]
    _allowed(
        user,
        ["stack", "deploy", "--detach=true", "--resolve-image", "never", "-c", "stack.yml", stack],
        cwd=tmp_path,
    )
    assert control.collection_label("service", f"{stack}_app") == user.private
    device = tmp_path / "device"
    device.mkdir()
    _allowed(
        user,
        ["volume", "create", "-o", "type=none", "-o", "o=bind", "-o", f"device={device}", volume],
    )
    assert control.collection_label("volume", volume) == user.private


def test_service_networking_modes(control: ControlPlane, user: User) -> None:
    """``docker service create --network host`` names the swarm's predefined host network
    by id: it is Host Networking Mode on the service's collection, which Restricted
    Control lacks and Full Control has (not a network in ``/`` that is "not found")."""
    name = unique("hn")
    args = [
        "service", "create", "--detach", "--name", name, "--network", "host",
        "--no-resolve-image", IMAGE, "sleep", "3600",
    ]  # fmt: skip
    _refused(user, args, "Service Create [Host Networking Mode]")
    control.grant(user.name, user.private, "fullcontrol")
    _allowed(user, args)
    networks = json.loads(control.engine("service", "inspect", name))[0]["Spec"]["TaskTemplate"]
    host_id = control.engine("network", "inspect", "--format", "{{.Id}}", "host").strip()
    swarm_host = [n["Target"] for n in networks["Networks"]]
    assert len(swarm_host) == 1 and swarm_host[0] != host_id  # the swarm's id for it


def test_security_options(control: ControlPlane, user: User, tmp_path: Path) -> None:
    """A seccomp profile of the caller's may allow every syscall, as ``unconfined`` does
    (here it lets a Restricted Control user create user namespaces, which Docker's own
    profile forbids): like ``unconfined``, it takes the Privileged sub-option. So do
    another AppArmor profile and another SELinux domain; ``no-new-privileges`` does not."""
    profile = tmp_path / "allow-all.json"
    profile.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW"}))
    for option in (f"seccomp={profile}", "seccomp=unconfined", "apparmor=unconfined",
                   "apparmor=some-host-profile", "label=type:spc_t", "label=disable"):  # fmt: skip
        _refused(
            user,
            ["run", "--rm", "--network", "none", "--security-opt", option, IMAGE, "true"],
            "Container Create [Privileged]",
        )
    out = _allowed(
        user,
        ["run", "--rm", "--network", "none", "--security-opt", "no-new-privileges", IMAGE,
         "sh", "-c", "grep NoNewPrivs /proc/self/status"],
    )  # fmt: skip
    assert out.split() == ["NoNewPrivs:", "1"]

    # The same through the API for a service (the CLI has no flag for it).
    bundle = user.bundle
    host = bundle.env["DOCKER_HOST"].replace("tcp://", "https://")
    spec = {
        "Name": unique("sec"),
        "TaskTemplate": {
            "ContainerSpec": {
                "Image": IMAGE,
                "Command": ["sleep", "3600"],
                "Privileges": {"Seccomp": {"Mode": "custom", "Profile": profile.read_text()}},
            }
        },
    }
    tls = ssl.create_default_context(cafile=str(bundle.directory / "ca.pem"))
    tls.load_cert_chain(bundle.directory / "cert.pem", bundle.directory / "key.pem")
    with httpx.Client(base_url=host, verify=tls) as client:
        response = client.post("/v1.41/services/create", json=spec)
    assert response.status_code == 403, response.text
    assert response.json()["message"] == (
        f"access denied: Service Create [Additional Kernel Capabilities] on {user.private}"
    )

    control.grant(user.name, user.private, "fullcontrol")
    created = _allowed(
        user, ["create", "--network", "none", "--security-opt", f"seccomp={profile}", IMAGE]
    ).strip()
    control.engine("rm", created)
