"""The examples of RFC 8984 (JSCalendar) section 6, written with ``jscal_write`` and read back
with ``jscal_read``.

Each example's JSON is transcribed from the RFC. Examples 6.4 to 6.10 elide the common
properties (``"...": ""``); here they get ``"@type": "Event"`` and a uid of their own. Every
example is written (new object), the iCalendar is checked for what the example means, and the
Event read back must mean what the example says, or the example is in DOCUMENTED with the reason
and exactly the paths that differ. How they are compared (meaning, not spelling):

- ``created``, ``updated``, ``sequence``, ``prodId`` are the server's and not compared.
- A JSCalendar default equals an absent property (``timeZone`` null, ``showWithoutTime`` false,
  ``duration`` PT0S, ``status`` confirmed, ``participationStatus`` needs-action, ...).
- calgate reads ATTENDEE / ORGANIZER addresses as RFC 8984's ``sendTo`` / ``replyTo``
  (``{"imip": "mailto:..."}``); JSCalendar 2.0's ``calendarAddress`` /
  ``organizerCalendarAddress``, which calgate also reads, are compared as those.
- ``recurrenceOverrides`` are compared as the instances they make (the PatchObject applied to
  the series starting at the override's key, RFC 8984 4.3.5), so
  ``participants/<id>/participationStatus`` and a whole ``participants`` replacement that mean
  the same instance agree.
- 6.2 (Task) and 6.5 (Task with a due date) are not compared: calgate serves VEVENTs only, and
  refuses a Task (tested with the Task entry of 6.3's Group, whose Event entry is compared).
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Component

from calgate.domain.jscal_patch import apply_patch
from calgate.domain.jscal_read import to_jscalendar
from calgate.domain.jscal_write import write_event
from calgate.errors import InvalidInput

from .support import report

NOW = datetime(2020, 1, 2, 18, 23, 4, tzinfo=ZoneInfo("UTC"))
DEFAULT_TZ = "Europe/Paris"
FLOATING = "Pacific/Auckland"

SERVER = frozenset({"created", "updated", "sequence", "prodId"})
DEFAULTS: dict[str, Any] = {
    "timeZone": None,
    "showWithoutTime": False,
    "duration": "PT0S",
    "status": "confirmed",
    "freeBusyStatus": "busy",
    "privacy": "public",
    "priority": 0,
    "excluded": False,
}
PARTICIPANT_DEFAULTS: dict[str, Any] = {"participationStatus": "needs-action", "expectReply": False}

# -- the examples (RFC 8984 section 6) --------------------------------------------------------

SIMPLE_EVENT: dict[str, Any] = {
    "@type": "Event",
    "uid": "a8df6573-0474-496d-8496-033ad45d7fea",
    "updated": "2020-01-02T18:23:04Z",
    "title": "Some event",
    "start": "2020-01-15T13:00:00",
    "timeZone": "America/New_York",
    "duration": "PT1H",
}

SIMPLE_GROUP: dict[str, Any] = {
    "@type": "Group",
    "uid": "bf0ac22b-4989-4caf-9ebd-54301b4ee51a",
    "updated": "2020-01-15T18:00:00Z",
    "name": "A simple group",
    "entries": [
        {
            "@type": "Event",
            "uid": "a8df6573-0474-496d-8496-033ad45d7fea",
            "updated": "2020-01-02T18:23:04Z",
            "title": "Some event",
            "start": "2020-01-15T13:00:00",
            "timeZone": "America/New_York",
            "duration": "PT1H",
        },
        {
            "@type": "Task",
            "uid": "2a358cee-6489-4f14-a57f-c104db4dc2f2",
            "updated": "2020-01-09T14:32:01Z",
            "title": "Do something",
        },
    ],
}

ALL_DAY: dict[str, Any] = {
    "title": "April Fool's Day",
    "showWithoutTime": True,
    "start": "1900-04-01T00:00:00",
    "duration": "P1D",
    "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "yearly"}],
}

END_TIME_ZONE: dict[str, Any] = {
    "title": "Flight XY51 to Tokyo",
    "start": "2020-04-01T09:00:00",
    "timeZone": "Europe/Berlin",
    "duration": "PT10H30M",
    "locations": {
        "418d0b9b-b656-4b3c-909f-5b149ca779c9": {
            "@type": "Location",
            "rel": "start",
            "name": "Frankfurt Airport (FRA)",
        },
        "c2c7ac67-dc13-411e-a7d4-0780fb61fb08": {
            "@type": "Location",
            "rel": "end",
            "name": "Narita International Airport (NRT)",
            "timeZone": "Asia/Tokyo",
        },
    },
}

FLOATING_TIME: dict[str, Any] = {
    "title": "Yoga",
    "start": "2020-01-01T07:00:00",
    "duration": "PT30M",
    "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "daily"}],
}

LOCALIZED: dict[str, Any] = {
    "title": "Live from Music Bowl: The Band",
    "description": "Go see the biggest music event ever!",
    "locale": "en",
    "start": "2020-07-04T17:00:00",
    "timeZone": "America/New_York",
    "duration": "PT3H",
    "locations": {
        "c0503d30-8c50-4372-87b5-7657e8e0fedd": {
            "@type": "Location",
            "name": "The Music Bowl",
            "description": "Music Bowl, Central Park, New York",
            "coordinates": "geo:40.7829,-73.9654",
        }
    },
    "virtualLocations": {
        "vloc1": {
            "@type": "VirtualLocation",
            "name": "Free live Stream from Music Bowl",
            "uri": "https://stream.example.com/the_band_2020",
        }
    },
    "localizations": {
        "de": {
            "title": "Live von der Music Bowl: The Band!",
            "description": "Schau dir das größte Musikereignis an!",
            "virtualLocations/vloc1/name": "Gratis Live-Stream aus der Music Bowl",
        }
    },
}

OVERRIDES: dict[str, Any] = {
    "title": "Calculus I",
    "start": "2020-01-08T09:00:00",
    "timeZone": "Europe/London",
    "duration": "PT1H30M",
    "locations": {
        "mlab": {
            "@type": "Location",
            "name": "Math lab room 1",
            "description": "Math Lab I, Department of Mathematics",
        }
    },
    "recurrenceRules": [
        {"@type": "RecurrenceRule", "frequency": "weekly", "until": "2020-06-24T09:00:00"}
    ],
    "recurrenceOverrides": {
        "2020-01-07T14:00:00": {"title": "Introduction to Calculus I (optional)"},
        "2020-04-01T09:00:00": {"excluded": True},
        "2020-06-25T09:00:00": {
            "title": "Calculus I Exam",
            "start": "2020-06-25T10:00:00",
            "duration": "PT2H",
            "locations": {
                "auditorium": {
                    "@type": "Location",
                    "title": "Big Auditorium",
                    "description": "Big Auditorium, Other Road",
                }
            },
        },
    },
}

TOM = "dG9tQGZvb2Jhci5xlLmNvbQ"
ZOE = "em9lQGZvb2GFtcGxlLmNvbQ"
PARTICIPANTS: dict[str, Any] = {
    "title": "FooBar team meeting",
    "start": "2020-01-08T09:00:00",
    "timeZone": "Africa/Johannesburg",
    "duration": "PT1H",
    "virtualLocations": {
        "0": {
            "@type": "VirtualLocation",
            "name": "ChatMe meeting room",
            "uri": "https://chatme.example.com?id=1234567&pw=a8a24627b63d",
        }
    },
    "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "weekly"}],
    "recurrenceOverrides": {
        "2020-03-04T09:00:00": {f"participants/{TOM}/participationStatus": "declined"}
    },
    "participants": {
        TOM: {
            "@type": "Participant",
            "name": "Tom Tool",
            "email": "tom@foobar.example.com",
            "sendTo": {"imip": "mailto:tom@calendar.example.com"},
            "participationStatus": "accepted",
            "roles": {"attendee": True},
        },
        ZOE: {
            "@type": "Participant",
            "name": "Zoe Zelda",
            "email": "zoe@foobar.example.com",
            "sendTo": {"imip": "mailto:zoe@calendar.example.com"},
            "participationStatus": "accepted",
            "roles": {"owner": True, "attendee": True, "chair": True},
        },
    },
    "replyTo": {"imip": "mailto:f245f875-7f63-4a5e-a2c8@schedule.example.com"},
}


def _elided(section: str, body: dict[str, Any]) -> dict[str, Any]:
    """An example whose common properties the RFC elides ("...": ""), with ours."""
    return {"@type": "Event", "uid": f"rfc8984-{section}", **body}


# Section -> the Event to write (None: a Task, skipped).
EXAMPLES: dict[str, dict[str, Any] | None] = {
    "6.1 Simple Event": SIMPLE_EVENT,
    "6.2 Simple Task": None,
    "6.3 Simple Group": SIMPLE_GROUP["entries"][0],
    "6.4 All-Day Event": _elided("6.4", ALL_DAY),
    "6.5 Task with a Due Date": None,
    "6.6 Event with End Time Zone": _elided("6.6", END_TIME_ZONE),
    "6.7 Floating-Time Event (with Recurrence)": _elided("6.7", FLOATING_TIME),
    "6.8 Event with Multiple Locations and Localization": _elided("6.8", LOCALIZED),
    "6.9 Recurring Event with Overrides": _elided("6.9", OVERRIDES),
    "6.10 Recurring Event with Participants": _elided("6.10", PARTICIPANTS),
}
EVENTS = [name for name, event in EXAMPLES.items() if event is not None]
TASK = "a JSCalendar Task: calgate serves VEVENTs only"


# Example -> (why calgate's answer differs, the paths that differ; None: the write is refused).
def _with_override(key: str, *found: str) -> frozenset[str]:
    """``found`` in the series and again in the instance the override at ``key`` makes."""
    return frozenset(found) | {f"recurrenceOverrides/{key}/{path}" for path in found}


_BOWL = "locations/c0503d30-8c50-4372-87b5-7657e8e0fedd"
# The id the reader derives for the ORGANIZER (the replyTo address), which no participant has.
REPLY_TO = "ee24caf5-8eb1-5084-9851-55b3cfd43bf0"
_PARTICIPANT_LOSS = (
    f"participants/{ZOE}/roles/attendee",
    f"participants/{ZOE}/roles/owner",
    f"participants/{REPLY_TO}",
)
DOCUMENTED: dict[str, tuple[str, frozenset[str] | None]] = {
    "6.6 Event with End Time Zone": (
        "the example spells relativeTo as rel (RFC 8984's text; the property is relativeTo): "
        "calgate reads rel as relativeTo and answers relativeTo. The end location's timeZone is "
        "written as DTEND;TZID=Asia/Tokyo, the locations as RFC 9073 VLOCATIONs",
        frozenset(
            {
                "locations/418d0b9b-b656-4b3c-909f-5b149ca779c9/rel",
                "locations/418d0b9b-b656-4b3c-909f-5b149ca779c9/relativeTo",
                "locations/c2c7ac67-dc13-411e-a7d4-0780fb61fb08/rel",
                "locations/c2c7ac67-dc13-411e-a7d4-0780fb61fb08/relativeTo",
            }
        ),
    ),
    "6.9 Recurring Event with Overrides": (
        "the exam's location is spelt with title (RFC 8984's text; a Location has name), which "
        "is not a Location property, so the override's location reads back without it",
        frozenset({"recurrenceOverrides/2020-06-25T09:00:00/locations/auditorium/title"}),
    ),
    "6.10 Recurring Event with Participants": (
        "replyTo becomes the ORGANIZER, which the reader shows as replyTo "
        "and, since no participant has that address, as a participant of its own (the owner); "
        "Zoe's roles are written as ROLE=CHAIR (one ATTENDEE role; the organizer is the replyTo "
        "address), so attendee and owner are not read back",
        _with_override("2020-03-04T09:00:00", *_PARTICIPANT_LOSS),
    ),
}

# -- comparing --------------------------------------------------------------------------------


def _imip(address: Any) -> dict[str, str] | None:
    if isinstance(address, str) and address.lower().startswith("mailto:"):
        return {"imip": address}
    return None


def _participant(part: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in part.items() if PARTICIPANT_DEFAULTS.get(k, ...) != v}
    address = out.pop("calendarAddress", None)
    if "sendTo" not in out and _imip(address):
        out["sendTo"] = _imip(address)
    return out


def _plain(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without the server's properties and defaults, in RFC 8984's spelling."""
    out = {
        k: v
        for k, v in obj.items()
        if k not in SERVER and k != "recurrenceOverrides" and DEFAULTS.get(k, ...) != v
    }
    address = out.pop("organizerCalendarAddress", None)
    if "replyTo" not in out and _imip(address):
        out["replyTo"] = _imip(address)
    if isinstance(out.get("participants"), dict):
        out["participants"] = {k: _participant(p) for k, p in out["participants"].items()}
    return out


