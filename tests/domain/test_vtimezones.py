"""The VTIMEZONEs calgate writes (issue 16, point 3): the form clients emit, STANDARD/DAYLIGHT
with yearly RRULEs for the current rules, right in every year when read alone; and reads that
never trust a stored VTIMEZONE over the IANA zone its TZID names."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar

from calgate.domain.ical_events import patch_event
from calgate.domain.vtimezone import iana_vtimezone
from tests.vtimezone_check import EVENT_TIMES, Definition, definitions, wrong_local_offsets

from .helpers import LATER, build, ics, public

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",  # no DST
    "Australia/Sydney",  # southern hemisphere
    "America/Sao_Paulo",  # DST abolished in 2019
    "Europe/Moscow",  # rules changed in 2011 and 2014
]


def _written(zone: str, start: str = "2027-01-15T10:00:00") -> Calendar:
    return build(start=start, duration="PT1H", timeZone=zone)


@pytest.mark.parametrize("zone", ZONES)
def test_a_written_vtimezone_alone_gives_the_iana_offsets_in_2027_2037_and_2045(zone) -> None:
    text = _written(zone).to_ical()
    definition = definitions(text)[zone]
    assert wrong_local_offsets(definition, zone, EVENT_TIMES) == []
    # also far beyond the years icalendar's own definitions stop at (2038)
    later = [datetime(2099, 1, 15, 10), datetime(2099, 7, 15, 10)]
    assert wrong_local_offsets(definition, zone, later) == []


@pytest.mark.parametrize("zone", ZONES)
def test_the_form_is_the_one_clients_emit(zone) -> None:
    (vtimezone,) = _written(zone).walk("VTIMEZONE")
    parts = vtimezone.subcomponents
    assert all("RDATE" not in p for p in parts)  # Radicale keeps only an RDATE's first value
    rules = [p for p in parts if "RRULE" in p]
    if zone in ("Asia/Kolkata", "America/Sao_Paulo", "Europe/Moscow"):
        assert [p.name for p in parts] == ["STANDARD"] and not rules
        assert (
            parts[0]["TZOFFSETTO"].to_ical()
            == {
                "Asia/Kolkata": "+0530",
                "America/Sao_Paulo": "-0300",
                "Europe/Moscow": "+0300",
            }[zone]
        )
    else:
        assert (
            sorted(p.name for p in parts)
            == ["DAYLIGHT", "STANDARD"]
            == sorted(p.name for p in rules)
        )
        for part in rules:
            rule = part["RRULE"].to_ical().decode()
            assert rule.startswith("FREQ=YEARLY;") and "UNTIL" not in rule and "COUNT" not in rule


def test_the_current_rules_start_with_their_first_change() -> None:
    (vtimezone,) = _written("America/New_York").walk("VTIMEZONE")
    lines = vtimezone.to_ical().decode().split("\r\n")
    assert "DTSTART:20070311T020000" in lines and "DTSTART:20071104T020000" in lines
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in lines
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in lines


@pytest.mark.parametrize(
    ("zone", "start", "checked"),
    [
        (
            "Europe/Berlin",
            "1995-06-01T10:00:00",
            [datetime(1995, 1, 15, 10), datetime(1995, 6, 1, 10), datetime(1995, 10, 1, 10)],
        ),
        (
            "America/Sao_Paulo",
            "2018-12-01T10:00:00",
            [datetime(2018, 12, 1, 10), datetime(2019, 7, 1, 10)],
        ),
        (
            "Europe/Moscow",
            "2012-01-10T10:00:00",
            [datetime(2012, 1, 10, 10), datetime(2015, 1, 10, 10)],
        ),
        (
            "Asia/Kolkata",
            "1942-06-01T10:00:00",
            [datetime(1942, 6, 1, 10), datetime(1950, 1, 1, 10)],
        ),
    ],
)
def test_earlier_changes_are_written_where_an_event_needs_them(zone, start, checked) -> None:
    definition = definitions(_written(zone, start).to_ical())[zone]
    assert wrong_local_offsets(definition, zone, checked + EVENT_TIMES) == []


def test_no_earlier_changes_where_no_event_needs_them() -> None:
    (vtimezone,) = _written("Europe/Berlin").walk("VTIMEZONE")
    assert len(vtimezone.subcomponents) == 2


def test_zones_whose_future_changes_follow_no_rule_list_them() -> None:
    # Morocco's Ramadan changes are in tzdata until 2087, one by one; they are written out
    definition = Definition(iana_vtimezone("Africa/Casablanca", date(2027, 1, 1)))
    walls = [datetime(y, m, 15, 10) for y in range(2027, 2090, 3) for m in (1, 3, 5, 7, 9, 11)]
    assert wrong_local_offsets(definition, "Africa/Casablanca", walls) == []


def test_a_change_the_day_after_a_weekday_crossing_into_the_next_month() -> None:
    # Egypt: DST ends at 24:00 of October's last Thursday, in some years on 1 November
    definition = Definition(iana_vtimezone("Africa/Cairo", date(2027, 1, 1)))
    walls = [
        datetime(y, m, d, 12) for y in range(2027, 2100) for m, d in ((10, 31), (11, 1), (11, 2))
    ]
    assert wrong_local_offsets(definition, "Africa/Cairo", walls) == []


def test_windows_and_vendor_ids_get_the_definition_of_their_iana_zone() -> None:
    for tzid in ("W. Europe Standard Time", "/mozilla.org/20070129_1/Europe/Berlin"):
        definition = Definition(iana_vtimezone(tzid, date(2027, 1, 1)))
        assert definition.tzid == tzid
        assert wrong_local_offsets(definition, "Europe/Berlin", EVENT_TIMES) == []
    with pytest.raises(ValueError):
        iana_vtimezone("Mars/Olympus_Mons", date(2027, 1, 1))


def test_an_edit_keeps_the_stored_definition() -> None:
    # existing objects are left as they are: an edit does not replace a stored VTIMEZONE
    cal = _broken("Europe/Berlin")
    patch_event(cal, {"title": "Renamed"}, default_tz="UTC", now=LATER)
    (vtimezone,) = cal.walk("VTIMEZONE")
    assert vtimezone.subcomponents[0]["TZOFFSETTO"].to_ical() == "+0500"


# -- reads: the IANA zone, never a stored VTIMEZONE of the same name --------------------------


def _broken(tzid: str) -> Calendar:
    """An object whose VTIMEZONE for ``tzid`` is wrong (+05:00 all year)."""
    return ics(
        "BEGIN:VTIMEZONE",
        f"TZID:{tzid}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0500",
        "TZOFFSETTO:+0500",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "UID:broken-1",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART;TZID={_param(tzid)}:20270715T100000",
        "DURATION:PT1H",
        "END:VEVENT",
    )


def _param(tzid: str) -> str:
    return f'"{tzid}"' if any(c in tzid for c in ":;,") else tzid


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/Berlin",
        "/Europe/Berlin",
        "W. Europe Standard Time",
        "/mozilla.org/20070129_1/Europe/Berlin",
    ],
)
def test_a_wrong_vtimezone_of_an_iana_zone_is_not_trusted(tzid) -> None:
    pub = public(_broken(tzid), floating_tz="UTC")
    assert pub.start == "2027-07-15T10:00:00+02:00"
    assert pub.time_zone == "Europe/Berlin"


def test_a_custom_tzid_is_still_read_with_its_own_vtimezone() -> None:
    pub = public(_broken("Office Time"), floating_tz="UTC")
    assert pub.start == "2027-07-15T10:00:00+05:00"


def test_definition_for_calendars_without_events_starts_a_year_before_the_given_day() -> None:
    definition = Definition(iana_vtimezone("Asia/Gaza", date(2026, 6, 1)))
    walls = [datetime(2025, 6, 1, 12) + timedelta(days=10 * i) for i in range(400)]
    assert wrong_local_offsets(definition, "Asia/Gaza", walls) == []


def test_an_event_in_the_year_2_gets_a_definition_from_its_year_on() -> None:
    definition = definitions(_written("Europe/Berlin", "0002-06-01T10:00:00").to_ical())
    berlin = definition["Europe/Berlin"]
    # local mean time then (+00:53:28, which icalendar's own reading rounds to the minute)
    assert berlin.of_local(datetime(2, 6, 1, 10)) == [timedelta(minutes=53, seconds=28)]
    assert berlin.of_local(datetime(1950, 1, 1, 10)) == [timedelta(hours=1)]
    assert wrong_local_offsets(berlin, "Europe/Berlin", EVENT_TIMES) == []
