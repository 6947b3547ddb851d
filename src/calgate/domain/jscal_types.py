"""Names for the RFC 8984 JSCalendar objects that pass between the reader
(:mod:`calgate.domain.jscal_read`), the writer (:mod:`calgate.domain.jscal_write`) and the
JSCalendar helpers, so a signature says which object a dict is.

They are JSON objects keyed by member name, so they stay ``dict[str, Any]``: the reader builds
them member by member through shared helpers (``copy_text(out, "title", ...)``), which a
TypedDict's literal keys do not allow, and what a client sends is only known to have a shape once
:func:`calgate.domain.jscal_write.validate_event` has checked it member by member.
"""

from __future__ import annotations

from typing import Any, TypeAlias

JsObject: TypeAlias = dict[str, Any]
"""Any RFC 8984 object (its members' values are JSON values)."""

JsEvent: TypeAlias = dict[str, Any]
"""An Event (RFC 8984 5.1), also one entry of a Group."""

JsGroup: TypeAlias = dict[str, Any]
"""A Group (RFC 8984 5.3): its ``entries`` are :data:`JsEvent`."""

JsPatch: TypeAlias = dict[str, Any]
"""A PatchObject (RFC 8984 1.4.9): JSON pointer (or top-level member name) -> new value, null to
remove; the value of one ``recurrenceOverrides`` key."""

JsOverrides: TypeAlias = dict[str, JsPatch]
"""``recurrenceOverrides``: recurrence id as a LocalDateTime -> PatchObject."""

JsParticipant: TypeAlias = dict[str, Any]
"""A Participant (RFC 8984 4.4.6)."""

JsSendTo: TypeAlias = dict[str, str]
"""A Participant's ``sendTo`` or an Event's ``replyTo``: method (``imip``, ``other``) -> URI."""

JsLocation: TypeAlias = dict[str, Any]
"""A Location (RFC 8984 4.2.5)."""

JsVirtualLocation: TypeAlias = dict[str, Any]
"""A VirtualLocation (RFC 8984 4.2.6)."""

JsLink: TypeAlias = dict[str, Any]
"""A Link (RFC 8984 1.4.11)."""

JsRelation: TypeAlias = dict[str, Any]
"""A Relation (RFC 8984 1.4.10), the value of one ``relatedTo`` key."""

JsAlert: TypeAlias = dict[str, Any]
"""An Alert (RFC 8984 4.5.2)."""

JsTrigger: TypeAlias = dict[str, Any]
"""An Alert's ``trigger``: an OffsetTrigger or AbsoluteTrigger (RFC 8984 4.5.2)."""

JsRule: TypeAlias = dict[str, Any]
"""A RecurrenceRule (RFC 8984 4.3.3)."""

JsTimeZone: TypeAlias = dict[str, Any]
"""A TimeZone (RFC 8984 4.7.2), the value of one ``timeZones`` key."""

__all__ = [
    "JsAlert",
    "JsEvent",
    "JsGroup",
    "JsLink",
    "JsLocation",
    "JsObject",
    "JsOverrides",
    "JsParticipant",
    "JsPatch",
    "JsRelation",
    "JsRule",
    "JsSendTo",
    "JsTimeZone",
    "JsTrigger",
    "JsVirtualLocation",
]
