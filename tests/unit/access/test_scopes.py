from __future__ import annotations

from wharf.access.scopes import Scope, parse_scope, parse_scopes


def test_parse_repository_scope() -> None:
    assert parse_scope("repository:alice/app:pull,push") == Scope(
        "repository", "alice/app", frozenset({"pull", "push"})
    )


def test_names_may_contain_colons() -> None:
    scope = parse_scope("repository:localhost:5000/alice/app:pull")
    assert scope is not None
    assert scope.name == "localhost:5000/alice/app"


def test_plugin_annotation_is_ignored() -> None:
    scope = parse_scope("repository(plugin):alice/p:pull")
    assert scope is not None
    assert scope.type == "repository"


def test_garbage_is_ignored() -> None:
    assert parse_scope("nonsense") is None
    assert parse_scope("repository:alice/app") is None
    assert parse_scope("repository::pull") is None
    assert parse_scope("repository:x:") is None


def test_several_scopes_per_parameter_and_several_parameters() -> None:
    scopes = parse_scopes(["repository:a/b:pull repository:c/d:push", "registry:catalog:*"])
    assert [str(s) for s in scopes] == [
        "repository:a/b:pull",
        "repository:c/d:push",
        "registry:catalog:*",
    ]
