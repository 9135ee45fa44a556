from __future__ import annotations

import pytest

from wharf.access.operations import SUB_OPTIONS, Operation, SubOption
from wharf.access.roles import (
    FULL_CONTROL,
    RESTRICTED_CONTROL,
    VIEW_ONLY,
    RoleError,
    from_payload,
    to_payload,
)


def test_payload_round_trip() -> None:
    for perms in (VIEW_ONLY, RESTRICTED_CONTROL, FULL_CONTROL):
        assert from_payload(to_payload(perms)) == dict(perms)


def test_payload_shape_is_ucps() -> None:
    payload = to_payload(
        {
            Operation.VOLUME_CREATE: frozenset({SubOption.LOCAL_DRIVER_OPTIONS}),
            Operation.SECRET_USE: frozenset(),
        }
    )
    assert payload == {
        "Volume": {"Volume Create/Attach": ["Local Driver Options"]},
        "Secret": {"Secret Use": []},
    }


def test_full_control_has_every_operation_and_sub_option() -> None:
    assert set(FULL_CONTROL) == set(Operation)
    for op, subs in SUB_OPTIONS.items():
        assert FULL_CONTROL[op] == frozenset(subs)


def test_view_only_is_read_only() -> None:
    assert all(
        " View" in op.value or op.value.endswith(("Logs", "Stats", "Top", "History"))
        for op in VIEW_ONLY
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "must be an object"),
        ({"Container": []}, "operation → sub-options"),
        ({"Container": {"Container Fly": []}}, "unknown operation"),
        ({"Service": {"Container View": []}}, "belongs under 'Container'"),
        ({"Container": {"Container View": "x"}}, "must be a list"),
        ({"Container": {"Container View": ["Privileged"]}}, "has no sub-option"),
        ({"Container": {"Container Create": ["Wings"]}}, "it has: IPC Mode"),
    ],
)
def test_invalid_payloads(payload: object, message: str) -> None:
    with pytest.raises(RoleError, match=message):
        from_payload(payload)