def meaning(obj: dict[str, Any]) -> dict[str, Any]:
    """What ``obj`` means: the series and each override as the instance it makes."""
    series = _plain(obj)
    out = dict(series)
    overrides = obj.get("recurrenceOverrides") or {}
    if overrides:
        out["recurrenceOverrides"] = {
            key: "excluded"
            if patch.get("excluded")
            else _plain(apply_patch({**series, "start": key}, patch))
            for key, patch in overrides.items()
        }
    return out


def paths(got: Any, want: Any, at: str = "") -> set[str]:
    """The paths where ``got`` and ``want`` differ (a member missing on one side included)."""
    if isinstance(got, dict) and isinstance(want, dict):
        found: set[str] = set()
        for key in sorted(set(got) | set(want)):
            found |= paths(got.get(key), want.get(key), f"{at}/{key}")
        return found
    return set() if got == want else {at.lstrip("/")}


def write(example: dict[str, Any]) -> Calendar:
    return write_event(
        None, copy.deepcopy(example), uid=example["uid"], default_tz=DEFAULT_TZ, now=NOW
    )


def difference(name: str) -> frozenset[str] | None:
    """Paths where calgate's read-back differs from the example; None when it is refused."""
    example = EXAMPLES[name]
    assert example is not None
    try:
        cal = write(example)
    except InvalidInput:
        return None
    got = to_jscalendar(cal, floating_tz=FLOATING)
    return frozenset(paths(meaning(got), meaning(example)))


