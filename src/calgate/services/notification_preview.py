"""A calendar's notification template and subject rendered for a sample booking, as the mails
clearing sends would be: the same sandbox in the same child process with the same limits
(:func:`calgate.mail.templates.render_all`), the sample data :func:`check_template` uses, with
the calendar's name and times in its zone. Nothing is saved (the UI's live preview)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from calgate.domain.access import Grant, Role
from calgate.domain.mail import SAMPLE_NOTICE, Notice, check_length
from calgate.domain.timezones import zone_or_none
from calgate.errors import InvalidInput
from calgate.mail import templates
from calgate.services.calendars import get_visible, require_role


@dataclass(frozen=True)
class Preview:
    """The mail a sample booking would get. ``error``: why the calendar's own template or
    subject cannot be used (the sandbox's or a limit's reason); the mail shown is then the one
    calgate would send instead (the default template)."""

    subject: str
    body: str
    error: str | None = None


def sample_notice(calendar_name: str, time_zone: str) -> Notice:
    """:data:`SAMPLE_NOTICE` for a calendar: its name, the times in its zone."""
    zone = zone_or_none(time_zone)

    def local(value: datetime | None) -> datetime | None:
        return None if value is None or zone is None else value.astimezone(zone)

    overlaps = tuple(
        dataclasses.replace(o, start=local(o.start), end=local(o.end), created=local(o.created))
        for o in SAMPLE_NOTICE.overlap_events
    )
    return dataclasses.replace(
        SAMPLE_NOTICE,
        calendar_name=calendar_name,
        start=local(SAMPLE_NOTICE.start),
        end=local(SAMPLE_NOTICE.end),
        created=local(SAMPLE_NOTICE.created),
        overlap_events=overlaps,
    )


def preview_notification(
    session: Session, grant: Grant, calendar_id: str, template: str | None, subject: str | None
) -> Preview:
    """The sample mail from ``template``/``subject`` (None or empty: the default), for a
    token that may change the calendar's settings (NotFound when it may not see it)."""
    row, _source = get_visible(session, grant, calendar_id)
    require_role(grant, Role.write, "previewing a calendar's notification template")
    template, subject = template or None, subject or None
    notice = sample_notice(row.name, row.time_zone)
    try:
        if template is not None:
            check_length(template)
        if subject is not None:
            check_length(subject, field_name="notificationSubject")
    except InvalidInput as exc:
        fallback = templates.render_all([notice], None, None)[0]
        return Preview(fallback.subject, fallback.body, exc.detail)
    mail = templates.render_all([notice], template, subject)[0]
    return Preview(mail.subject, mail.body, mail.template_error)
