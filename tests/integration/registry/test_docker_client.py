"""The Docker engine as a registry client: login, push of a multi-layer built image,
cross-repository mount on a second push, pull after removal, and running the pulled
image."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.common.dockerd import BuiltImage, DockerDaemon, DockerPush
from tests.common.registry import expect, get_manifest, pull_and_verify
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration


def test_push_uploads_every_layer(
    docker_pushed: DockerPush, registry: WharfServer, built_image: BuiltImage
) -> None:
    pushed_lines = [line for line in docker_pushed.output.splitlines() if "Pushed" in line]
    assert len(pushed_lines) == built_image.layers, docker_pushed.output
    assert f"{docker_pushed.tag}: digest: {docker_pushed.digest}" in docker_pushed.output

    with registry.client() as client:
        tags = expect(client.get(f"/v2/{docker_pushed.repository}/tags/list"), 200).json()
        assert tags == {"name": docker_pushed.repository, "tags": [docker_pushed.tag]}
        manifest = pull_and_verify(client, docker_pushed.repository, docker_pushed.digest)
        assert len(manifest["layers"]) == built_image.layers == 3
        by_tag = expect(get_manifest(client, docker_pushed.repository, docker_pushed.tag), 200)
        assert by_tag.headers["docker-content-digest"] == docker_pushed.digest


def test_second_push_to_another_repository_mounts_blobs(
    docker_pushed: DockerPush, docker_daemon: DockerDaemon, built_image: BuiltImage,
    registry: WharfServer,
) -> None:  # fmt: skip
    reference = f"{registry.host}/admin/app-copy:v1"
    docker_daemon.docker("tag", built_image.name, reference)
    try:
        push = docker_daemon.docker("push", reference, config_dir=docker_pushed.config_dir)
    finally:
        docker_daemon.docker("rmi", reference)
    output = push.stdout + push.stderr
    mounted = [
        line for line in output.splitlines() if f"Mounted from {docker_pushed.repository}" in line
    ]
    assert len(mounted) == built_image.layers, output
    assert "Pushed" not in output, output
    assert f"digest: {docker_pushed.digest}" in output

    with registry.client() as client:
        pull_and_verify(client, "admin/app-copy", "v1")


def test_pull_after_removal_and_run(
    docker_pushed: DockerPush, docker_daemon: DockerDaemon, built_image: BuiltImage
) -> None:
    docker_daemon.docker("rmi", "-f", built_image.image_id)
    missing = docker_daemon.docker("image", "inspect", docker_pushed.reference, check=False)
    assert missing.returncode != 0
    try:
        pull = docker_daemon.docker(
            "pull", docker_pushed.reference, config_dir=docker_pushed.config_dir
        )
    finally:
        # Put the local name back for the other tests (and the other backend).
        docker_daemon.docker("tag", docker_pushed.reference, built_image.name, check=False)
    output = pull.stdout + pull.stderr
    assert f"Digest: {docker_pushed.digest}" in output
    assert "Pull complete" in output, output
    image_id = docker_daemon.docker("image", "inspect", "-f", "{{.Id}}", docker_pushed.reference)
    assert image_id.stdout.strip() == built_image.image_id

    ran = docker_daemon.docker("run", "--rm", docker_pushed.reference)
    assert ran.stdout.strip() == built_image.run_content
    ran = docker_daemon.docker("run", "--rm", docker_pushed.reference, "cat", built_image.copy_file)
    assert ran.stdout.strip() == built_image.copy_content


def test_pull_without_login_is_refused(
    docker_pushed: DockerPush, docker_daemon: DockerDaemon, tmp_path: Path
) -> None:
    anonymous = tmp_path / "anonymous"
    anonymous.mkdir()
    pull = docker_daemon.docker("pull", docker_pushed.reference, config_dir=anonymous, check=False)
    assert pull.returncode != 0
    assert "denied" in pull.stderr or "unauthorized" in pull.stderr, pull.stderr


def test_login_with_wrong_password_fails(
    registry: WharfServer, docker_daemon: DockerDaemon, docker_config: Path
) -> None:
    login = docker_daemon.docker(
        "login", registry.host, "-u", "admin", "--password-stdin",
        input="not-the-password", config_dir=docker_config, check=False,
    )  # fmt: skip
    assert login.returncode != 0
    assert "unauthorized" in login.stderr.lower(), login.stderr
    assert "Login Succeeded" not in login.stdout
    config = docker_config / "config.json"
    assert not config.exists() or registry.host not in config.read_text()
