"""JSCalendar's vocabulary calgate writes (statuses, roles, kinds, rule parts, ...) and the
properties an override patch cannot change.
"""

from __future__ import annotations

import re

STATUSES = ("confirmed", "cancelled", "tentative")
FREE_BUSY = ("free", "busy")
PRIVACY = {"public": "public", "private": "private", "secret": "confidential"}
PARTICIPATION = ("needs-action", "accepted", "declined", "tentative", "delegated")
# "required" is what the reader shows for REQ-PARTICIPANT (calcard, the draft): an attendee.
ROLES = ("owner", "attendee", "required", "optional", "informational", "chair", "contact")
ALERT_ACTIONS = ("display", "email")
# VirtualLocation features (RFC 8984 5.1.6) -> CONFERENCE FEATURE (RFC 7986 6.3)
FEATURES = ("audio", "chat", "feed", "moderator", "phone", "screen", "video")
# Participant kind -> CUTYPE (the reader's mapping the other way).
KINDS = {"individual": "INDIVIDUAL", "group": "GROUP", "resource": "RESOURCE", "location": "ROOM"}
# SEQUENCE is an INTEGER (RFC 5545 3.8.7.4), a signed 32-bit number in practice.
MAX_SEQUENCE = 2**31 - 1
FREQUENCIES = ("yearly", "monthly", "weekly", "daily", "hourly", "minutely", "secondly")
DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
# Properties of an override patch that belong to the series (RFC 8984 section 4.3.5).
SERIES_ONLY = frozenset(
    {
        "@type",
        "uid",
        "relatedTo",
        "prodId",
        "method",
        "recurrenceId",
        "recurrenceIdTimeZone",
        "recurrenceRules",
        "excludedRecurrenceRules",
        "recurrenceOverrides",
    }
)
# Not in SERIES_ONLY: "sequence", "created", "updated" are the server's and ignored in an
# override patch as at the top level (the reader shows an override's own SEQUENCE and
# LAST-MODIFIED there, so a PUT of what a GET returned holds them).
# RecurrenceRule member -> RRULE part.

# A UTC offset of a TimeZoneRule (+0100, -053000).
UTC_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})(\d{2})?")
