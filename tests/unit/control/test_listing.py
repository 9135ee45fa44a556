"""Filtering a list answer on its raw bytes keeps exactly the elements the parsed
filter keeps, byte for byte as the engine wrote them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wharf.access.decide import AccessSnapshot, CollectionNode
from wharf.control.proxy.listing import keep_elements
from wharf.control.resources import ACCESS_LABEL, collection_of

SNAPSHOT = AccessSnapshot(
    roles={},
    collections={
        "swarm": CollectionNode("swarm", "/", None),
        "system": CollectionNode("system", "/System", "swarm"),
        "shared": CollectionNode("shared", "/Shared", "swarm"),
        "a": CollectionNode("a", "/Shared/a", "shared"),
        "b": CollectionNode("b", "/Shared/b", "shared"),
    },
    by_path={
        "/": "swarm",
        "/System": "system",
        "/Shared": "shared",
        "/Shared/a": "a",
        "/Shared/b": "b",
    },
    grants_by_collection={},
)
ALLOWED = {"/Shared/a", "/Shared", "/Shared/b"}


def visible(kind: str) -> Any:
    return lambda obj: collection_of(kind, obj, SNAPSHOT) in ALLOWED


CONTAINERS = [
    {"Id": "1", "Labels": {ACCESS_LABEL: "/Shared/a", "x": "y"}, "Names": ["/one"]},
    {"Id": "2", "Labels": {ACCESS_LABEL: "/System"}},
    {"Id": "3", "Labels": None},
    {"Id": "4"},
    {"Id": "5", "Labels": {ACCESS_LABEL: "/nowhere"}},
    "not an object",
    {"Id": "6", "Labels": {ACCESS_LABEL: "/Shared/b", "n": 1}, "Nested": {"Labels": {}}},
]
NODES = [
    {"ID": "m", "Spec": {"Role": "manager"}},
    {"ID": "w", "Spec": {"Role": "worker", "Labels": {}}},
    {"ID": "l", "Spec": {"Role": "manager", "Labels": {ACCESS_LABEL: "/Shared/a"}}},
    {"ID": "s"},
]
SERVICES = [
    {"ID": "1", "Spec": {"Labels": {ACCESS_LABEL: "/Shared/b"}}},
    {"ID": "2", "Spec": {"Labels": {ACCESS_LABEL: "/System"}}},
    {"ID": "3", "Spec": None},
]


@pytest.mark.parametrize(
    ("kind", "items"), [("containers", CONTAINERS), ("nodes", NODES), ("services", SERVICES)]
)
@pytest.mark.parametrize("limit", [None, 1, 2, 100])
def test_keeps_what_the_parsed_filter_keeps(kind: str, items: list[Any], limit: int | None) -> None:
    body = json.dumps(items, indent=1).encode()
    keep = visible(kind)
    expected = [obj for obj in items if isinstance(obj, dict) and keep(obj)][:limit]
    filtered = keep_elements(kind, body, keep, limit)
    assert filtered is not None
    assert json.loads(filtered) == expected
    # Each kept element is the engine's own bytes, formatting included.
    for obj in expected:
        assert json.dumps(obj, indent=1).replace("\n", "\n ").encode() in body
        assert json.dumps(obj, indent=1).replace("\n", "\n ").encode() in filtered


def test_answers_that_are_not_lists() -> None:
    keep = visible("containers")
    assert keep_elements("containers", b'{"message": "not a list"}', keep) is None
    assert keep_elements("containers", b"[]", keep) == b"[]"
    with pytest.raises(ValueError, match="not JSON"):
        keep_elements("containers", b"<html>secret</html>", keep)
