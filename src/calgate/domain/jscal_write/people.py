"""Participants: their addresses and parameters, and :class:`PeopleEditor`, the editor's
ORGANIZER and ATTENDEE part.
"""

from __future__ import annotations

from typing import Any

from icalendar import (
    vCalAddress,
)
from icalendar.parser import Parameters

from calgate.domain.ical_edit import EventEditor
from calgate.domain.ical_parse import (
    first,
    props,
)
from calgate.domain.ical_read import (
    address_of,
)
from calgate.domain.jscal_read import (
    address_in,
    mail_address,
    participant_address,
)
from calgate.domain.jscal_types import JsEvent, JsParticipant
from calgate.domain.jscal_write.params import param_text, put_text_param, set_param
from calgate.domain.jscal_write.terms import KINDS, PARTICIPATION

# -- the editor -------------------------------------------------------------------------------


def roles_of(person: JsParticipant) -> set[str]:
    roles = person.get("roles")
    return {r for r, v in roles.items() if v} if roles else {"attendee"}


def with_scheme(address: str) -> str:
    """``address`` as a URI: an e-mail address without a scheme gets ``mailto:``; other text
    stays as it is (``mailto`` alone, as stored and read, does not become mailto:mailto)."""
    return address if ":" in address or "@" not in address else f"mailto:{address}"


def address_uri(person: JsParticipant) -> str:
    found = participant_address(person)
    assert found is not None  # validate_event made sure
    return with_scheme(found)


def put_email(params: Parameters, person: JsParticipant, address: str, current: Any) -> None:
    """The EMAIL parameter (RFC 7986) for a participant's ``email``. The reader shows a mailto:
    address's own e-mail as ``email`` when there is no EMAIL, so that e-mail needs none: a
    stored EMAIL that says the same stays, one that says otherwise goes."""
    email = person.get("email") or None
    own = mail_address(address)
    if email is not None and own is not None and email.lower() == own.lower():
        email = None
    stored = param_text(current, "EMAIL")
    if email is None and stored is not None and own is not None and stored.lower() == own.lower():
        return
    put_text_param(params, "EMAIL", email, current)


def same_address(a: Any, b: str) -> bool:
    return address_key(a) == address_key(b)


def address_key(value: Any) -> str:
    """What :func:`same_address` compares."""
    return address_of(value).lower()


def organizer_only(person: JsParticipant, organizer: Any) -> bool:
    """A participant that is the organizer and says nothing an ATTENDEE holds (no roles, no
    participation status, no reply expected): what the reader shows for an ORGANIZER without
    an ATTENDEE of that address, so it is no ATTENDEE (unless one is stored)."""
    if not isinstance(organizer, str) or not organizer:
        return False
    if any(person.get(k) for k in ("roles", "participationStatus", "expectReply")):
        return False
    return same_address(address_uri(person), with_scheme(organizer))


def set_cutype(params: Parameters, kind: Any) -> None:
    """CUTYPE from a participant's ``kind``: a kind calgate cannot write (``unknown``, a vendor
    one) or a CUTYPE the reader cannot show stays as stored; no kind removes a known CUTYPE."""
    current = params.get("CUTYPE")
    text = str(current).upper() if current is not None else None
    if kind is None:
        if text in KINDS.values():
            params.pop("CUTYPE")
        return
    wanted = KINDS.get(kind)
    if wanted is not None and text != wanted:
        params["CUTYPE"] = wanted


def organizer_address(obj: JsEvent) -> str | None:
    """Where replies go: RFC 8984's ``replyTo`` (as the reader shows it), else JSCalendar 2.0's
    ``organizerCalendarAddress``."""
    address = address_in(obj.get("replyTo"))
    if address is None:
        found = obj.get("organizerCalendarAddress")
        address = found.strip() if isinstance(found, str) and found.strip() else None
    return address


