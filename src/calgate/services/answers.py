"""A written event in the representation a client asked for: calgate's JSON (as the index
materialized it), JSCalendar or ``text/calendar``, made from the stored text the write left
(the text sent, or the server's own copy where it changes what it stores; CRLF line ends);
read again only after an edit that wrote nothing."""

from __future__ import annotations

import json
from typing import Literal

from calgate.domain import ical_events as ical
from calgate.services import ical_text, jscal
from calgate.services.writing import Written

Representation = Literal["json", "jscalendar", "ical"]

JSON = "application/json"
JSCAL = "application/jscalendar+json"
ICAL = "text/calendar; charset=utf-8"


def represent(written: Written, form: Representation) -> tuple[str, str]:
    """(body, media type) of ``written`` in ``form``."""
    if form == "ical":
        if written.text is not None:
            return written.text, ICAL
        text, _ = ical_text.get_raw(written.ctx, written.id)
        return text, ICAL
    if form == "jscalendar":
        if written.text is not None:
            cal = ical.parse_ical(written.text)
            obj = jscal.as_jscalendar(cal, written.ctx, written.id)
        else:
            obj, _ = jscal.get_js(written.ctx, written.id)
        return json.dumps(obj), JSCAL
    return written.json(), JSON
