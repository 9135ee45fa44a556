"""Where new objects land: a user's default collection when nothing says otherwise, one
collection for a whole stack, never a collection that does not exist, and never one
where the user has no rights."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.control.conftest import ACCESS_LABEL, IMAGE, ControlPlane, User, unique

pytestmark = pytest.mark.integration

STACK = """\
version: "3.8"
services:
  web:
    image: wharf-test/busybox:1
    command: ["sleep", "3600"]
    secrets: [token]
    volumes:
      - data:/data
    deploy:
      endpoint_mode: dnsrr
secrets:
  token:
    file: ./token.txt
volumes:
  data: {}
"""


def _deploy(user: User, directory: Path, stack: str, env: dict[str, str] | None = None) -> None:
    (directory / "stack.yml").write_text(STACK)
    (directory / "token.txt").write_text("t0ken\n")
    user.bundle.ok(
        "stack", "deploy", "--detach=true", "--resolve-image", "never", "-c", "stack.yml", stack,
        cwd=directory, env=env,
    )  # fmt: skip


def _stack_collections(control: ControlPlane, stack: str) -> dict[str, str | None]:
    return {
        "service": control.collection_label("service", f"{stack}_web"),
        "network": control.collection_label("network", f"{stack}_default"),
        "secret": control.collection_label("secret", f"{stack}_token"),
    }


def test_default_collection_and_stacks(
    control: ControlPlane, new_user: Callable[..., User], tmp_path: Path
) -> None:
    user: User = new_user("col")
    service = unique("svc")
    user.bundle.ok(
        "service", "create", "--detach", "--name", service, "--no-resolve-image", IMAGE,
        "sleep", "3600",
    )  # fmt: skip
    spec = json.loads(control.admin.ok("service", "inspect", service))[0]["Spec"]
    assert spec["Labels"][ACCESS_LABEL] == user.private
    assert spec["TaskTemplate"]["ContainerSpec"]["Labels"][ACCESS_LABEL] == user.private
    # Placed on the /Shared pool: the highest collection where the user may schedule.
    assert spec["TaskTemplate"]["Placement"]["Constraints"] == [
        "node.labels.com.docker.ucp.collection.shared==true"
    ]

    # A stack without labels: every object in the user's default collection.
    stack = unique("st")
    _deploy(user, tmp_path, stack)
    assert _stack_collections(control, stack) == {
        "service": user.private,
        "network": user.private,
        "secret": user.private,
    }

    # A stack sent with X-Wharf-Collection (the docker CLI's HttpHeaders setting): all in
    # that collection.
    team = control.create_collection(unique("team"), "/Shared")
    control.grant(user.name, team["path"], "restrictedcontrol")
    config = Path(user.bundle.env["DOCKER_CONFIG"]) / "config.json"
    config.write_text(json.dumps({"HttpHeaders": {"X-Wharf-Collection": team["path"]}}))
    try:
        other = unique("st")
        _deploy(user, tmp_path, other)
    finally:
        config.unlink()
    assert _stack_collections(control, other) == {
        "service": team["path"],
        "network": team["path"],
        "secret": team["path"],
    }


def test_named_volumes_land_in_the_collection(
    control: ControlPlane, new_user: Callable[..., User]
) -> None:
    """Volumes the engine creates for a container's or a service's mounts carry the
    collection label, so their owner sees them and can use them again."""
    user: User = new_user("vol")
    by_v, by_mount, by_service = unique("v"), unique("m"), unique("sv")
    user.bundle.ok(
        "run", "--rm", "--network", "none", "-v", f"{by_v}:/data", IMAGE,
        "sh", "-c", "echo kept > /data/file",
    )  # fmt: skip
    user.bundle.ok(
        "run", "--rm", "--network", "none", "--mount", f"type=volume,src={by_mount},dst=/data",
        IMAGE, "true",
    )  # fmt: skip
    assert control.collection_label("volume", by_v) == user.private
    assert control.collection_label("volume", by_mount) == user.private
    volumes = user.bundle.ok("volume", "ls", "--format", "{{.Name}}").split()
    assert {by_v, by_mount} <= set(volumes)
    # The same volume again: its data is there.
    out = user.bundle.ok("run", "--rm", "--network", "none", "-v", f"{by_v}:/data", IMAGE,
                         "cat", "/data/file")  # fmt: skip
    assert out.strip() == "kept"

    service = unique("s")
    user.bundle.ok(
        "service", "create", "--detach", "--name", service,
        "--mount", f"type=volume,src={by_service},dst=/data",
        "--no-resolve-image", IMAGE, "sleep", "3600",
    )  # fmt: skip
    spec = json.loads(control.engine("service", "inspect", service))[0]["Spec"]
    (mount,) = spec["TaskTemplate"]["ContainerSpec"]["Mounts"]
    assert mount["VolumeOptions"]["Labels"][ACCESS_LABEL] == user.private


def test_refused_collections(control: ControlPlane, new_user: Callable[..., User]) -> None:
    user: User = new_user("ref")
    missing = "/Shared/" + unique("nowhere")
    name = unique("s")
    rc, _, err = user.bundle.docker(
        "service", "create", "--detach", "--name", name, "--label", f"{ACCESS_LABEL}={missing}",
        "--no-resolve-image", IMAGE, "sleep", "3600",
    )  # fmt: skip
    assert rc != 0
    assert f"collection {missing} does not exist" in err, err
    rc, _, err = user.bundle.docker(
        "network", "create", "--driver", "overlay", "--label", f"{ACCESS_LABEL}={missing}", name
    )
    assert rc != 0 and f"collection {missing} does not exist" in err, err

    # Moving a service to a collection where the user has no rights.
    user.bundle.ok(
        "service", "create", "--detach", "--name", name, "--no-resolve-image", IMAGE,
        "sleep", "3600",
    )  # fmt: skip
    elsewhere = control.create_collection(unique("else"), "/Shared")["path"]
    for target in (elsewhere, "/System"):
        rc, _, err = user.bundle.docker(
            "service", "update", "--detach", "--label-add", f"{ACCESS_LABEL}={target}", name
        )
        assert rc != 0
        assert f"access denied: Service Update on {target}" in err, err
        assert control.collection_label("service", name) == user.private
    # Creating there is refused the same way.
    rc, _, err = user.bundle.docker(
        "service", "create", "--detach", "--name", unique("s"), "--label",
        f"{ACCESS_LABEL}={elsewhere}", "--no-resolve-image", IMAGE, "sleep", "3600",
    )  # fmt: skip
    assert rc != 0 and f"access denied: Service Create on {elsewhere}" in err, err
    # With rights on both ends the move is allowed.
    control.grant(user.name, elsewhere, "restrictedcontrol")
    user.bundle.ok("service", "update", "--detach", "--label-add", f"{ACCESS_LABEL}={elsewhere}",
                   name)  # fmt: skip
    spec = json.loads(control.engine("service", "inspect", name))[0]["Spec"]
    assert spec["Labels"][ACCESS_LABEL] == elsewhere
    assert spec["TaskTemplate"]["ContainerSpec"]["Labels"][ACCESS_LABEL] == elsewhere
