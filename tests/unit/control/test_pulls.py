"""How a pull's progress messages from several nodes are shown as one stream."""

from __future__ import annotations

from wharf.control.proxy.pulls import error_of, on_node


def test_a_layer_line_keeps_its_own_line_per_node() -> None:
    message = {"status": "Downloading", "id": "3f4d90098f5b", "progressDetail": {"current": 1}}
    assert on_node("w2", message) == {
        "status": "Downloading",
        "id": "w2: 3f4d90098f5b",
        "progressDetail": {"current": 1},
    }
    assert on_node("w3", message)["id"] != on_node("w2", message)["id"]
    assert message["id"] == "3f4d90098f5b"  # the engine's message is left as it was


def test_a_line_without_an_id_names_the_node_in_its_status() -> None:
    assert on_node("m1", {"status": "Digest: sha256:ab"}) == {"status": "m1: Digest: sha256:ab"}
    assert on_node("m1", {"status": "Pulled", "id": ""}) == {"status": "m1: Pulled", "id": ""}


def test_a_failure_is_read_from_either_field() -> None:
    assert error_of({"error": "manifest unknown"}) == "manifest unknown"
    assert error_of({"errorDetail": {"message": "denied"}}) == "denied"
    assert error_of({"status": "Downloading", "id": "a"}) is None
    assert error_of({"errorDetail": "not a mapping"}) is None
