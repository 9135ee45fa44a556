"""Admin settings as one TOML document, the health of the control plane (and of its
engine), and the audit log of Docker API requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w

from tests.common.procs import free_port, stop_process_group, tail, wait_for
from tests.integration.control.conftest import IMAGE, ControlPlane, User, unique

pytestmark = pytest.mark.integration


def _toml(control: ControlPlane) -> dict[str, Any]:
    response = control.call("GET", "/api/ucp/config-toml", expect=200)
    return tomllib.loads(response.text)


def test_config_toml_round_trip(control: ControlPlane, new_user: Callable[..., User]) -> None:
    original = _toml(control)
    assert original["scheduling_configuration"]["enable_user_ucp_scheduling"] is True
    changed = json.loads(json.dumps(original))
    changed["scheduling_configuration"]["enable_admin_ucp_scheduling"] = False
    changed["auth"]["sessions"]["lifetime_minutes"] = 95
    try:
        response = control.call(
            "PUT", "/api/ucp/config-toml", content=tomli_w.dumps(changed), expect=200
        )
        assert set(response.json()["updated"]) >= {"scheduling_configuration", "auth.sessions"}
        assert _toml(control) == changed
        sessions = control.call("GET", "/api/ucp/config/auth.sessions", expect=200).json()
        assert sessions["lifetime_minutes"] == 95

        # The proxy follows: an admin's service now stays off the managers (/System).
        def placed_off_managers() -> bool:
            name = unique("adm")
            control.admin.ok(
                "service", "create", "--detach", "--name", name, "--no-resolve-image", IMAGE,
                "sleep", "3600",
            )  # fmt: skip
            spec = json.loads(control.engine("service", "inspect", name))[0]["Spec"]
            control.engine("service", "rm", name)
            constraints = spec["TaskTemplate"].get("Placement", {}).get("Constraints") or []
            return "node.labels.com.docker.ucp.collection.system!=true" in constraints

        wait_for(placed_off_managers, 15, "admin placement to follow the new settings", 0.5)

        # Bad documents change nothing.
        for text in ("[scheduling_configuration\nenable = 1", "[nonsense]\nx = 1"):
            response = control.api.put("/api/ucp/config-toml", content=text)
            assert response.status_code == 400, response.text
        broken = json.loads(json.dumps(changed))
        broken["auth"]["sessions"]["lifetime_minutes"] = 120
        broken["audit_log_configuration"]["level"] = "everything"
        response = control.api.put("/api/ucp/config-toml", content=tomli_w.dumps(broken))
        assert response.status_code == 400, response.text
        assert _toml(control) == changed  # all or nothing

        user: User = new_user("toml")
        with httpx.Client(base_url=control.url, auth=(user.name, user.password)) as client:
            assert client.get("/api/ucp/config-toml").status_code == 403
            assert client.put("/api/ucp/config-toml", content="").status_code == 403
    finally:
        control.call("PUT", "/api/ucp/config-toml", content=tomli_w.dumps(original), expect=200)
    assert _toml(control) == original


def test_ping(control: ControlPlane) -> None:
    response = httpx.get(f"{control.url}/_ping", timeout=10)
    assert response.status_code == 200
    assert response.json()["Healthy"] is True
    assert control.admin.ok("version", "--format", "{{.Server.APIVersion}}").strip() == "1.41"


def test_ping_without_engine(control: ControlPlane, tmp_path: Path) -> None:
    """A control plane whose engine socket does not answer is unhealthy, says why, and
    its Docker API tells clients the engine is unreachable."""
    port, docker_port = free_port(), free_port()
    data_dir = tmp_path / "data"
    log = tmp_path / "wharf.log"
    password = "pw-" + unique("x") + unique("y")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WHARF_")},
        "WHARF_ADMIN_PASSWORD": password,
        "WHARF_DOCKER_LISTEN": f"127.0.0.1:{docker_port}",
        "WHARF_ENGINE": f"unix://{tmp_path}/no-engine.sock",
    }
    args = [
        sys.executable, "-m", "wharf", "up", "--data-dir", str(data_dir),
        "--listen", f"127.0.0.1:{port}",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            args, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        wait_for(
            lambda: httpx.get(f"{url}/ca", timeout=2).status_code == 200,
            60,
            "the second wharf to answer /ca",
            alive=lambda: None if proc.poll() is None else f"exited:\n{tail(log)}",
        )
        response = httpx.get(f"{url}/_ping", timeout=10)
        assert response.status_code == 500, response.text
        assert response.json()["Healthy"] is False
        assert "engine" in response.json()["Error"], response.text
        assert "no-engine.sock" in response.json()["Error"], response.text

        from tests.common.bundles import download_bundle, login

        bundle = download_bundle(url, login(url, "admin", password), "admin", tmp_path / "b")
        rc, out, err = bundle.docker("ps")
        assert rc != 0, out
        assert "the engine is unreachable" in err, err
        assert "Unsolicited response" not in err, err
    finally:
        stop_process_group(proc)


def _events(control: ControlPlane, **params: str) -> list[dict[str, Any]]:
    response = control.call("GET", "/api/audit", params={"limit": "1000", **params}, expect=200)
    return list(response.json()["events"])


def test_audit_lists_denials_and_changes(
    control: ControlPlane, new_user: Callable[..., User]
) -> None:
    user: User = new_user("aud")
    rc, _, err = user.bundle.docker("run", "--rm", "--privileged", "--network", "none", IMAGE)
    assert rc != 0 and "access denied" in err
    volume = unique("av")
    user.bundle.ok("volume", "create", volume)

    def denial() -> dict[str, Any] | None:
        for event in _events(control, denied="true"):
            if event["user"] == user.name:
                return event
        return None

    wait_for(lambda: denial() is not None, 15, "the denial in the audit log")
    event = denial()
    assert event is not None
    assert event["allowed"] is False and event["status"] == 403
    assert event["method"] == "POST" and event["path"] == "/containers/create"
    assert "Container Create" in event["operations"]
    assert user.private in event["collections"]
    assert "Privileged" in event["message"]

    def change() -> dict[str, Any] | None:
        for event in _events(control):
            if event["user"] == user.name and event["path"] == "/volumes/create":
                return event
        return None

    wait_for(lambda: change() is not None, 15, "the volume create in the audit log")
    created = change()
    assert created is not None
    assert created["allowed"] is True and created["status"] == 201
    assert "Volume Create/Attach" in created["operations"]
    assert user.private in created["collections"]
    # Only denials with denied=true.
    assert all(not e["allowed"] for e in _events(control, denied="true"))
    # The audit log is for administrators.
    with httpx.Client(base_url=control.url, auth=(user.name, user.password)) as client:
        assert client.get("/api/audit").status_code == 403
