"""zoneinfo as the oracle of calgate's VTIMEZONEs (issue 16, point 3): for every zone zoneinfo
knows, the VTIMEZONE calgate writes for an event in 2027, read alone (its onsets expanded with
dateutil, and icalendar's own reading of it), gives zoneinfo's UTC offset at noon UTC every
third day from 2027 to 2045 and at the contract's event times (2027 winter and summer, 2037,
2045)."""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta

from calgate.domain.vtimezone import iana_vtimezone
from tests.oracles.support import report
from tests.vtimezone_check import EVENT_TIMES, Definition, wrong_instants, wrong_local_offsets


def test_every_zoneinfo_zone() -> None:
    zones = sorted(zoneinfo.available_timezones())
    wrong: dict[str, object] = {}
    with_rules = 0
    for zone in zones:
        vtimezone = iana_vtimezone(zone, date(2027, 1, 1))
        with_rules += any("RRULE" in part for part in vtimezone.subcomponents)
        definition = Definition(vtimezone)
        instants = wrong_instants(
            definition, zone, date(2027, 1, 1), date(2046, 1, 1), timedelta(days=3)
        )
        local = wrong_local_offsets(definition, zone, EVENT_TIMES)
        if instants or local:
            wrong[zone] = (instants[:3], local[:3])
    agree = len(zones) - len(wrong)
    report(
        "zoneinfo",
        f"zoneinfo: {agree}/{len(zones)} zones' VTIMEZONEs give zoneinfo's offsets 2027-2045 "
        f"({with_rules} with yearly rules)",
    )
    assert wrong == {}
