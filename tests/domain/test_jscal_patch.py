"""RFC 8984 section 1.4.9 PatchObjects (jscal_patch.apply_patch)."""

from __future__ import annotations

import copy

import pytest

from calgate.domain.jscal_patch import apply_patch
from calgate.errors import InvalidInput

EVENT = {
    "@type": "Event",
    "title": "Standup",
    "start": "2026-01-05T10:00:00",
    "participants": {
        "p1": {"@type": "Participant", "name": "Paul", "participationStatus": "needs-action"}
    },
    "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "weekly"}],
    "recurrenceOverrides": {},
    "a/b": {"c~d": 1},
}


def _pointer(exc: pytest.ExceptionInfo[InvalidInput]) -> str | None:
    return exc.value.errors[0].pointer


def test_the_issue_example_sets_nested_values_and_leaves_the_input_alone() -> None:
    before = copy.deepcopy(EVENT)
    patch = {
        "title": "x",
        "participants/p1/participationStatus": "accepted",
        "recurrenceOverrides/2026-01-05T10:00:00": {"excluded": True},
    }
    result = apply_patch(EVENT, patch)
    assert result["title"] == "x"
    assert result["participants"]["p1"]["participationStatus"] == "accepted"
    assert result["participants"]["p1"]["name"] == "Paul"
    assert result["recurrenceOverrides"] == {"2026-01-05T10:00:00": {"excluded": True}}
    assert before == EVENT
    patch["recurrenceOverrides/2026-01-05T10:00:00"]["excluded"] = False
    assert result["recurrenceOverrides"]["2026-01-05T10:00:00"] == {"excluded": True}


def test_null_removes_and_removing_what_is_absent_is_fine() -> None:
    result = apply_patch(EVENT, {"title": None, "participants/p1/name": None, "nothing": None})
    assert "title" not in result
    assert result["participants"]["p1"] == {
        "@type": "Participant",
        "participationStatus": "needs-action",
    }


def test_escaped_tokens() -> None:
    result = apply_patch(EVENT, {"a~1b/c~0d": 2})
    assert result["a/b"] == {"c~d": 2}


def test_a_whole_array_may_be_replaced() -> None:
    result = apply_patch(EVENT, {"recurrenceRules": [{"frequency": "daily"}]})
    assert result["recurrenceRules"] == [{"frequency": "daily"}]


@pytest.mark.parametrize(
    ("patch", "pointer"),
    [
        ({"participants/p2/name": "x"}, "#/participants~1p2~1name"),
        ({"locations/l1/name": "x"}, "#/locations~1l1~1name"),
        ({"title/x": "y"}, "#/title~1x"),
        ({"recurrenceRules/0/frequency": "daily"}, "#/recurrenceRules~10~1frequency"),
        ({"recurrenceRules/0": {"frequency": "daily"}}, "#/recurrenceRules~10"),
        ({"participants/p1": {}, "participants/p1/name": "x"}, "#/participants~1p1~1name"),
        ({"participants": {}, "participants/p1/name": "x"}, "#/participants~1p1~1name"),
        ({"a~2": 1}, "#/a~02"),
    ],
)
def test_invalid_pointers_name_the_patch_key(patch: dict[str, object], pointer: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        apply_patch(EVENT, patch)
    assert _pointer(exc) == pointer


def test_keys_sharing_a_name_start_are_no_prefix_conflict() -> None:
    result = apply_patch({"alerts": {}, "alertsX": 1}, {"alerts": None, "alertsX": 2})
    assert result == {"alertsX": 2}


def test_errors_inside_an_override_patch_are_placed_there() -> None:
    with pytest.raises(InvalidInput) as exc:
        apply_patch(EVENT, {"x/y": 1}, at="#/recurrenceOverrides/2026-01-05T10:00:00")
    assert _pointer(exc) == "#/recurrenceOverrides/2026-01-05T10:00:00/x~1y"


def test_a_patch_must_be_an_object() -> None:
    with pytest.raises(InvalidInput):
        apply_patch(EVENT, ["title"])  # type: ignore[arg-type]
