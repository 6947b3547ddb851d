"""An event body field calgate does not take is a 422 whose entry for that field says what to
send instead: calgate's name for the reference APIs' names (shared/reference), where a
read-only field of theirs lives in calgate, or the closest field for a misspelling. Nothing is
created."""

from __future__ import annotations

import pytest

from calgate.domain.model import EventWrite
from calgate.domain.model.field_hints import model_fields, unknown_field_hint

EVENTS = "/api/v1/calendars/default/events"
WHEN = {"start": "2027-01-04T09:00:00Z", "end": "2027-01-04T10:00:00Z"}


def details(resp) -> dict[str, str]:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    return {e["pointer"]: e["detail"] for e in resp.json()["errors"]}


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        ("start_at", "did you mean 'start'?"),
        ("end_at", "did you mean 'end'?"),
        ("name", "did you mean 'title'?"),
        ("details", "did you mean 'description'?"),
        ("period", "'recurrence'"),
        ("sel_days", "'recurrence'"),
        ("series_end_at", "'until'"),
        ("num_in_series", "instances?n=K"),
        ("ics_feed_id", "kind 'ics'"),
        ("alday", "did you mean 'allDay'?"),
        ("timezone", "did you mean 'timeZone'?"),
    ],
)
def test_an_unknown_field_is_told_what_to_send(client, sent, said):
    resp = client.post(EVENTS, json={"title": "hint", **WHEN, sent: 1})
    told = details(resp)[f"#/{sent}"]
    assert told.startswith(f"unknown field '{sent}': ") and said in told, told
    assert client.get(EVENTS, params={"q": "hint"}).json()["items"] == []


def test_the_reference_apis_event_is_answered_field_by_field(client):
    """A calendar-events-api body as that API documents it: each of its names gets its own
    entry, and the missing ``start`` is named too."""
    body = {
        "name": "Standup",
        "start_at": "2027-01-04T09:00:00Z",
        "end_at": "2027-01-04T09:15:00Z",
        "period": 2,
        "frequency": 1,
        "sel_days": 1,
    }
    told = details(client.post(EVENTS, json=body))
    assert told["#/start"] == "Field required"
    assert set(told) == {"#/start", *(f"#/{name}" for name in body)}


def test_patch_bodies_get_the_same_hints(client):
    made = client.post(EVENTS, json={"title": "patched", **WHEN})
    assert made.status_code == 201, made.text
    resp = client.patch(f"{EVENTS}/{made.json()['id']}", json={"start_at": WHEN["start"]})
    assert "did you mean 'start'?" in details(resp)["#/start_at"]


def test_a_nested_unknown_field_keeps_pydantics_words():
    """``frequency`` is a field of ``recurrence``: only top-level names get the hints."""
    assert unknown_field_hint("zzz", model_fields(EventWrite)).endswith(
        "this body does not take it"
    )
    with pytest.raises(Exception) as caught:
        EventWrite.model_validate({**WHEN, "recurrence": {"frequency": "daily", "sel_days": 1}})
    assert "Extra inputs are not permitted" in str(caught.value)
