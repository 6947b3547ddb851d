"""WebDAV/CalDAV XML: request bodies calgate sends, and the multistatus replies it reads.

Bodies are built with lxml (which the caldav library parses replies with too); a reply is read
from the tree ``caldav.DAVResponse`` already parsed. Only properties from 2xx propstats are kept:
a 404 propstat means "not set", and a 403 one (a protected property) is as good as absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from calgate.upstream.hrefs import resolve_href

DAV = "{DAV:}"
CALDAV = "{urn:ietf:params:xml:ns:caldav}"
CALSERVER = "{http://calendarserver.org/ns/}"
NSMAP = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav", "CS": "http://calendarserver.org/ns/"}

RESOURCETYPE = DAV + "resourcetype"
DISPLAYNAME = DAV + "displayname"
GETETAG = DAV + "getetag"
CURRENT_USER_PRINCIPAL = DAV + "current-user-principal"
CALENDAR_HOME_SET = CALDAV + "calendar-home-set"
COMPONENT_SET = CALDAV + "supported-calendar-component-set"
CALENDAR_TIMEZONE = CALDAV + "calendar-timezone"
CALENDAR_TIMEZONE_ID = CALDAV + "calendar-timezone-id"  # RFC 7809
CALENDAR_DATA = CALDAV + "calendar-data"
COLLECTION = DAV + "collection"
CALENDAR = CALDAV + "calendar"
SYNC_TOKEN = DAV + "sync-token"  # RFC 6578 section 4
GETCTAG = CALSERVER + "getctag"  # calendarserver.org, not an RFC: changes with every member
SCHEDULE_INBOX_URL = CALDAV + "schedule-inbox-URL"  # RFC 6638 section 2.2


CONTENT_TYPE = "application/xml; charset=utf-8"
NUMBER_OF_MATCHES_WITHIN_LIMITS = DAV + "number-of-matches-within-limits"  # RFC 6578 3.6


def crlf(text: str) -> str:
    """iCalendar text with CRLF line ends (RFC 5545 section 3.1), however it travelled."""
    return re.sub(r"\r?\n", "\r\n", text)


class NotMultistatus(ValueError):
    """The reply was not a WebDAV multistatus document."""


def _serialize(root: Any) -> str:
    return str(etree.tostring(root, encoding="utf-8", xml_declaration=True), "utf-8")


def propfind_body(props: Iterable[str]) -> str:
    root = etree.Element(DAV + "propfind", nsmap=NSMAP)
    prop = etree.SubElement(root, DAV + "prop")
    for tag in props:
        etree.SubElement(prop, tag)
    return _serialize(root)


def utc_stamp(moment: datetime) -> str:
    """An RFC 4791 section 9.9 time-range value: a UTC date-time. Naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("time-range bounds must be timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_query_body(start: datetime | None, end: datetime | None) -> str:
    """RFC 4791 section 7.8: VEVENTs with ETag and calendar-data, optionally in a time range."""
    root = etree.Element(CALDAV + "calendar-query", nsmap=NSMAP)
    prop = etree.SubElement(root, DAV + "prop")
    etree.SubElement(prop, GETETAG)
    etree.SubElement(prop, CALENDAR_DATA)
    vcalendar = etree.SubElement(etree.SubElement(root, CALDAV + "filter"), CALDAV + "comp-filter")
    vcalendar.set("name", "VCALENDAR")
    vevent = etree.SubElement(vcalendar, CALDAV + "comp-filter")
    vevent.set("name", "VEVENT")
    if start is not None or end is not None:
        time_range = etree.SubElement(vevent, CALDAV + "time-range")
        if start is not None:
            time_range.set("start", utc_stamp(start))
        if end is not None:
            time_range.set("end", utc_stamp(end))
    return _serialize(root)


def sync_collection_body(token: str | None, *, limit: int | None = None) -> str:
    """RFC 6578 section 3.2: members changed since ``token`` (all of them when None), sync-level
    1, with their ETags only. ``limit`` (section 3.7) asks for at most that many members; servers
    differ in what they do with it (see ``quirks``), so calgate itself never sends one."""
    root = etree.Element(DAV + "sync-collection", nsmap=NSMAP)
    etree.SubElement(root, SYNC_TOKEN).text = token or None
    etree.SubElement(root, DAV + "sync-level").text = "1"
    if limit is not None:
        limit_elem = etree.SubElement(root, DAV + "limit")
        etree.SubElement(limit_elem, DAV + "nresults").text = str(limit)
    etree.SubElement(etree.SubElement(root, DAV + "prop"), GETETAG)
    return _serialize(root)


def multiget_body(hrefs: Iterable[str]) -> str:
    """RFC 4791 section 7.9: these objects, with ETag and calendar-data."""
    root = etree.Element(CALDAV + "calendar-multiget", nsmap=NSMAP)
    prop = etree.SubElement(root, DAV + "prop")
    etree.SubElement(prop, GETETAG)
    etree.SubElement(prop, CALENDAR_DATA)
    for href in hrefs:
        etree.SubElement(root, DAV + "href").text = href
    return _serialize(root)


def expand_query_body(start: datetime, end: datetime) -> str:
    """RFC 4791 section 9.6.5: a calendar-query asking the server to expand recurrences."""
    root = etree.Element(CALDAV + "calendar-query", nsmap=NSMAP)
    prop = etree.SubElement(root, DAV + "prop")
    etree.SubElement(prop, GETETAG)
    expand = etree.SubElement(etree.SubElement(prop, CALENDAR_DATA), CALDAV + "expand")
    expand.set("start", utc_stamp(start))
    expand.set("end", utc_stamp(end))
    vcalendar = etree.SubElement(etree.SubElement(root, CALDAV + "filter"), CALDAV + "comp-filter")
    vcalendar.set("name", "VCALENDAR")
    vevent = etree.SubElement(vcalendar, CALDAV + "comp-filter")
    vevent.set("name", "VEVENT")
    time_range = etree.SubElement(vevent, CALDAV + "time-range")
    time_range.set("start", utc_stamp(start))
    time_range.set("end", utc_stamp(end))
    return _serialize(root)


def free_busy_query_body(start: datetime, end: datetime) -> str:
    """RFC 4791 section 7.10: busy time in a range."""
    root = etree.Element(CALDAV + "free-busy-query", nsmap=NSMAP)
    time_range = etree.SubElement(root, CALDAV + "time-range")
    time_range.set("start", utc_stamp(start))
    time_range.set("end", utc_stamp(end))
    return _serialize(root)


def mkcalendar_body(name: str, vtimezone_calendar: str | None) -> str:
    """RFC 4791 section 5.3.1: a calendar for VEVENTs, with a display name and time zone."""
    root = etree.Element(CALDAV + "mkcalendar", nsmap=NSMAP)
    prop = etree.SubElement(etree.SubElement(root, DAV + "set"), DAV + "prop")
    etree.SubElement(prop, DISPLAYNAME).text = name
    comps = etree.SubElement(prop, COMPONENT_SET)
    etree.SubElement(comps, CALDAV + "comp").set("name", "VEVENT")
    if vtimezone_calendar is not None:
        etree.SubElement(prop, CALENDAR_TIMEZONE).text = vtimezone_calendar
    return _serialize(root)


def _status_code(text: str | None) -> int:
    parts = (text or "").split()
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0


@dataclass
class DavResource:
    """One ``<response>`` of a multistatus: its href (absolute, normalized) and its properties."""

    href: str
    status: int
    base: str
    props: dict[str, Any] = field(default_factory=dict)
    errors: set[str] = field(default_factory=set)  # DAV:error conditions of the response

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self, tag: str) -> str | None:
        elem = self.props.get(tag)
        if elem is None or elem.text is None:
            return None
        return str(elem.text).strip() or None

    def raw_text(self, tag: str) -> str | None:
        elem = self.props.get(tag)
        return None if elem is None or elem.text is None else str(elem.text)

    def calendar_data(self) -> str | None:
        """The iCalendar text of a calendar-data property, CRLF line ends; None when absent."""
        data = self.raw_text(CALENDAR_DATA)
        return crlf(data) if data and data.strip() else None

    def hrefs(self, tag: str) -> list[str]:
        elem = self.props.get(tag)
        if elem is None:
            return []
        return [
            resolve_href(self.base, str(h.text))
            for h in elem.iter(DAV + "href")
            if h.text and h.text.strip()
        ]

    def child_tags(self, tag: str) -> set[str]:
        elem = self.props.get(tag)
        return set() if elem is None else {str(c.tag) for c in elem if isinstance(c.tag, str)}

    def component_names(self) -> set[str] | None:
        """Names in supported-calendar-component-set; None when the server does not say."""
        elem = self.props.get(COMPONENT_SET)
        if elem is None:
            return None
        return {str(c.get("name")).upper() for c in elem if c.get("name")}

    @property
    def is_calendar(self) -> bool:
        return CALENDAR in self.child_tags(RESOURCETYPE)

    @property
    def is_collection(self) -> bool:
        return COLLECTION in self.child_tags(RESOURCETYPE)