@pytest.mark.parametrize("name", EVENTS)
def test_rfc8984_example_reads_back(name: str) -> None:
    found = difference(name)
    if name in DOCUMENTED:
        reason, expected = DOCUMENTED[name]
        assert reason
        if found == frozenset():
            pytest.fail(f"{name} now agrees with RFC 8984: remove it from DOCUMENTED")
        assert found == expected, f"{name}: differs at {found}, documented {expected}"
    else:
        assert found == frozenset(), f"{name}: differs at {sorted(found or ['refused'])}"


def test_rfc8984_6_6_end_time_zone_is_dtend_in_that_zone() -> None:
    """09:00 Berlin (CEST, 07:00Z) plus 10h30 is 02:30 the next day in Tokyo."""
    example = EXAMPLES["6.6 Event with End Time Zone"]
    assert example is not None
    event, _ = _events(write(example))
    assert event.get("DTEND").params["TZID"] == "Asia/Tokyo"
    assert event.decoded("DTEND").replace(tzinfo=None) == datetime(2020, 4, 2, 2, 30)
    assert "DURATION" not in event
    names = sorted(str(c["NAME"]) for c in event.subcomponents if c.name == "VLOCATION")
    assert names == ["Frankfurt Airport (FRA)", "Narita International Airport (NRT)"]


