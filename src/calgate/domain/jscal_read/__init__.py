"""Reading one stored iCalendar object as an RFC 8984 JSCalendar ``Event`` (pure, no I/O).

Never raises on odd stored data: what cannot be read is left out. The mapping follows RFC 8984
and, where RFC 8984 leaves the choice open, draft-ietf-calext-jscalendar-icalendar as calcard
implements it (``tests/oracles/test_calcard_jscalendar.py`` checks the agreement):

=========================================  ================================================
iCalendar                                  JSCalendar
=========================================  ================================================
UID                                        ``uid``
SUMMARY (its LANGUAGE)                     ``title`` (``locale``)
DESCRIPTION / STYLED-DESCRIPTION;FMTTYPE   ``description`` (+ ``descriptionContentType``)
DTSTART                                    ``start`` (LocalDateTime), ``timeZone`` (IANA name,
                                           ``Etc/UTC`` for UTC, null when floating or a DATE)
DTSTART;VALUE=DATE                         ``start`` at ``T00:00:00``, ``showWithoutTime``
DTEND (other TZID) / DURATION              ``duration`` (``endTimeZone``, unless an end location
                                           says it); PT0S is left out
STATUS, TRANSP, CLASS                      ``status``, ``freeBusyStatus``, ``privacy``
                                           (CONFIDENTIAL -> ``secret``)
PRIORITY, SEQUENCE, COLOR                  ``priority``, ``sequence``, ``color``
CREATED; LAST-MODIFIED, else DTSTAMP       ``created``; ``updated`` (UTCDateTime)
METHOD (of the VCALENDAR)                  ``method`` (lowercase)
CATEGORIES / CONCEPT                       ``keywords`` / ``categories`` ({value: true})
RELATED-TO;RELTYPE                         ``relatedTo`` ({uid: Relation})
LOCATION, GEO, VLOCATION                   ``locations`` (+ ``mainLocationId`` for a
                                           LOCATION;DERIVED=TRUE; a VLOCATION's
                                           X-JSCAL-RELATIVE-TO / X-JSCAL-TIME-ZONE:
                                           ``relativeTo`` / ``timeZone``)
CONFERENCE                                 ``virtualLocations``
ATTENDEE / ORGANIZER                       ``participants`` (the address as ``sendTo``
                                           ``{"imip": "mailto:.."}``, another URI as
                                           ``{"other": ..}``; EMAIL, else a mailto: address,
                                           as ``email``; CUTYPE ``kind``), the ORGANIZER as
                                           ``replyTo`` (RFC 8984 4.4.4); ``roles`` always
                                           (RFC 8984 4.4.6): no ROLE is ``attendee``, the
                                           ORGANIZER's participant ``owner`` (calcard leaves
                                           them out)
ATTACH / IMAGE / LINK                      ``links`` (URL is not converted, as calcard)
VALARM                                     ``alerts`` (Offset / AbsoluteTrigger, ``action``
                                           display or email, ``acknowledged``)
VTIMEZONE of a TZID that is no IANA name    ``timeZones`` (``/`` + TZID, RFC 8984 4.7.2)
JSPROP;JSPTR (VEVENT, VALARM)              the property at that pointer (see
                                           :mod:`calgate.domain.jscal_props`)
RRULE / EXRULE                             ``recurrenceRules`` / ``excludedRecurrenceRules``
EXDATE / RDATE / RECURRENCE-ID VEVENTs     ``recurrenceOverrides`` keyed by the recurrence id
                                           as a LocalDateTime in the event's time zone:
                                           ``{"excluded": true}``, ``{}`` (a PERIOD: its
                                           ``duration``), a PatchObject of what differs
=========================================  ================================================

Ids of participants, locations, virtual locations and links are the JSID parameter (or
property) when present, else calcard's UUIDv5 of the value (namespace :data:`JSCAL_NAMESPACE`),
so they are the same at every read; alerts without JSID are ``k1``, ``k2``... in stored order.

An override VEVENT with a DTSTART is a whole instance (RFC 5545 3.8.4.4), so a property the
master has and the override lacks is patched to null; one without DTSTART (not valid iCalendar,
but what calcard writes) only patches what it holds. A TZID calgate cannot resolve and the
object does not define is shown as ``timeZone`` as stored.

The package, by concept (lowest first): ``values`` (small readers, stable ids), ``times``,
``rules``, ``zones`` (custom time zones), ``people``, ``places``, ``links`` (links, relations,
alerts), ``event`` (one VEVENT) and ``series`` (whole objects, Groups).
"""

from calgate.domain.jscal_read.people import address_in, mail_address, participant_address, send_to
from calgate.domain.jscal_read.places import (
    RELATIVE_TO,
    TIME_ZONE,
    geo_uri,
    vlocation_id,
    vlocation_ids,
    vlocation_of,
)
from calgate.domain.jscal_read.series import (
    group,
    override_key,
    to_jscalendar,
    to_jscalendar_entries,
)
from calgate.domain.jscal_read.values import JSCAL_NAMESPACE, stable_id
from calgate.domain.jscal_read.zones import custom_zones, time_zone_json

__all__ = [
    "JSCAL_NAMESPACE",
    "RELATIVE_TO",
    "TIME_ZONE",
    "address_in",
    "custom_zones",
    "geo_uri",
    "group",
    "mail_address",
    "override_key",
    "participant_address",
    "send_to",
    "stable_id",
    "time_zone_json",
    "to_jscalendar",
    "to_jscalendar_entries",
    "vlocation_id",
    "vlocation_ids",
    "vlocation_of",
]
