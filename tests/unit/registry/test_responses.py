from __future__ import annotations

import pytest

from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.responses import parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-9", (0, 9)),
        ("bytes=5-", (5, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=-500", (0, 99)),
    ],
)
def test_satisfiable_ranges(header: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize(
    "header",
    ["bytes=100-", "bytes=5-2", "bytes=-0", "items=0-1", "bytes=a-b", "bytes=0-1,5-6", "bytes=-"],
)
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RegistryError) as err:
        parse_range(header, 100)
    assert err.value.code is ErrorCode.RANGE_INVALID
    assert err.value.status == 416
    assert err.value.headers["Content-Range"] == "bytes */100"
