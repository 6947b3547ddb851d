"""EGroupware's JSCalendar REST API examples (data/egroupware), written with ``jscal_write`` and
read back with ``jscal_read``.

calgate owes EGroupware's clients this: every JSON example of its documentation that is a
request is accepted as it stands (or refused for a real RFC 8984 violation, listed in
docs/api.md: today none is), and so is every Event its GET answers show, since a client that
syncs from EGroupware sends those back. Each example is written as a new object and as a PUT
over itself (in place: the stored object must not change), and the Event read back must mean
what the example says, or the example is in DOCUMENTED with the reason and exactly the paths
that differ. How they are compared: as the RFC 8984 examples are
(``test_rfc8984_examples.meaning``), with EGroupware's spellings read as RFC 8984's
(``jscal_lenient``), and with what calgate adds to a request that leaves it out: ``@type``
Event, a ``uid``, a participant's ``sendTo`` (its ``email`` as a mailto: address), ``replyTo``
(the owner's address) and an alert's ``action`` (display, RFC 8984 5.1.2's default).

The PATCH example is a PatchObject: it is applied to the POST example's event.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from calgate.domain.ical_parse import parse_ical
from calgate.domain.jscal_lenient import as_rfc8984
from calgate.domain.jscal_patch import apply_patch
from calgate.domain.jscal_read import participant_address, to_jscalendar
from calgate.domain.jscal_write import write_event
from calgate.errors import InvalidInput

from .support import DATA, report
from .test_rfc8984_examples import meaning, paths

EXAMPLES_DIR = DATA / "egroupware"
NOW = datetime(2023, 8, 1, tzinfo=UTC)
LATER = datetime(2023, 8, 2, tzinfo=UTC)
ZONE = "Europe/Berlin"
PATCH = "request-patch"
REQUESTS = ("request-post", "request-put-uid", PATCH)
EXAMPLES = sorted(p.stem for p in EXAMPLES_DIR.glob("*.json"))

ALL_DAY_ZONE = (
    "an all-day event (showWithoutTime) with a timeZone: calgate writes the date as iCalendar's "
    "DATE, which has no time zone, so timeZone reads back as null (the days are the same)"
)
ORGANIZER_SHOWN = (
    "; and its override replaces the participants with one that is not the organizer: the "
    "override's VEVENT keeps the series' ORGANIZER (RFC 8984 4.3.5: replyTo is the series'), "
    "which calgate shows as a participant of its own (the owner, as calcard reads an ORGANIZER "
    "that no ATTENDEE has)"
)
# Example -> (why calgate's read-back differs, the paths that differ).
DOCUMENTED: dict[str, tuple[str, frozenset[str]]] = {
    "get-collection-5701": (
        ALL_DAY_ZONE + ORGANIZER_SHOWN,
        frozenset(
            {
                "timeZone",
                "recurrenceOverrides/2023-07-27T00:00:00/timeZone",
                "recurrenceOverrides/2023-07-27T00:00:00/participants/5",
            }
        ),
    ),
}
# The participant EGroupware's examples have (email, kind, roles owner and chair), read back.
RALF = {
    "@type": "Participant",
    "name": "Ralf Becker",
    "email": "ralf@boulder.egroupware.org",
    "sendTo": {"imip": "mailto:ralf@boulder.egroupware.org"},
    "kind": "individual",
    "roles": {"chair": True, "owner": True},
    "participationStatus": "accepted",
}
# Example -> the RFC 8984 rule it breaks (a refusal is owed then, and documented).
REFUSED: dict[str, str] = {}


def load(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((EXAMPLES_DIR / f"{name}.json").read_text())
    return found


def _event_of(name: str) -> dict[str, Any]:
    """The Event an example asks for (the PATCH example: applied to the POST example's)."""
    if name != PATCH:
        return load(name)
    posted = to_jscalendar(write("request-post"), floating_tz=ZONE)
    return apply_patch(posted, load(PATCH))


def write(name: str) -> Any:
    obj = _event_of(name)
    return write_event(
        None, copy.deepcopy(obj), uid=obj.get("uid", "egw-1"), default_tz=ZONE, now=NOW
    )


def _derived(instance: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    """What calgate adds to an instance that leaves it out (module docstring)."""
    out = copy.deepcopy(instance)
    out.setdefault("@type", "Event")
    out.setdefault("uid", got.get("uid"))
    people = out.get("participants") or {}
    for person in people.values():
        if "sendTo" not in person and participant_address(person):
            person["sendTo"] = {"imip": participant_address(person)}
    owner = next((p for p in people.values() if (p.get("roles") or {}).get("owner")), None)
    if "replyTo" not in out and owner is not None:
        out["replyTo"] = owner["sendTo"]
    for alert in (out.get("alerts") or {}).values():
        alert.setdefault("action", "display")
    return out


def expected(name: str, got: dict[str, Any]) -> dict[str, Any]:
    want = meaning(as_rfc8984(_event_of(name)))
    out = _derived(want, got)
    overrides = want.get("recurrenceOverrides") or {}
    if overrides:
        shown = got.get("recurrenceOverrides") or {}
        reply = {"replyTo": out["replyTo"]} if "replyTo" in out else {}  # not patched: 4.3.5
        out["recurrenceOverrides"] = {
            key: patch
            if patch == "excluded"
            else _derived({**patch, **reply}, shown.get(key) or {})
            for key, patch in overrides.items()
        }
    return out


def difference(name: str) -> frozenset[str] | None:
    """Paths where the read-back differs from the example; None when the write is refused."""
    try:
        cal = write(name)
    except InvalidInput:
        return None
    got = meaning(to_jscalendar(cal, floating_tz=ZONE))
    return frozenset(paths(got, expected(name, got)))


@pytest.mark.parametrize("name", EXAMPLES)
def test_egroupware_example_reads_back(name: str) -> None:
    found = difference(name)
    if name in REFUSED:
        assert found is None, f"{name} is now accepted: remove it from REFUSED"
        return
    assert found is not None, f"{name} is refused"
    if name in DOCUMENTED:
        reason, paths_ = DOCUMENTED[name]
        assert reason and found, f"{name} now reads back as sent: remove it from DOCUMENTED"
        assert found == paths_, f"{name}: differs at {sorted(found)}, documented {paths_}"
    else:
        assert found == frozenset(), f"{name}: differs at {sorted(found)}"


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n not in REFUSED])
def test_egroupware_example_put_back_changes_nothing(name: str) -> None:
    """A PUT of what calgate reads back leaves the stored object as it is."""
    text = write(name).to_ical()
    shown = to_jscalendar(parse_ical(text.decode()), floating_tz=ZONE)
    after = write_event(parse_ical(text.decode()), shown, uid="ignored", default_tz=ZONE, now=LATER)
    assert after.to_ical() == text


