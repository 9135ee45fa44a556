"""Merging several nodes' image lists into the one list ``docker images`` shows."""

from __future__ import annotations

from wharf.control.proxy.handlers.images import merge_images


def _image(ident: str, tags: list[str], containers: int = 0, created: int = 1) -> dict[str, object]:
    return {
        "Id": ident,
        "RepoTags": tags,
        "RepoDigests": [],
        "Containers": containers,
        "Created": created,
    }


def test_the_same_image_on_two_nodes_is_one_entry_with_both_nodes_names() -> None:
    merged = merge_images(
        [
            _image("sha256:a", ["box:1"], containers=2),
            _image("sha256:b", ["other:1"]),
            _image("sha256:a", ["box:1", "box:latest"], containers=1),
        ]
    )
    assert [m["Id"] for m in merged] == ["sha256:a", "sha256:b"]
    assert merged[0]["RepoTags"] == ["box:1", "box:latest"]
    assert merged[0]["Containers"] == 3


def test_an_unknown_container_count_stays_unknown() -> None:
    merged = merge_images([_image("sha256:a", ["box:1"], -1), _image("sha256:a", [], 2)])
    assert merged[0]["Containers"] == -1


def test_entries_that_are_not_images_are_dropped() -> None:
    assert merge_images(["junk", {"NoId": 1}, _image("sha256:a", [])]) == [_image("sha256:a", [])]


def test_merging_does_not_change_the_engines_objects() -> None:
    first = _image("sha256:a", ["box:1"])
    merge_images([first, _image("sha256:a", ["box:2"])])
    assert first["RepoTags"] == ["box:1"]