def test_rfc8984_tasks_are_refused_with_a_pointer_at_the_type() -> None:
    """6.2 and 6.5 are Tasks: calgate serves VEVENTs, so a Task (the 6.3 Group's) is a 422."""
    assert EXAMPLES["6.2 Simple Task"] is None and EXAMPLES["6.5 Task with a Due Date"] is None
    task = next(e for e in SIMPLE_GROUP["entries"] if e["@type"] == "Task")
    with pytest.raises(InvalidInput) as caught:
        write(task)
    assert "#/@type" in [e.pointer for e in caught.value.errors], TASK


# -- the iCalendar written --------------------------------------------------------------------


def _events(cal: Calendar) -> tuple[Component, dict[Any, Component]]:
    """The master VEVENT and the overrides by RECURRENCE-ID."""
    events = [c for c in cal.walk("VEVENT")]
    master = next(e for e in events if "RECURRENCE-ID" not in e)
    return master, {e["RECURRENCE-ID"].dt: e for e in events if "RECURRENCE-ID" in e}


def _times(event: Component, name: str) -> list[Any]:
    value = event.get(name)
    values = value if isinstance(value, list) else [value] if value is not None else []
    return sorted(dt.dt for v in values for dt in v.dts)


def _rrule(event: Component) -> str:
    return event["RRULE"].to_ical().decode()


