from __future__ import annotations

import pytest

from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.names import is_tag, namespace_of, parse_digest, validate_repository_name


@pytest.mark.parametrize(
    "name", ["alice/app", "org/team/app", "a/b", "a-b/c.d", "a__b/c_d", "a---b/x", "x/y0"]
)
def test_valid_repository_names(name: str) -> None:
    assert validate_repository_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "Alice/app",
        "alice/../app",
        "alice/.app",
        "alice/app/",
        "/alice/app",
        "alice//app",
        "alice/app-",
        "alice/a b",
        "alice/app:tag",
        "a" * 200 + "/" + "b" * 60,
    ],
)
def test_invalid_repository_names(name: str) -> None:
    with pytest.raises(RegistryError) as err:
        validate_repository_name(name)
    assert err.value.code is ErrorCode.NAME_INVALID


def test_a_repository_needs_a_namespace() -> None:
    with pytest.raises(RegistryError, match="namespace"):
        validate_repository_name("app")


def test_namespace_is_the_first_component() -> None:
    assert namespace_of("org/team/app") == "org"


@pytest.mark.parametrize(
    ("tag", "ok"),
    [
        ("latest", True),
        ("v1.2.3-rc_1", True),
        ("_x", True),
        (".x", False),
        ("-x", False),
        ("a" * 128, True),
        ("a" * 129, False),
        ("a:b", False),
        ("", False),
    ],
)
def test_tags(tag: str, ok: bool) -> None:
    assert is_tag(tag) is ok


def test_digests() -> None:
    d = parse_digest("sha256:" + "a" * 64)
    assert (d.algorithm, d.hex, str(d)) == ("sha256", "a" * 64, "sha256:" + "a" * 64)
    assert parse_digest("sha512:" + "0" * 128).algorithm == "sha512"


@pytest.mark.parametrize(
    "digest",
    ["sha256:" + "a" * 63, "sha256:" + "A" * 64, "md5:" + "a" * 32, "sha256", "", "sha256:"],
)
def test_invalid_digests(digest: str) -> None:
    with pytest.raises(RegistryError) as err:
        parse_digest(digest)
    assert err.value.code is ErrorCode.DIGEST_INVALID