def _require_multistatus(tree: Any) -> None:
    if tree is None or not isinstance(tree.tag, str) or tree.tag != DAV + "multistatus":
        raise NotMultistatus("not a DAV:multistatus document")


def sync_token_of(tree: Any) -> str | None:
    """The new sync token of a sync-collection reply (RFC 6578 section 6.2): a child of the
    multistatus itself, not of any response."""
    _require_multistatus(tree)
    token = tree.findtext(SYNC_TOKEN)
    return (token.strip() or None) if token is not None else None


def parse_multistatus(tree: Any, base: str) -> list[DavResource]:
    """The responses of a multistatus ``tree``; hrefs are resolved against ``base``."""
    _require_multistatus(tree)
    out: list[DavResource] = []
    for response in tree.iterfind(DAV + "response"):
        href = response.findtext(DAV + "href")
        if not href or not href.strip():
            continue
        status_text = response.findtext(DAV + "status")
        resource = DavResource(
            href=resolve_href(base, href),
            status=_status_code(status_text) if status_text else 200,
            base=base,
        )
        for error in response.iterfind(DAV + "error"):
            resource.errors.update(str(c.tag) for c in error if isinstance(c.tag, str))
        for propstat in response.iterfind(DAV + "propstat"):
            if not 200 <= _status_code(propstat.findtext(DAV + "status")) < 300:
                continue
            for prop in propstat.iterfind(DAV + "prop"):
                for child in prop:
                    if isinstance(child.tag, str):
                        resource.props[child.tag] = child
        out.append(resource)
    return out
