"""podman as a registry client (it pushes and pulls here; it cannot run containers on
this machine): pull the image docker pushed, tag it, push it to a new repository."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from subprocess import CompletedProcess

import pytest

from tests.common.dockerd import DockerPush
from tests.common.procs import run, short_tmpdir
from tests.common.registry import expect, get_manifest, pull_and_verify
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration


@pytest.fixture
def podman() -> Iterator[Callable[..., CompletedProcess[str]]]:
    """podman with private storage (vfs: no overlay mounts to leave behind)."""
    binary = shutil.which("podman")
    if binary is None:
        pytest.skip("podman is not installed")
    # Short paths: podman refuses a runroot longer than 50 characters.
    top = short_tmpdir("wtpm-")
    root, runroot, tmp = top / "root", top / "run", top / "tmp"
    tmp.mkdir()
    (top / "auth.json").write_text('{"auths": {}}')
    base = [
        binary, "--root", str(root), "--runroot", str(runroot), "--storage-driver", "vfs",
        "--cgroup-manager", "cgroupfs", "--events-backend", "none",
    ]  # fmt: skip
    env = {
        "REGISTRY_AUTH_FILE": str(top / "auth.json"),
        "XDG_RUNTIME_DIR": str(runroot),
        "TMPDIR": str(tmp),
    }

    def podman(*args: str, check: bool = True) -> CompletedProcess[str]:
        return run([*base, *args], env=env, check=check, timeout=180)

    try:
        yield podman
    finally:
        podman("system", "reset", "--force", check=False)
        shutil.rmtree(top, ignore_errors=True)


def test_pull_tag_push_to_new_repository(
    podman: Callable[..., CompletedProcess[str]], docker_pushed: DockerPush, registry: WharfServer
) -> None:
    creds = "{}:{}".format(*registry.admin)
    pulled = podman("pull", "--tls-verify=false", "--creds", creds, docker_pushed.reference)
    image_id = pulled.stdout.strip().splitlines()[-1]
    inspect = json.loads(podman("image", "inspect", docker_pushed.reference).stdout)[0]
    assert inspect["Digest"] == docker_pushed.digest
    assert inspect["Id"] == image_id

    new_reference = f"{registry.host}/admin/from-podman:copy"
    podman("tag", docker_pushed.reference, new_reference)
    podman("push", "--tls-verify=false", "--creds", creds, new_reference)

    with registry.client() as client:
        tags = expect(client.get("/v2/admin/from-podman/tags/list"), 200).json()
        assert tags["tags"] == ["copy"]
        pushed = pull_and_verify(client, "admin/from-podman", "copy")
        original = expect(
            get_manifest(client, docker_pushed.repository, docker_pushed.digest), 200
        ).json()
        # The same image: identical config (podman may recompress layers, never the config).
        assert pushed["config"]["digest"] == original["config"]["digest"]
        assert len(pushed["layers"]) == len(original["layers"])

    # And podman pulls its own push back.
    podman("rmi", "-f", image_id)
    again = podman("pull", "--tls-verify=false", "--creds", creds, new_reference)
    assert again.stdout.strip().splitlines()[-1] == image_id


def test_pull_with_wrong_credentials_fails(
    podman: Callable[..., CompletedProcess[str]], docker_pushed: DockerPush, registry: WharfServer
) -> None:
    result = podman(
        "pull", "--tls-verify=false", "--creds", "admin:wrong", docker_pushed.reference, check=False
    )
    assert result.returncode != 0
    assert "unauthorized" in result.stderr.lower() or "authentication" in result.stderr.lower(), (
        result.stderr
    )