def _local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def _start(event: Component, text: str, zone: str) -> None:
    assert event["DTSTART"].dt == _local(text, zone)
    assert event["DTSTART"].params["TZID"] == zone


def _people(event: Component) -> dict[str, dict[str, str]]:
    return {
        str(a): {k: str(v) for k, v in a.params.items()}
        for a in (event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]])
    }


def test_rfc8984_6_1_ical() -> None:
    for name in ("6.1 Simple Event", "6.3 Simple Group"):
        event = EXAMPLES[name]
        assert event is not None
        master, overrides = _events(write(event))
        _start(master, "2020-01-15T13:00:00", "America/New_York")
        assert master["DURATION"].dt == timedelta(hours=1) and "DTEND" not in master
        assert str(master["SUMMARY"]) == "Some event"
        assert str(master["UID"]) == "a8df6573-0474-496d-8496-033ad45d7fea"
        assert not overrides


def test_rfc8984_6_4_ical() -> None:
    event = EXAMPLES["6.4 All-Day Event"]
    assert event is not None
    master, _ = _events(write(event))
    assert master["DTSTART"].dt == date(1900, 4, 1)
    assert master["DURATION"].dt == timedelta(days=1)
    assert _rrule(master) == "FREQ=YEARLY"
    assert str(master["SUMMARY"]) == "April Fool's Day"


def test_rfc8984_6_7_ical() -> None:
    event = EXAMPLES["6.7 Floating-Time Event (with Recurrence)"]
    assert event is not None
    master, _ = _events(write(event))
    assert master["DTSTART"].dt == datetime(2020, 1, 1, 7, 0)  # floating: no TZID, no Z
    assert "TZID" not in master["DTSTART"].params
    assert master["DURATION"].dt == timedelta(minutes=30)
    assert _rrule(master) == "FREQ=DAILY"


def test_rfc8984_6_8_ical() -> None:
    event = EXAMPLES["6.8 Event with Multiple Locations and Localization"]
    assert event is not None
    master, _ = _events(write(event))
    _start(master, "2020-07-04T17:00:00", "America/New_York")
    assert master["DURATION"].dt == timedelta(hours=3)
    assert str(master["SUMMARY"]) == "Live from Music Bowl: The Band"
    assert str(master["DESCRIPTION"]) == "Go see the biggest music event ever!"
    assert str(master["LOCATION"]) == "The Music Bowl"
    assert master["LOCATION"].params["JSID"] == "c0503d30-8c50-4372-87b5-7657e8e0fedd"
    assert master["SUMMARY"].params["LANGUAGE"] == "en"
    assert (master["GEO"].latitude, master["GEO"].longitude) == (40.7829, -73.9654)
    assert "JSID" not in master["GEO"].params  # the one LOCATION's place: the reader merges them
    conference = master["CONFERENCE"]
    assert str(conference) == "https://stream.example.com/the_band_2020"
    assert dict(conference.params) == {
        "VALUE": "URI",
        "LABEL": "Free live Stream from Music Bowl",
        "JSID": "vloc1",
    }


