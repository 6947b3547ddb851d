"""The in-place VEVENT editor (pure, no I/O): :class:`EventEditor` applies one simple write
form (:class:`EventWrite`) to one VEVENT, rewriting a property only when its meaning changes (see
:mod:`calgate.domain.ical_write` for the rules). Shared by every writer: the JSCalendar editor
extends it, :class:`OccurrenceEditor` is it without the recurrence parts (for overrides).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from icalendar import Alarm, Component, vCalAddress, vDDDLists
from icalendar.parser import Parameters
from icalendar.prop import vBroken, vRecur

from calgate.domain.ical_parse import (
    first,
    floating_zone,
    props,
    text_of,
)
from calgate.domain.ical_read import (
    ACTION_IN,
    CLASS_IN,
    PARTSTAT_IN,
    PRIORITIZED,
    ROLE_IN,
    STATUS_IN,
    TRANSP_IN,
    ReadEvent,
    address_of,
    alarms_of,
    alert_of,
    attendee_of,
    categories_of,
    effective_end,
    exdates_of,
    organizer_of,
    prioritized_of,
    priority_of,
    rdate_start,
    read_event,
    showable_attendee,
)
from calgate.domain.model import Alert, Attendee, EventWrite
from calgate.domain.recurrence import check_rrule, rrule_key, time_key
from calgate.domain.timezones import UTC, EventZone, Time, is_date
from calgate.domain.write_times import (
    DesiredTimes,
    alert_key,
    check_rule_times,
    desired_rrule,
    desired_times,
    end_key,
    exdate_value,
    start_key,
    stored_date_key,
    time_prop,
)

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_OUT = {
    "STATUS": {v: k for k, v in STATUS_IN.items()},
    "TRANSP": {v: k for k, v in TRANSP_IN.items()},
    "CLASS": {v: k for k, v in CLASS_IN.items()},
}
_ROLE_OUT = {v: k for k, v in ROLE_IN.items()}
_PARTSTAT_OUT = {v: k for k, v in PARTSTAT_IN.items()}
_ACTION_OUT = {v: k for k, v in ACTION_IN.items()}


# -- the editor -------------------------------------------------------------------------------


class EventEditor:
    """Applies one :class:`EventWrite` to one VEVENT, remembering whether anything changed."""

    def __init__(self, event: Component, body: EventWrite, *, default_tz: str) -> None:
        self.event = event
        self.body = body
        self.default_tz = default_tz
        self.floating_tz = floating_zone(default_tz)
        self.read: ReadEvent = read_event(event, self.floating_tz)
        self.changed = False
        self.known_zones: dict[str, EventZone] = {}  # zones besides IANA's a body may name

    # helpers
    def _set(self, name: str, values: list[Any]) -> None:
        self.event.pop(name, None)
        for value in values:
            self.event.add(name, value)
        self.changed = True

    def _remove(self, name: str) -> None:
        if name in self.event:
            self.event.pop(name)
            self.changed = True

    def apply(self) -> bool:
        stored = self.read.times
        stored_zone = stored.zone if stored.start is not None else None
        times = desired_times(
            self.body, default_tz=self.default_tz, stored=stored_zone, known=self.known_zones
        )
        self._times(times)
        self._text("SUMMARY", self.body.title)
        self._text("DESCRIPTION", self.body.description)
        self._text("LOCATION", self.body.location)
        self._enum("STATUS", self.body.status, STATUS_IN)
        self._enum("TRANSP", self.body.transparency, TRANSP_IN)
        self._enum("CLASS", self.body.privacy, CLASS_IN)
        self._priority()
        self._prioritized()
        self._text("URL", self.body.url)
        self._categories()
        self._organizer()
        self._attendees()
        self._rrule(times)
        self._exdates(times)
        self._rdates(times)
        self._alerts(times)
        return self.changed

    # times
    def _times(self, times: DesiredTimes) -> None:
        stored = self.read.times
        new = stored.start is None
        if start_key(stored.start, stored.zone) != start_key(times.start, times.zone):
            self._set("DTSTART", [time_prop(times.start, times.zone)])
        if not new and end_key(
            self._stored_end_for(times.start, times.zone), times.zone
        ) == end_key(times.end, times.zone):
            return
        self._remove("DTEND")
        self._remove("DURATION")
        self.changed = True
        if times.end_mode == "duration" and times.duration is not None:
            if times.duration or is_date(times.start):
                self.event.add("DURATION", times.duration)
        elif times.end != times.start:
            self.event.add("DTEND", time_prop(times.end, times.zone))

    def _stored_end_for(self, start: Time, zone: EventZone) -> Time | None:
        """Where the stored DTEND / DURATION / nothing makes an event starting at ``start``
        end, read as the reader reads it (so odd stored ends survive a PUT that keeps them)."""
        stored = self.read.times
        return effective_end(start, stored.dtend, stored.duration, zone, self.floating_tz)

    # simple properties
    def _text(self, name: str, value: str | None) -> None:
        if text_of(self.event, name) == value:
            return
        if value is None:
            self._remove(name)
        else:
            self._set(name, [value])

    def _enum(self, name: str, value: str | None, table: dict[str, str]) -> None:
        current = text_of(self.event, name)
        shown = table.get(current.strip().upper()) if current is not None else None
        if shown == value or (value is None and current is not None and shown is None):
            return
        if value is None:
            self._remove(name)
        else:
            self._set(name, [_OUT[name][value]])

    def _priority(self) -> None:
        value = self.body.priority
        if priority_of(self.event) == value:  # also keeps a PRIORITY calgate cannot show
            return
        if value is None:
            self._remove("PRIORITY")
        else:
            self._set("PRIORITY", [value])

    def _prioritized(self) -> None:
        wanted = self.body.prioritized
        if wanted is None or prioritized_of(self.event) == wanted:
            return  # absent: the stored flag stays (clients that do not know it keep it)
        if wanted:
            self._set(PRIORITIZED, ["TRUE"])
        else:
            self._remove(PRIORITIZED)

    def _categories(self) -> None:
        wanted = list(self.body.categories)
        if categories_of(self.event) == wanted:
            return
        if wanted:
            self._set("CATEGORIES", [wanted])
        else:
            self._remove("CATEGORIES")

    # people
    def _organizer(self) -> None:
        wanted = self.body.organizer
        current = first(self.event, "ORGANIZER")
        shown = organizer_of(self.event)
        if wanted is None:
            if shown is not None:  # an ORGANIZER calgate cannot show is kept
                self._remove("ORGANIZER")
            return
        if shown is not None and shown == {"email": wanted.email, "name": wanted.name}:
            return
        if shown is not None and shown["email"].lower() == wanted.email.lower():
            params = Parameters(dict(current.params))
            _put_param(params, "CN", wanted.name)
            address = vCalAddress(str(current))
            address.params = params
        else:
            address = _new_address(wanted.email)
            _put_param(address.params, "CN", wanted.name)
        self._set("ORGANIZER", [address])

    def _attendees(self) -> None:
        stored = props(self.event, "ATTENDEE")
        by_email: dict[str, Any] = {}
        for value in stored:
            if showable_attendee(value):
                by_email.setdefault(address_of(value).lower(), value)
        result = [self._attendee(a, by_email.get(a.email.lower())) for a in self.body.attendees]
        # ATTENDEEs calgate cannot show (no usable address) are kept as they are.
        result += [v for v in stored if not showable_attendee(v)]
        if len(result) == len(stored) and {id(v) for v in result} == {id(v) for v in stored}:
            return
        self.event.pop("ATTENDEE", None)
        for value in result:
            self.event.add("ATTENDEE", value)
        self.changed = True

    def _attendee(self, wanted: Attendee, current: Any) -> Any:
        """The ATTENDEE for ``wanted``: the stored one when nothing changes, else a copy with
        its unknown parameters (and values calgate cannot show) kept."""
        address = _new_address(wanted.email) if current is None else vCalAddress(str(current))
        shown = attendee_of(current) if current is not None else {}
        params = Parameters(dict(current.params)) if current is not None else address.params
        _put_param(params, "CN", wanted.name)
        for name, key, value, table in (
            ("ROLE", "role", wanted.role, _ROLE_OUT),
            ("PARTSTAT", "participation_status", wanted.participation_status, _PARTSTAT_OUT),
        ):
            if value is not None:
                params[name] = table[value]
            elif shown.get(key) is not None:
                params.pop(name, None)
        if wanted.rsvp is not None:
            params["RSVP"] = "TRUE" if wanted.rsvp else "FALSE"
        elif shown.get("rsvp") is not None:
            params.pop("RSVP", None)
        if current is not None and dict(params) == dict(current.params):
            return current
        address.params = params
        return address

    # recurrence
    def _rrule(self, times: DesiredTimes) -> None:
        wanted = desired_rrule(self.body, times)
        current = self.read.rrule
        if wanted is None:
            if current is not None and _valid_rrule(current):
                self._remove("RRULE")
            return
        same = current is not None and rrule_key(current, times.zone) == rrule_key(
            wanted, times.zone
        )
        stored = self.read.times
        # A stored rule is only checked against the start when the rule or the start changes:
        # an edit of the title must not fail on what another client stored.
        if not same or start_key(stored.start, stored.zone) != start_key(times.start, times.zone):
            raw = self.body.rrule is not None
            check_rule_times(wanted, times, raw=raw, default_tz=self.default_tz)
        if same:
            return
        self._set("RRULE", [vRecur.from_ical(wanted)])

    def _exdates(self, times: DesiredTimes) -> None:
        wanted = [
            exdate_value(text, times, f"#/excludedDates/{i}")
            for i, text in enumerate(self.body.excluded_dates)
        ]
        current = exdates_of(self.event)
        if {time_key(x, times.zone) for x in current} == {time_key(x, times.zone) for x in wanted}:
            return
        self.event.pop("EXDATE", None)
        self.changed = True
        if not wanted:
            return
        ordered = sorted({time_key(x, times.zone): x for x in wanted}.items())
        self.event.add("EXDATE", _date_list([x for _, x in ordered], times))

    def _rdates(self, times: DesiredTimes) -> None:
        """RDATE from ``recurrenceDates``. Stored values whose time is still wanted are kept as
        they are (a PERIOD with its end, its TZID), so a PUT of the read form changes nothing."""
        wanted: dict[tuple[Any, ...], Time] = {}
        for i, text in enumerate(self.body.recurrence_dates):
            value = exdate_value(text, times, f"#/recurrenceDates/{i}")
            wanted.setdefault(time_key(value, times.zone), value)
        stored = props(self.event, "RDATE")
        readable = [
            (prop, [(item, rdate_start(item)) for item in getattr(prop, "dts", None) or []])
            for prop in stored
            if not isinstance(prop, vBroken)
        ]
        current = {
            stored_date_key(start, times)
            for _, items in readable
            for _, start in items
            if start is not None
        }
        if current == set(wanted):
            return
        kept: list[Any] = [p for p in stored if isinstance(p, vBroken)]  # unreadable: kept
        covered: set[tuple[Any, ...]] = set()
        for prop, items in readable:
            keep = []
            for item, start in items:
                key = stored_date_key(start, times) if start is not None else None
                if key is None or (key in wanted and key not in covered):
                    keep.append(item)
                    if key is not None:
                        covered.add(key)
            if len(keep) == len(items):
                kept.append(prop)
            elif keep:
                part = vDDDLists([item.dt for item in keep])
                part.params = Parameters(dict(prop.params))
                kept.append(part)
        new = [value for key, value in sorted(wanted.items()) if key not in covered]
        if new:
            kept.append(_date_list(new, times))
        self.event.pop("RDATE", None)
        for prop in kept:
            self.event.add("RDATE", prop)
        self.changed = True

    # alarms
    def _alerts(self, times: DesiredTimes) -> None:
        if "alerts" not in self.body.model_fields_set:
            return
        wanted = list(self.body.alerts)
        new: list[Component] = []
        used: set[int] = set()
        read_times = self.read.times
        for alert in wanted:
            key = alert_key(alert, times, self.default_tz)
            match = None
            for alarm in alarms_of(self.event):
                shown = alert_of(alarm, read_times)
                if shown is not None and shown.key == key and id(alarm) not in used:
                    match = alarm
                    break
            if match is None:
                new.append(new_alarm(alert, key, self.body.title))
                self.changed = True
                continue
            used.add(id(match))
            if alert.description is not None and text_of(match, "DESCRIPTION") != alert.description:
                match.pop("DESCRIPTION", None)
                match.add("DESCRIPTION", alert.description)
                self.changed = True
        subcomponents: list[Component] = []
        for comp in self.event.subcomponents:
            if (
                getattr(comp, "name", None) != "VALARM"
                or id(comp) in used
                or (wanted and alert_of(comp, read_times) is None)
            ):
                subcomponents.append(comp)
            else:
                self.changed = True
        self.event.subcomponents = subcomponents + new


def _put_param(params: Parameters, name: str, value: str | None) -> None:
    if value is None:
        params.pop(name, None)
    else:
        params[name] = value


def _new_address(email: str) -> vCalAddress:
    return vCalAddress(email if _SCHEME.match(email) else f"mailto:{email}")


def _date_list(values: list[Time], times: DesiredTimes) -> vDDDLists:
    """One EXDATE / RDATE property for values of the start's type in the event's zone."""
    prop = vDDDLists(values)
    if isinstance(values[0], datetime) and times.zone.tzid and times.zone.label != "UTC":
        prop.params["TZID"] = times.zone.tzid
    elif is_date(values[0]):
        prop.params["VALUE"] = "DATE"
    return prop


def _valid_rrule(text: str) -> bool:
    """Whether the body's absent ``rrule`` removes a stored rule: a rule a client could not
    send is not in the writable form, so it is kept (see ``writable_of``)."""
    try:
        check_rrule(text)
    except ValueError:
        return False
    return True


def new_alarm(alert: Alert, key: tuple[Any, ...], title: str | None) -> Alarm:
    alarm = Alarm()
    alarm.add("ACTION", _ACTION_OUT[alert.action])
    if key[0] == "rel":
        alarm.add("TRIGGER", key[1])
    else:
        alarm.add("TRIGGER", key[1].replace(tzinfo=UTC), parameters={"VALUE": "DATE-TIME"})
    text = alert.description if alert.description is not None else (title or "Reminder")
    if alert.action in ("display", "email"):
        alarm.add("DESCRIPTION", text)
    if alert.action == "email":
        alarm.add("SUMMARY", title or "Reminder")
    return alarm


# -- an occurrence ----------------------------------------------------------------------------


class OccurrenceEditor(EventEditor):
    """The event editor without the recurrence parts (an override has none of its own)."""

    def _rrule(self, times: Any) -> None:
        return

    def _exdates(self, times: Any) -> None:
        return

    def _rdates(self, times: Any) -> None:
        return


__all__ = [
    "EventEditor",
    "OccurrenceEditor",
    "new_alarm",
]