def test_egroupware_owner_is_organizer_and_chair_and_kept() -> None:
    """The participant issue 13 names: ``{"name", "email", "kind", "roles",
    "participationStatus"}`` with roles owner and chair."""
    shown = to_jscalendar(write("get-single"), floating_tz=ZONE)
    assert shown["replyTo"] == {"imip": "mailto:ralf@boulder.egroupware.org"}
    assert shown["participants"]["5"] == RALF
    assert shown["sequence"] == 1  # sent as "sequence": "1"


def test_egroupware_summary() -> None:
    results = {name: difference(name) for name in EXAMPLES}
    accepted = [n for n, found in results.items() if found is not None]
    same = [n for n in accepted if not results[n]]
    documented = [n for n in accepted if results[n] and n in DOCUMENTED]
    requests = sum(n in REQUESTS for n in accepted)
    report(
        "egroupware",
        f"egroupware: {len(accepted)}/{len(EXAMPLES)} examples accepted ({requests}/"
        f"{len(REQUESTS)} requests, {len(accepted) - requests} GET answers written back), "
        f"{len(same)} read back as sent, {len(documented)} documented, "
        f"{len(EXAMPLES) - len(accepted)} refused",
    )
    assert set(results) - set(accepted) == set(REFUSED)
    assert len(same) + len(documented) == len(accepted)
