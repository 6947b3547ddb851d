"""Participants: ATTENDEE and ORGANIZER as ``participants`` and ``replyTo``, and the addresses
of ``sendTo`` / ``replyTo`` / ``calendarAddress`` / ``email`` in every spelling calgate reads.
"""

from __future__ import annotations

from typing import Any

from icalendar import Component
from icalendar.prop import vBroken

from calgate.domain.ical_parse import (
    first,
    props,
)
from calgate.domain.jscal_read.values import copy_param, param_of, params_of, stable_id
from calgate.domain.jscal_types import JsEvent, JsParticipant, JsSendTo

ROLES = {
    "CHAIR": "chair",
    "REQ-PARTICIPANT": "required",
    "OPT-PARTICIPANT": "optional",
    "NON-PARTICIPANT": "informational",
    "OWNER": "owner",
}
PARTSTAT = {
    "NEEDS-ACTION": "needs-action",
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "tentative",
    "DELEGATED": "delegated",
}
CUTYPE = {
    "INDIVIDUAL": "individual",
    "GROUP": "group",
    "RESOURCE": "resource",
    "ROOM": "location",
}


# --- people and places -----------------------------------------------------------------------


def send_to(address: str) -> JsSendTo:
    """RFC 8984 ``sendTo`` / ``replyTo`` for a calendar user address: ``imip`` takes a
    ``mailto:`` URI only (4.4.4), any other URI is ``other``."""
    return {"imip" if address.lower().startswith("mailto:") else "other": address}


def mail_address(uri: str) -> str | None:
    """The e-mail address of a ``mailto:`` URI (None for another URI)."""
    if not uri.lower().startswith("mailto:"):
        return None
    return uri[len("mailto:") :].strip() or None


def address_in(methods: Any) -> str | None:
    """The address of a ``sendTo`` / ``replyTo`` map: ``imip``, else ``other``, else the first
    method with a text value (a vendor's)."""
    if not isinstance(methods, dict):
        return None
    for key in ("imip", "other", *methods):
        value = methods.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def participant_address(part: JsParticipant) -> str | None:
    """Where a participant is reached, in every spelling calgate reads: RFC 8984's ``sendTo``,
    JSCalendar 2.0's ``calendarAddress``, and (neither given) ``email`` as a mailto: address,
    as EGroupware sends participants."""
    found = part.get("calendarAddress")
    if isinstance(found, str) and found.strip():
        return found.strip()
    found = address_in(part.get("sendTo"))
    if found is not None:
        return found
    email = part.get("email")
    return f"mailto:{email.strip()}" if isinstance(email, str) and email.strip() else None


def _person(prop: Any, address: str) -> JsParticipant:
    """What an ATTENDEE or ORGANIZER says of a person: address, name, e-mail, kind."""
    part: JsParticipant = {"@type": "Participant", "sendTo": send_to(address)}
    copy_param(part, "name", prop, "CN")
    email = param_of(prop, "EMAIL") or mail_address(address)
    if email:
        part["email"] = email
    kind = CUTYPE.get((param_of(prop, "CUTYPE") or "").upper())
    if kind:
        part["kind"] = kind
    return part


def copy_participants(out: JsEvent, event: Component) -> None:
    found: dict[str, JsParticipant] = {}
    by_address: dict[str, str] = {}
    for prop in props(event, "ATTENDEE"):
        address = str(prop).strip()
        if not address or isinstance(prop, vBroken):
            continue
        pid = param_of(prop, "JSID") or stable_id(address)
        if pid in found:
            continue
        part = _person(prop, address)
        roles = {ROLES[r] for r in params_of(prop, "ROLE") if r in ROLES}
        if not params_of(prop, "ROLE"):
            roles = {"attendee"}  # RFC 8984 4.4.6: roles is mandatory; no ROLE: an attendee
        if roles:
            part["roles"] = dict.fromkeys(sorted(roles), True)
        status = PARTSTAT.get((param_of(prop, "PARTSTAT") or "").upper())
        if status:
            part["participationStatus"] = status
        if (param_of(prop, "RSVP") or "").upper() == "TRUE":
            part["expectReply"] = True
        for name, key in (("DELEGATED-TO", "delegatedTo"), ("DELEGATED-FROM", "delegatedFrom")):
            addresses = [a for a in params_of(prop, name, upper=False) if a]
            if addresses:
                part[key] = {stable_id(a): True for a in addresses}
        copy_param(part, "sentBy", prop, "SENT-BY")
        found[pid] = part
        by_address.setdefault(address.lower(), pid)
    organizer = first(event, "ORGANIZER")
    address = "" if organizer is None else str(organizer).strip()
    if address and not isinstance(organizer, vBroken):
        out["replyTo"] = send_to(address)
        has_owner = any("owner" in p.get("roles", {}) for p in found.values())
        same = by_address.get(address.lower())
        if same is not None:  # the organizer attends: one participant, the owner
            cn = param_of(organizer, "CN")
            if cn and "name" not in found[same]:
                found[same]["name"] = cn
            owned = {**found[same].get("roles", {}), "owner": True}
            found[same]["roles"] = dict(sorted(owned.items()))
        elif not has_owner:  # calcard: an OWNER attendee stands for the organizer
            part = _person(organizer, address)
            part["roles"] = {"owner": True}  # RFC 8984 4.4.6: roles is mandatory
            found[param_of(organizer, "JSID") or stable_id(address)] = part
    if found:
        out["participants"] = found
