"""Several nodes' prune reports, merged into the one ``docker ... prune`` prints."""

from __future__ import annotations

from wharf.control.proxy.handlers.prune import merge_reports


def test_lists_are_joined_and_space_is_summed() -> None:
    merged = merge_reports(
        [
            {"VolumesDeleted": ["a"], "SpaceReclaimed": 10},
            {"VolumesDeleted": None, "SpaceReclaimed": 0},
            {"VolumesDeleted": ["b", "c"], "SpaceReclaimed": 5},
        ]
    )
    assert merged == {"VolumesDeleted": ["a", "b", "c"], "SpaceReclaimed": 15}


def test_a_report_that_is_not_an_object_is_skipped() -> None:
    assert merge_reports([None, {"NetworksDeleted": ["n"]}]) == {"NetworksDeleted": ["n"]}
