"""The week view (rooms side by side or overlaid; static/week.js draws it with EventCalendar and
reads and writes events through the API with the session cookie) and "find a slot" (a form
that works without JavaScript: the same availability service as POST /api/v1/availability,
and a Book button per free slot; with JavaScript static/find.js sends the form to the API
itself)."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from calgate.api.deps import RuntimeDep, SessionDep
from calgate.api.routes.event_params import calendar_context
from calgate.domain.model import EventWrite
from calgate.errors import CalgateError, InvalidInput, NotFound
from calgate.schemas.calendars import CalendarPublic
from calgate.schemas.freebusy import AvailabilityQuery, ParticipantGroup
from calgate.services import calendars, creation, freebusy
from calgate.ui.pages.common import FormDep, ViewerDep, done, refusal, router
from calgate.ui.render import Flash, Viewer, render

pages = router()

# The most calendars one week view shows (side by side, ten rooms still fit at 1280 px).
MAX_SHOWN = 12
COLOURS = 10  # colour classes colour-0..colour-9 in static/week.css and the palette in week.js


def _visible(runtime: RuntimeDep, session: SessionDep, viewer: Viewer) -> list[CalendarPublic]:
    rows = calendars.visible_calendars(session, viewer.grant)
    return [calendars.to_public(runtime, c, s) for c, s in rows]


def _chosen(visible: list[CalendarPublic], ids: list[str]) -> list[CalendarPublic]:
    """The calendars the query names, in the listing's order; an unknown or hidden one is the
    API's 404 (shown as a page)."""
    by_id = {c.id: c for c in visible}
    for cal_id in ids:
        if cal_id not in by_id:
            raise NotFound(f"no calendar with id {cal_id!r}")
    if len(set(ids)) > MAX_SHOWN:
        raise InvalidInput.field("cal", f"at most {MAX_SHOWN} calendars at once")
    return [c for c in visible if c.id in ids]


def _day(text: str | None, name: str = "date") -> Date | None:
    if not text:
        return None
    try:
        return Date.fromisoformat(text)
    except ValueError:
        detail = f"{name} must be a date, YYYY-MM-DD; got {text[:40]!r}"
        raise InvalidInput.field(name, detail) from None


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidInput.field(name, f"{name} must be one of {', '.join(allowed)}")


def _writable(viewer: Viewer, cal: CalendarPublic) -> bool:
    return viewer.can_write and not cal.read_only


def _config(
    viewer: Viewer,
    visible: list[CalendarPublic],
    shown: list[CalendarPublic],
    layout: str,
    tz: str,
    day: Date,
) -> dict[str, Any]:
    colour = {c.id: i % COLOURS for i, c in enumerate(visible)}
    return {
        "calendars": [
            {
                "id": c.id,
                "name": c.name,
                "timeZone": c.time_zone,
                "overlap": c.overlap,
                "writable": _writable(viewer, c),
                "colour": colour[c.id],
            }
            for c in shown
        ],
        "layout": layout,
        "tz": tz,
        "date": day.isoformat(),
    }


@pages.get("/week")
def week_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    cal: Annotated[list[str], Query(max_length=MAX_SHOWN * 2)] = [],  # noqa: B006
    layout: Annotated[str, Query(max_length=40)] = "side",
    tz: Annotated[str, Query(max_length=40)] = "calendar",
    date: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    # checked here, not by FastAPI (whose 422 is problem+json): a wrong value is a page
    _one_of("layout", layout, ("side", "overlay"))
    _one_of("tz", tz, ("calendar", "mine"))
    visible = _visible(runtime, session, viewer)
    shown = _chosen(visible, cal) if cal else visible[:MAX_SHOWN]
    day = _day(date) or datetime.now().date()
    colour = {c.id: i % COLOURS for i, c in enumerate(visible)}
    return render(
        request,
        "week.html",
        viewer=viewer,
        visible=visible,
        shown={c.id for c in shown},
        colour=colour,
        layout=layout,
        tz=tz,
        day=day.isoformat(),
        config=_config(viewer, visible, shown, layout, tz, day),
        zones=sorted({c.time_zone for c in shown}),
    )


