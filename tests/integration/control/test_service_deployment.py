"""The seed walkthrough "Service Deployment" (steps 1-5), end to end with the docker CLI:
an organization and a team with a user, a collection under /Shared, a service whose
image was pushed to Wharf's own registry deployed into it, a View Only grant to the
organization — and the team member sees the service but may not remove it."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.common.procs import short_tmpdir
from tests.integration.control.conftest import ACCESS_LABEL, IMAGE, ControlPlane

pytestmark = pytest.mark.integration

COLLECTION = "/Shared/View-O services"


def test_view_only_service_deployment(control: ControlPlane) -> None:
    # Step 1: organization "engineering", team "dev", a user in the team.
    control.call("POST", "/accounts/", json={"name": "engineering", "isOrg": True})
    control.call("POST", "/accounts/engineering/teams", json={"name": "dev"})
    dev = control.new_user("dev")
    control.call("PUT", f"/accounts/engineering/teams/dev/members/{dev.name}")

    # Step 2: the collection "View-O services" under /Shared.
    created = control.create_collection("View-O services", "/Shared")
    assert created["path"] == COLLECTION

    # Step 3: the image goes to Wharf's registry (docker CLI on the engine directly),
    # then the admin deploys the service through the control plane into the collection.
    reference = f"{control.server.host}/admin/wordpress:1"
    config_dir = short_tmpdir("wtc-")
    try:
        user, password = control.server.admin
        login = control.daemon.docker(
            "login", control.server.host, "-u", user, "--password-stdin",
            input=password, config_dir=config_dir,
        )  # fmt: skip
        assert "Login Succeeded" in login.stdout
        control.daemon.docker("tag", IMAGE, reference)
        push = control.daemon.docker("push", reference, config_dir=config_dir)
        assert "digest: sha256:" in push.stdout
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)
    tags = control.call("GET", "/v2/admin/wordpress/tags/list").json()
    assert tags["tags"] == ["1"]

    control.admin.ok(
        "service", "create", "--detach", "--name", "wordpress",
        "--label", f"{ACCESS_LABEL}={COLLECTION}",
        "--no-resolve-image", reference, "sleep", "3600",
    )  # fmt: skip
    assert control.collection_label("service", "wordpress") == COLLECTION
    spec = json.loads(control.engine("service", "inspect", "wordpress"))[0]["Spec"]
    assert spec["TaskTemplate"]["ContainerSpec"]["Labels"][ACCESS_LABEL] == COLLECTION

    # Before the grant the dev user sees nothing of it.
    assert "wordpress" not in dev.bundle.ok("service", "ls", "--format", "{{.Name}}").split()

    # Step 4: View Only for the organization on the collection.
    control.grant("engineering", COLLECTION, "viewonly")

    # Step 5: the team member sees the service and its collection, but cannot remove it.
    names = dev.bundle.ok("service", "ls", "--format", "{{.Name}}").split()
    assert "wordpress" in names
    inspected = json.loads(dev.bundle.ok("service", "inspect", "wordpress"))[0]
    assert inspected["Spec"]["Labels"][ACCESS_LABEL] == COLLECTION
    assert inspected["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"] == reference

    rc, _, err = dev.bundle.docker("service", "rm", "wordpress")
    assert rc != 0
    assert f"access denied: Service Delete on {COLLECTION}" in err, err
    # Still there.
    assert "wordpress" in control.engine("service", "ls", "--format", "{{.Name}}").split()
    # Updating is refused as well (View Only has no Service Update).
    rc, _, err = dev.bundle.docker("service", "scale", "--detach", "wordpress=2")
    assert rc != 0 and "Service Update" in err, err
