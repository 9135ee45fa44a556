"""Team permissions with the real docker client: an organization's repository, a
read-write team whose member pushes (logging in with a personal access token), a
read-only team whose member pulls but may not push, an outsider who sees nothing, and a
CI service account that pushes with its token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.common.dockerd import BuiltImage, DockerDaemon
from tests.common.procs import short_tmpdir
from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration


def api(registry: WharfServer) -> httpx.Client:
    token = httpx.post(
        f"{registry.url}/auth/login",
        json={"username": "admin", "password": registry.admin_password},
    ).json()["auth_token"]
    return httpx.Client(
        base_url=registry.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code < 300, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response


@pytest.fixture(scope="module")
def org(registry: WharfServer) -> dict[str, str]:
    """Org ``teamco`` with teams writers (wendy) and readers (rita), outsider olga, a
    private repository teamco/app and a service account teamco-ci in writers."""
    with api(registry) as admin:
        for name in ("wendy", "rita", "olga"):
            ok(admin.post("/accounts/", json={"name": name, "password": f"{name}-password"}))
        ok(admin.post("/accounts/", json={"name": "teamco", "isOrg": True}))
        for team, member in (("writers", "wendy"), ("readers", "rita")):
            ok(admin.post("/accounts/teamco/teams", json={"name": team}))
            ok(admin.put(f"/accounts/teamco/teams/{team}/members/{member}"))
        ok(admin.post("/api/v0/repositories/teamco", json={"name": "app"}))
        ok(
            admin.put(
                "/api/v0/repositories/teamco/app/teamAccess/writers",
                json={"accessLevel": "read-write"},
            )
        )
        ok(
            admin.put(
                "/api/v0/repositories/teamco/app/teamAccess/readers",
                json={"accessLevel": "read-only"},
            )
        )
        ok(admin.post("/accounts/", json={"name": "teamco-ci", "serviceAccountOf": "teamco"}))
        ok(admin.put("/accounts/teamco/teams/writers/members/teamco-ci"))
        wendy = httpx.post(
            f"{registry.url}/auth/login", json={"username": "wendy", "password": "wendy-password"}
        )
        wendy_pat = ok(
            httpx.post(
                f"{registry.url}/accounts/wendy/tokens",
                json={"label": "laptop"},
                headers={"Authorization": f"Bearer {wendy.json()['auth_token']}"},
            )
        ).json()["token"]
        ci_pat = ok(admin.post("/accounts/teamco-ci/tokens", json={"label": "ci"})).json()["token"]
    return {
        "wendy": wendy_pat,
        "rita": "rita-password",
        "olga": "olga-password",
        "teamco-ci": ci_pat,
    }


def login(daemon: DockerDaemon, registry: WharfServer, user: str, secret: str) -> Path:
    config = short_tmpdir("wtp-")
    result = daemon.docker(
        "login", registry.host, "-u", user, "--password-stdin", input=secret, config_dir=config
    )
    assert "Login Succeeded" in result.stdout, result.stdout + result.stderr
    return config


def test_team_permissions_with_docker(
    org: dict[str, str], registry: WharfServer, docker_daemon: DockerDaemon, built_image: BuiltImage
) -> None:
    reference = f"{registry.host}/teamco/app:team"
    docker_daemon.docker("tag", built_image.name, reference)
    # A read-write team member pushes, logged in with a personal access token.
    wendy = login(docker_daemon, registry, "wendy", org["wendy"])
    docker_daemon.docker("push", reference, config_dir=wendy)
    # A read-only team member pulls but may not push.
    rita = login(docker_daemon, registry, "rita", org["rita"])
    docker_daemon.docker("rmi", reference)
    docker_daemon.docker("pull", reference, config_dir=rita)
    refused = docker_daemon.docker("push", reference, config_dir=rita, check=False)
    assert refused.returncode != 0
    assert "denied" in (refused.stdout + refused.stderr).lower()
    # An outsider is told the same as for a repository that does not exist.
    olga = login(docker_daemon, registry, "olga", org["olga"])
    hidden = docker_daemon.docker("pull", reference, config_dir=olga, check=False)
    missing = docker_daemon.docker(
        "pull", f"{registry.host}/teamco/nothing:team", config_dir=olga, check=False
    )
    assert hidden.returncode != 0
    assert missing.returncode != 0
    assert hidden.stderr.replace("teamco/app", "X") == missing.stderr.replace("teamco/nothing", "X")
    # The CI service account pushes a new tag with its token.
    ci = login(docker_daemon, registry, "teamco-ci", org["teamco-ci"])
    ci_reference = f"{registry.host}/teamco/app:ci"
    docker_daemon.docker("tag", built_image.name, ci_reference)
    docker_daemon.docker("push", ci_reference, config_dir=ci)
    with api(registry) as admin:
        tags = ok(admin.get("/api/v0/repositories/teamco/app/tags")).json()
        assert sorted(t["name"] for t in tags) == ["ci", "team"]