# -- find a slot ---------------------------------------------------------------------------
def _find_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: Viewer,
    *,
    chosen: list[str],
    fields: dict[str, str],
    result: Any = None,
    status: int = 200,
    flash: Flash | None = None,
) -> Response:
    visible = _visible(runtime, session, viewer)
    writable = {c.id for c in visible if _writable(viewer, c)}
    return render(
        request,
        "find.html",
        viewer=viewer,
        status=status,
        flash=flash,
        visible=visible,
        chosen=set(chosen),
        fields=fields,
        result=result,
        writable=writable,
    )


def _refused(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: Viewer,
    exc: Exception,
    *,
    chosen: list[str],
    fields: dict[str, str],
) -> Response:
    """The find page again with the service's reason (its status: 404, 409, 422...)."""
    status, flash = refusal(exc)
    return _find_page(
        request, runtime, session, viewer, chosen=chosen, fields=fields, status=status, flash=flash
    )


def _defaults(today: Date) -> dict[str, str]:
    return {
        "minutes": "60",
        "start": today.isoformat(),
        "end": (today + timedelta(days=7)).isoformat(),
        "from": "09:00",
        "to": "17:00",
        "need": "any",
        "title": "Booking",
    }


@pages.get("/find")
def find_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    cal: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
) -> Response:
    today = datetime.now().date()
    return _find_page(request, runtime, session, viewer, chosen=cal, fields=_defaults(today))


def availability_query(fields: dict[str, str], chosen: list[str], zone: str) -> AvailabilityQuery:
    """The form as the API's body: one group of the chosen calendars, all or any one free."""
    minutes = fields["minutes"]
    if not minutes.isdigit() or not 1 <= int(minutes) <= 24 * 60:
        raise InvalidInput.field("minutes", "duration: a whole number of minutes, 1 to 1440")
    _day(fields["start"], "start")
    _day(fields["end"], "end")
    body: dict[str, Any] = {
        "groups": [
            ParticipantGroup(calendars=chosen, required=1 if fields["need"] == "any" else "all")
        ],
        "duration": f"PT{int(minutes)}M",
        "start": fields["start"],
        "end": fields["end"],
        "timeZone": zone,
        "maxSlots": 50,
    }
    if fields["from"] or fields["to"]:
        body["workingHours"] = {
            "days": ["mo", "tu", "we", "th", "fr", "sa", "su"],
            "from": fields["from"] or "00:00",
            "to": fields["to"] or "24:00",
        }
    return AvailabilityQuery.model_validate(body)


@pages.post("/find")
def find_slots(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    form: FormDep,
) -> Response:
    today = datetime.now().date()
    fields = {k: (form.get(k) or v) for k, v in _defaults(today).items()}
    fields["from"], fields["to"] = form.get("from") or "", form.get("to") or ""
    chosen = form.all("cal")
    try:
        if not chosen:
            raise InvalidInput.field("cal", "choose at least one calendar")
        zone = calendars.get_visible(session, viewer.grant, chosen[0])[0].time_zone
        result = freebusy.availability(
            runtime, viewer.grant, availability_query(fields, chosen, zone)
        )
    except (CalgateError, ValidationError) as exc:
        return _refused(request, runtime, session, viewer, exc, chosen=chosen, fields=fields)
    return _find_page(
        request, runtime, session, viewer, chosen=chosen, fields=fields, result=result
    )


@pages.post("/find/book")
def book_slot(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    form: FormDep,
) -> Response:
    """A slot the find form listed, booked as the API's POST .../events would (policy and all)."""
    cal_id, start, end = form.get("cal"), form.get("start"), form.get("end")
    title = form.get("title") or "Booking"
    try:
        ctx = calendar_context(runtime, viewer.grant, cal_id, write=True)
        data = {"title": title, "start": start, "end": end}
        creation.create(ctx, "json", data, EventWrite.model_validate(data))
    except (CalgateError, ValidationError) as exc:
        fields = _defaults(datetime.now().date())
        return _refused(request, runtime, session, viewer, exc, chosen=[cal_id], fields=fields)
    query = urlencode({"cal": cal_id, "date": start[:10]})
    return done(f"/ui/week?{query}", f"Booked {title!r} in {cal_id} from {start} to {end}.")
