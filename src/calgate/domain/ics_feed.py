"""An iCalendar feed read as calendar objects: its VEVENTs grouped by UID (a master and its
overrides are one object, as CalDAV stores them), each with the VTIMEZONEs it uses, and a
stable name and ETag, so that a feed fetched again yields the same objects when nothing changed
and the index sees only real differences.

Feeds without UIDs (some exports leave them out) get derived ones: a hash of the event's
DTSTART and SUMMARY and its ordinal among events sharing both, so the same event keeps its id
from one fetch to the next.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from icalendar import Calendar, Component
from icalendar.prop import vDuration

from calgate.domain.ids import is_plain_id


class FeedUnreadable(ValueError):
    """The body is no iCalendar feed; the message is a sentence for the source's lastError."""


@dataclass(frozen=True)
class FeedObject:
    uid: str
    name: str  # the object's resource name (``<id>.ics``)
    etag: str  # a hash of ``text``: equal texts, equal tags
    text: str


@dataclass(frozen=True)
class Feed:
    objects: list[FeedObject]
    refresh: timedelta | None  # REFRESH-INTERVAL (RFC 7986), else X-PUBLISHED-TTL
    name: str | None  # NAME (RFC 7986), else X-WR-CALNAME


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def read_feed(body: bytes) -> Feed:
    if not body.strip():
        raise FeedUnreadable("The feed answered with an empty body.")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    if "BEGIN:VCALENDAR" not in text[:4096].upper():
        raise FeedUnreadable("The feed's body is not iCalendar (no BEGIN:VCALENDAR).")
    try:
        return _read(text)
    except FeedUnreadable:
        raise
    except Exception as exc:  # the parser's failures on odd input are of many kinds
        raise FeedUnreadable(f"The feed's body is not valid iCalendar ({exc}).") from exc


def _read(text: str) -> Feed:
    cal = Calendar.from_ical(text)
    zones = {str(z.get("TZID")): z for z in cal.walk("VTIMEZONE")}
    groups: dict[str, list[Component]] = {}
    seen: dict[str, int] = {}
    for event in cal.walk("VEVENT"):
        uid = str(event.get("UID") or "").strip()
        if not uid:
            uid = _derived_uid(event, seen)
            event["UID"] = uid
        groups.setdefault(uid, []).append(event)
    objects = [_object(uid, events, zones) for uid, events in groups.items()]
    return Feed(objects, _refresh(cal), _text(cal, "NAME") or _text(cal, "X-WR-CALNAME"))


def _derived_uid(event: Component, seen: dict[str, int]) -> str:
    start = event.get("DTSTART")
    key = f"{start.to_ical().decode() if start is not None else ''}\n{event.get('SUMMARY', '')}"
    ordinal = seen.get(key, 0)
    seen[key] = ordinal + 1
    digest = hashlib.sha256(f"{key}\n{ordinal}".encode()).hexdigest()[:32]
    return f"derived-{digest}"


def _object(uid: str, events: list[Component], zones: dict[str, Component]) -> FeedObject:
    out = Calendar()
    out.add("PRODID", "-//calgate//ics subscription//EN")
    out.add("VERSION", "2.0")
    body = b"".join(e.to_ical() for e in events)
    for tzid, zone in zones.items():
        if f"TZID={tzid}".encode() in body or f'TZID="{tzid}"'.encode() in body:
            out.add_component(zone)
    for event in events:
        out.add_component(event)
    text = out.to_ical().decode()
    name = uid if is_plain_id(uid) and len(uid) <= 190 else hashlib.sha256(uid.encode()).hexdigest()
    etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:40] + '"'
    return FeedObject(uid, f"{name}.ics", etag, text)


def _refresh(cal: Calendar) -> timedelta | None:
    for name in ("REFRESH-INTERVAL", "X-PUBLISHED-TTL"):
        value = cal.get(name)
        if value is None:
            continue
        found = getattr(value, "dt", None)
        if isinstance(found, timedelta):
            return found
        try:
            parsed = vDuration.from_ical(str(value))  # type: ignore[no-untyped-call]
        except ValueError:
            continue
        if isinstance(parsed, timedelta):
            return parsed
    return None


def _text(cal: Calendar, name: str) -> str | None:
    value = cal.get(name)
    return str(value).strip() or None if value is not None else None