def test_rfc8984_6_9_ical() -> None:
    event = EXAMPLES["6.9 Recurring Event with Overrides"]
    assert event is not None
    master, overrides = _events(write(event))
    zone = "Europe/London"
    _start(master, "2020-01-08T09:00:00", zone)
    assert master["DURATION"].dt == timedelta(hours=1, minutes=30)
    assert _rrule(master) == "FREQ=WEEKLY;UNTIL=20200624T080000Z"  # 09:00 BST
    assert _times(master, "EXDATE") == [_local("2020-04-01T09:00:00", zone)]
    # the two patched dates the rule does not make are added (RFC 5545 RDATE)
    extra = [_local("2020-01-07T14:00:00", zone), _local("2020-06-25T09:00:00", zone)]
    assert _times(master, "RDATE") == extra
    assert str(master["LOCATION"]) == "Math lab room 1"
    assert master["LOCATION"].params["JSID"] == "mlab"
    assert sorted(overrides) == extra
    intro, exam = overrides[extra[0]], overrides[extra[1]]
    assert str(intro["SUMMARY"]) == "Introduction to Calculus I (optional)"
    _start(intro, "2020-01-07T14:00:00", zone)
    assert intro["DURATION"].dt == timedelta(hours=1, minutes=30)
    assert str(intro["LOCATION"]) == "Math lab room 1"
    assert str(exam["SUMMARY"]) == "Calculus I Exam"
    _start(exam, "2020-06-25T10:00:00", zone)
    assert exam["DURATION"].dt == timedelta(hours=2)
    assert "LOCATION" not in exam  # the auditorium has no name (DOCUMENTED)


def test_rfc8984_6_10_ical() -> None:
    event = EXAMPLES["6.10 Recurring Event with Participants"]
    assert event is not None
    master, overrides = _events(write(event))
    zone = "Africa/Johannesburg"
    _start(master, "2020-01-08T09:00:00", zone)
    assert master["DURATION"].dt == timedelta(hours=1)
    assert _rrule(master) == "FREQ=WEEKLY"
    tom, zoe = "mailto:tom@calendar.example.com", "mailto:zoe@calendar.example.com"
    tom_email, zoe_email = "tom@foobar.example.com", "zoe@foobar.example.com"
    assert _people(master) == {
        tom: {"CN": "Tom Tool", "JSID": TOM, "PARTSTAT": "ACCEPTED", "EMAIL": tom_email},
        zoe: {
            "CN": "Zoe Zelda",
            "JSID": ZOE,
            "PARTSTAT": "ACCEPTED",
            "ROLE": "CHAIR",
            "EMAIL": zoe_email,
        },
    }
    assert str(master["CONFERENCE"]) == "https://chatme.example.com?id=1234567&pw=a8a24627b63d"
    assert master["CONFERENCE"].params["LABEL"] == "ChatMe meeting room"
    assert master["CONFERENCE"].params["JSID"] == "0"
    # Replies go where replyTo says, not to the owner's own address
    assert str(master["ORGANIZER"]) == "mailto:f245f875-7f63-4a5e-a2c8@schedule.example.com"
    assert list(overrides) == [_local("2020-03-04T09:00:00", zone)]
    (declined,) = overrides.values()
    _start(declined, "2020-03-04T09:00:00", zone)
    assert _people(declined)[tom]["PARTSTAT"] == "DECLINED"
    assert _people(declined)[zoe]["PARTSTAT"] == "ACCEPTED"


def test_rfc8984_summary() -> None:
    assert set(DOCUMENTED) <= set(EVENTS), set(DOCUMENTED) - set(EVENTS)
    found = {name: difference(name) for name in EVENTS}
    agree = sum(d == frozenset() for d in found.values())
    listed = sum(found[name] == expected for name, (_, expected) in DOCUMENTED.items())
    report("rfc8984", f"rfc8984: {agree}/{len(EVENTS)} examples agree, {listed} documented")
    assert agree + listed == len(EVENTS), json.dumps({k: sorted(v or []) for k, v in found.items()})
