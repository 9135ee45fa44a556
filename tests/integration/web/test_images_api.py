"""The read-only image views the UI uses (``/api/v0/repositories/{ns}/{repo}/images``,
``/tags/{tag}``, ``/manifests/{digest}``, ``/myAccess``), against a real ``wharf up``."""

from __future__ import annotations

import httpx
import pytest

from tests.common.registry import expect
from tests.common.wharf import WharfServer
from tests.integration.web.content import (
    LAYER_LINES,
    image_size,
    image_with_history,
    multiarch_with_history,
    push,
)

pytestmark = pytest.mark.integration

REPO = "admin/api-images"


@pytest.fixture(scope="module")
def pushed(ui_server: WharfServer) -> dict[str, object]:
    image = image_with_history()
    multi = multiarch_with_history()
    with ui_server.client() as client:
        expect(client.post("/api/v0/repositories/admin", json={"name": "api-images"}), 201)
        push(client, REPO, "1.0", image)
        push(client, REPO, "multi", multi)
        for i in range(5):
            push(client, REPO, f"rc_{i}", image)
    return {"image": image, "multi": multi}


def test_tag_detail_pairs_layers_with_history(
    admin_api: httpx.Client, pushed: dict[str, object]
) -> None:
    image = pushed["image"]
    body = expect(admin_api.get(f"/api/v0/repositories/{REPO}/tags/1.0"), 200).json()
    assert body["kind"] == "image"
    assert body["tag"] == "1.0"
    assert body["digest"] == image.digest  # type: ignore[attr-defined]
    assert body["size"] == image_size(image)  # type: ignore[arg-type]
    assert [layer["createdBy"] for layer in body["layers"]] == LAYER_LINES
    assert [layer["size"] for layer in body["layers"]] == [
        layer.size
        for layer in image.layers  # type: ignore[attr-defined]
    ]
    assert len(body["history"]) == 7
    assert sum(1 for h in body["history"] if h["emptyLayer"]) == 4
    assert body["config"]["architecture"] == "amd64"
    assert body["config"]["workingDir"] == "/srv/app"
    assert body["configError"] is None


def test_index_lists_platforms_and_children_by_digest(
    admin_api: httpx.Client, pushed: dict[str, object]
) -> None:
    multi = pushed["multi"]
    body = expect(admin_api.get(f"/api/v0/repositories/{REPO}/tags/multi"), 200).json()
    assert body["kind"] == "index"
    assert [p["label"] for p in body["platforms"]] == ["linux/amd64", "linux/arm64"]
    arm = multi.images["linux/arm64"]  # type: ignore[attr-defined]
    entry = body["platforms"][1]
    assert entry["digest"] == arm.digest
    assert entry["size"] == image_size(arm)
    assert body["size"] == sum(image_size(i) for i in multi.images.values())  # type: ignore[attr-defined]

    child = expect(admin_api.get(f"/api/v0/repositories/{REPO}/manifests/{arm.digest}"), 200)
    assert child.json()["tag"] is None
    assert child.json()["config"]["architecture"] == "arm64"
    assert [layer["createdBy"] for layer in child.json()["layers"]] == LAYER_LINES


def test_images_page_filters_and_pages(admin_api: httpx.Client, pushed: dict[str, object]) -> None:
    base = f"/api/v0/repositories/{REPO}/images"
    first = expect(admin_api.get(base, params={"limit": 3}), 200).json()
    assert [t["name"] for t in first["tags"]] == ["1.0", "multi", "rc_0"]
    assert first["nextPageStart"] == "3"
    rest = expect(admin_api.get(base, params={"start": 3, "limit": 10}), 200).json()
    assert [t["name"] for t in rest["tags"]] == ["rc_1", "rc_2", "rc_3", "rc_4"]
    assert rest["nextPageStart"] == ""
    multi = first["tags"][1]
    assert multi["platforms"] == ["linux/amd64", "linux/arm64"]
    assert first["tags"][0]["size"] == image_size(pushed["image"])  # type: ignore[arg-type]
    # `_` is literal in the filter, not a LIKE wildcard
    assert [t["name"] for t in admin_api.get(base, params={"contains": "c_3"}).json()["tags"]] == [
        "rc_3"
    ]
    assert admin_api.get(base, params={"contains": "_"}).json()["tags"][0]["name"] == "rc_0"


def test_private_repository_is_not_found_for_others(
    ui_server: WharfServer, admin_api: httpx.Client, pushed: dict[str, object]
) -> None:
    expect(
        admin_api.post("/accounts/", json={"name": "api-outsider", "password": "outsider-pw-1"}),
        201,
    )
    with ui_server.client(auth=("api-outsider", "outsider-pw-1")) as other:
        for path in ("images", "tags/1.0", "myAccess"):
            assert other.get(f"/api/v0/repositories/{REPO}/{path}").status_code == 404
    with ui_server.client(auth=None) as anonymous:
        assert anonymous.get(f"/api/v0/repositories/{REPO}/tags/1.0").status_code == 404
    mine = expect(admin_api.get(f"/api/v0/repositories/{REPO}/myAccess"), 200).json()
    assert mine["actions"] == ["admin", "delete", "pull", "push"]


def test_bad_references(admin_api: httpx.Client, pushed: dict[str, object]) -> None:
    assert admin_api.get(f"/api/v0/repositories/{REPO}/tags/nope").status_code == 404
    assert admin_api.get(f"/api/v0/repositories/{REPO}/manifests/sha256:12").status_code == 400
    missing = "sha256:" + "0" * 64
    assert admin_api.get(f"/api/v0/repositories/{REPO}/manifests/{missing}").status_code == 404
