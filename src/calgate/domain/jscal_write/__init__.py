"""Writing RFC 8984 JSCalendar ``Event`` objects into iCalendar (pure, no I/O).

The JSCalendar object is turned into calgate's simple write form (:class:`EventWrite`) for
what that form models (times, title, description, location, status, free/busy, privacy,
priority, keywords, the recurrence rule, excluded and extra dates, alerts), so the in-place
rules of :mod:`calgate.domain.ical_write` apply unchanged: a property is rewritten only when
its meaning changes, and what JSCalendar does not model survives. Participants, links and the
ids of participants / locations / alerts / links are written here.

Mapping decisions:

- ``start`` + ``timeZone``: ``null`` (or absent) is floating, ``Etc/UTC`` / ``UTC`` is a UTC
  (``Z``) time; ``showWithoutTime`` makes a DATE start (its time must be midnight). A
  ``timeZone`` naming a ``timeZones`` key (RFC 8984 4.7.2) is that definition as the object's
  VTIMEZONE (kept byte for byte when it is the stored one).
- ``duration`` (default ``PT0S``) becomes DURATION (a stored DTEND stays when the end does not
  move); an all-day event without a duration lasts one day.
- JSCalendar defaults (``status`` confirmed, ``freeBusyStatus`` busy, ``privacy`` public,
  ``priority`` 0, ``participationStatus`` needs-action, ``expectReply`` false) equal an absent
  iCalendar property / parameter: a stored absence or a stored default both stay as they are.
- One LOCATION holds one location: more than one named location is refused. Its
  ``coordinates`` (a ``geo:`` URI) are GEO; without coordinates there, the one location with
  coordinates only (none of a stored VLOCATION) is GEO. Other coordinates are lost.
- ``locale`` is SUMMARY's LANGUAGE (the reader reads it there only; no title: lost).
- Participants as RFC 8984 spells them and as JSCalendar 2.0 does: the address is ``sendTo``
  (``imip``, else ``other``), else ``calendarAddress``, else ``email`` as a mailto: address
  (EGroupware sends only ``email``). ``email`` is the EMAIL parameter (RFC 7986) of its
  ATTENDEE, or of the ORGANIZER for the participant that is the ORGANIZER alone (as the reader
  reads it), unless it is the mailto: address's own, which needs none. ``replyTo`` (else
  ``organizerCalendarAddress``) is the ORGANIZER; without either, the ``owner``'s address.
- ``virtualLocations``: CONFERENCE (RFC 7986; ``uri``, LABEL from ``name``, FEATURE from
  ``features``); a stored CONFERENCE is found by its URI and kept while its meaning stays.
  As for links, an absent ``virtualLocations`` keeps every CONFERENCE; ``{}`` removes them.
- An address without a scheme gets ``mailto:`` only when it is an e-mail address (holds
  ``@``); other text (a stored ``ORGANIZER:mailto``) is written as sent, as the reader shows it.
- ``links``: the link whose ``href`` is the stored URL stays URL; a link that is a stored LINK
  or IMAGE stays as stored (one no longer named is removed); other links are ATTACH (never a
  new URL: the reader does not show URL, as calcard, so the link would be lost). An absent
  ``links`` keeps every URL, ATTACH, LINK and IMAGE (attachments are precious and many
  JSCalendar producers do not send them); ``links: {}`` removes them.
- Ids: a client id the reader would not derive back is stored as a ``JSID`` parameter
  (ATTENDEE, ORGANIZER, LOCATION, GEO, CONFERENCE, URL, ATTACH) or property (VALARM).
- A participant that is the organizer and holds nothing of an ATTENDEE (no roles,
  participation status or reply) is no ATTENDEE unless one is stored (the reader shows an
  ORGANIZER alone so); its name is the ORGANIZER's CN. ``kind`` is CUTYPE.
- An alert matches a stored VALARM JSCalendar shows without action (none, AUDIO): it stays.
- A stored RRULE the reader cannot show stays when ``recurrenceRules`` is absent.
- ``recurrenceOverrides``: ``{"excluded": true}`` is an EXDATE, ``{}`` an RDATE (and so is the
  patch the reader shows for a stored RDATE PERIOD, ``{"duration": ..}``), any other
  patch an override VEVENT (a copy of the master at that occurrence with the patch applied,
  RFC 8984 section 4.3.5); stored overrides are found by the reader's key, those not named any
  more are removed (one an EXDATE already hid stays while its key stays excluded). A patched
  date the rule does not make also gets an RDATE.
- ``uid`` must be the event's; ``created``, ``updated``, ``prodId``, ``method`` are the
  server's and ignored, as are unknown (vendor) properties. ``sequence`` is SEQUENCE as sent,
  but never lower than stored, and one higher than stored when the event changed.

The package, by concept (lowest first): ``terms`` (the vocabulary), ``rules`` (RecurrenceRule
as RRULE text), ``zones`` (stored and defined time zones, passed along as :data:`Zones`),
``checker`` / ``checks`` / ``validate`` (validation), ``locations``, ``simple`` (the simple
write form), ``params`` / ``people`` / ``links`` / ``editor`` (the in-place editor), ``ids``
(JSID storage), ``overrides`` (override VEVENTs) and ``write`` (:func:`write_event`).
"""

from calgate.domain.jscal_write.validate import validate_event
from calgate.domain.jscal_write.write import write_event

__all__ = ["validate_event", "write_event"]