class PeopleEditor(EventEditor):
    """The ORGANIZER and ATTENDEEs of a JSCalendar Event's ``participants``."""

    obj: JsEvent

    def _organizer(self) -> None:
        people = self.obj.get("participants") or {}
        address = organizer_address(self.obj)
        owner = next(((k, p) for k, p in people.items() if "owner" in roles_of(p)), None)
        if address is None and owner is not None:
            address = address_uri(owner[1])
        if (
            owner is not None
            and address is not None
            and not same_address(address_uri(owner[1]), address)
        ):
            owner = next(
                ((k, p) for k, p in people.items() if same_address(address_uri(p), address)), owner
            )
        current = first(self.event, "ORGANIZER")
        if address is None:
            if current is not None:
                self._remove("ORGANIZER")
            return
        address = with_scheme(address)
        if owner is None:
            # no owner: the participant the reader made of the ORGANIZER alone holds its name
            match = next(
                ((k, p) for k, p in people.items() if same_address(address_uri(p), address)), None
            )
            if (
                match is not None
                and organizer_only(match[1], address)
                and not any(same_address(a, address) for a in props(self.event, "ATTENDEE"))
            ):
                owner = match
        if current is not None and same_address(current, address):
            value = vCalAddress(str(current))
            value.params = Parameters(dict(current.params))
        else:
            value = vCalAddress(address)
        name = owner[1].get("name") if owner is not None else None
        is_owner = owner is not None and same_address(address_uri(owner[1]), address)
        attends = is_owner and owner is not None and self._gets_attendee(owner[1])
        if attends and current is not None and same_address(current, address):
            pass  # the reader shows the ATTENDEE's name: the stored ORGANIZER's CN stays
        elif name is not None:
            value.params["CN"] = name
        elif owner is not None and str(value.params.get("CN") or "").strip():
            value.params.pop("CN")  # an empty CN shows no name: it stays
        if is_owner and owner is not None and not attends:
            # the reader reads this participant's email and kind from the ORGANIZER
            put_email(value.params, owner[1], address, current)
            set_cutype(value.params, owner[1].get("kind"))
        if (
            current is not None
            and str(value) == str(current)
            and dict(value.params) == dict(current.params)
        ):
            return
        self._set("ORGANIZER", [value])

    def _gets_attendee(self, person: JsParticipant) -> bool:
        """Whether :meth:`_attendees` writes an ATTENDEE for ``person``."""
        if roles_of(person) <= {"owner", "contact"}:
            return False
        address = address_uri(person)
        stored = any(same_address(a, address) for a in props(self.event, "ATTENDEE"))
        return stored or not organizer_only(person, organizer_address(self.obj))

    def _attendees(self) -> None:
        stored = props(self.event, "ATTENDEE")
        by_address: dict[str, Any] = {}
        for value in stored:
            by_address.setdefault(address_of(value).lower(), value)
        result = []
        organizer = organizer_address(self.obj)
        for person in (self.obj.get("participants") or {}).values():
            roles = roles_of(person)
            if roles <= {"owner", "contact"}:
                continue  # the organizer only (or a contact): no ATTENDEE
            address = address_uri(person)
            current = by_address.pop(address_of(address).lower(), None)
            if current is None and organizer_only(person, organizer):
                continue
            result.append(self._js_attendee(person, roles, address, current))
        if len(result) == len(stored) and all(a is b for a, b in zip(result, stored, strict=True)):
            return
        self.event.pop("ATTENDEE", None)
        for value in result:
            self.event.add("ATTENDEE", value)
        self.changed = True

    def _js_attendee(
        self, person: JsParticipant, roles: set[str], address: str, current: Any
    ) -> Any:
        value = vCalAddress(str(current) if current is not None else address)
        params = Parameters(dict(current.params)) if current is not None else value.params
        if person.get("name") is not None:
            params["CN"] = person["name"]
        else:
            params.pop("CN", None)
        role = (
            "CHAIR"
            if "chair" in roles
            else "OPT-PARTICIPANT"
            if "optional" in roles
            else "NON-PARTICIPANT"
            if "informational" in roles
            else "REQ-PARTICIPANT"
        )
        known_roles = ("CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT")
        set_param(params, "ROLE", role, "REQ-PARTICIPANT", known_roles)
        status = (person.get("participationStatus") or "needs-action").upper()
        set_param(params, "PARTSTAT", status, "NEEDS-ACTION", [s.upper() for s in PARTICIPATION])
        rsvp = "TRUE" if person.get("expectReply") else "FALSE"
        set_param(params, "RSVP", rsvp, "FALSE", ("TRUE", "FALSE"))
        set_cutype(params, person.get("kind"))
        put_email(params, person, address, current)
        if current is not None and dict(params) == dict(current.params):
            return current
        value.params = params
        return value
