"""Rendering notifications (pure): every template variable, the default template, custom
templates, the sandbox, up-front checks and the fallback at render time."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from calgate.domain.mail import (
    DEFAULT_TEMPLATE,
    SAMPLE_NOTICE,
    Notice,
    Organizer,
    OverlapInfo,
    render,
)
from calgate.errors import InvalidInput
from calgate.mail.templates import check_subject, check_template

EVERY_VARIABLE = """\
name={{ name }}
start={{ start | datetime }}
end={{ end.isoformat() }}
created={{ created | datetime("%d.%m.%Y") }}
flags={{ is_deleted }},{{ is_cancelled }},{{ is_recurring }},{{ is_priorized }},\
{{ is_deprioritized }}
organizer={{ organizer.name }} <{{ organizer.email }}>
calendar={{ calendar_name }}
{% for e in overlap_events %}overlap={{ e.name }}|{{ e.start | datetime }}|{{ e.end | datetime }}|\
{{ e.created | datetime }}|{{ e.organizer.email }}|{{ e.is_priorized }}
{% endfor %}"""


def notice(**changes: object) -> Notice:
    return dataclasses.replace(SAMPLE_NOTICE, **changes)  # type: ignore[arg-type]


def test_every_context_variable_reaches_the_template():
    other = OverlapInfo(
        name="Yoga",
        start=datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
        end=datetime(2025, 3, 3, 9, 30, tzinfo=UTC),
        created=None,
        organizer=Organizer("yoga@example.org"),
        is_priorized=False,
    )
    mail = render(
        notice(
            is_cancelled=True,
            is_recurring=True,
            is_priorized=False,
            overlap_events=(*SAMPLE_NOTICE.overlap_events, other),
        ),
        EVERY_VARIABLE,
        "{{ calendar_name }}: {{ name }}",
    )
    assert mail.template_error is None
    assert mail.recipient == "organizer@example.org"
    assert mail.subject == "Room 1: Team meeting"
    assert mail.body.splitlines() == [
        "name=Team meeting",
        "start=2025-03-03 09:00 UTC",
        "end=2025-03-03T10:00:00+00:00",
        "created=01.02.2025",
        "flags=True,True,True,False,True",
        "organizer=Organizer <organizer@example.org>",
        "calendar=Room 1",
        "overlap=Board meeting|2025-03-03 09:30 UTC|2025-03-03 11:00 UTC|2025-02-02 08:00 UTC|"
        "board@example.org|True",
        "overlap=Yoga|2025-03-03 08:00 UTC|2025-03-03 09:30 UTC||yoga@example.org|False",
    ]


@pytest.mark.parametrize(
    ("flags", "verb"),
    [
        ({"is_deleted": True}, "has been deleted"),
        ({"is_deleted": False, "is_cancelled": True}, "has been cancelled"),
        ({"is_deleted": False}, "has been refused"),
    ],
)
def test_default_template_says_what_happened_and_why(flags, verb):
    mail = render(notice(**flags), None, None)
    assert mail.template_error is None
    body = mail.body
    assert body.startswith("Hello Organizer,\n")
    assert '"Team meeting" in Room 1' in body
    assert "2025-03-03 09:00 UTC to 2025-03-03 10:00 UTC" in body
    assert f"{verb} because it overlaps a booking with priority:" in body
    assert "  - Board meeting: 2025-03-03 09:30 UTC to 2025-03-03 11:00 UTC, booked by Board" in (
        body
    )
    assert "You made the booking on 2025-02-01 12:00 UTC." in body
    assert mail.subject.split(":")[0] in {"Deleted", "Cancelled", "Refused"}
    assert mail.subject.endswith(": Team meeting (Room 1)")


def test_default_template_without_overlaps_or_names():
    mail = render(
        notice(
            overlap_events=(),
            organizer=Organizer("someone@example.org"),
            created=None,
            is_recurring=True,
        ),
        None,
        None,
    )
    assert mail.body.startswith("Hello someone@example.org,\n")
    assert "(one occurrence of a recurring booking)" in mail.body
    assert "has been deleted.\n" in mail.body
    assert "overlaps" not in mail.body and "You made" not in mail.body


def test_default_template_names_several_overlaps_and_earlier_bookings():
    first = SAMPLE_NOTICE.overlap_events[0]
    second = dataclasses.replace(first, name="Lunch", is_priorized=False, organizer=None)
    mail = render(notice(overlap_events=(first, second), is_deprioritized=False), None, None)
    assert "because it overlaps other bookings:\n" in mail.body
    assert "  - Lunch: 2025-03-03 09:30 UTC to 2025-03-03 11:00 UTC\n" in mail.body


def test_custom_template_is_used_and_undefined_names_are_empty():
    mail = render(
        SAMPLE_NOTICE, "Hi {{ organizer.name }}{{ no_such_name }}{{ name.nope.x }}!", None
    )
    assert mail.body == "Hi Organizer!"
    assert mail.template_error is None


def test_subject_is_one_line():
    mail = render(SAMPLE_NOTICE, None, "{{ name }}\nBcc: evil@example.org\r\n  more")
    assert mail.subject == "Team meeting Bcc: evil@example.org more"


@pytest.mark.parametrize(
    "escape",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ name.__class__.__init__.__globals__ }}",
        "{{ '{0.__class__}'.format(name) }}",
        "{{ organizer.__slots__ }}",
        "{{ start.__class__.__subclasses__() }}",
        "{% set x = overlap_events.append(1) %}{{ x }}",
    ],
)
def test_sandbox_escapes_do_not_work(escape):
    mail = render(SAMPLE_NOTICE, escape, None)
    assert mail.body == render(SAMPLE_NOTICE, None, None).body  # fell back to the default
    assert mail.template_error and "template failed" in mail.template_error
    assert "class" not in mail.body.lower()
    with pytest.raises(InvalidInput) as caught:
        check_template(escape)
    assert caught.value.errors[0].pointer == "#/notificationTemplate"


@pytest.mark.parametrize(
    "bad", ["{% if name %}unclosed", "{{ name | no_such_filter }}", "{{ }}", "{% for %}"]
)
def test_check_template_rejects_what_does_not_compile(bad):
    with pytest.raises(InvalidInput) as caught:
        check_template(bad)
    error = caught.value
    assert error.status == 422
    assert error.errors[0].pointer == "#/notificationTemplate"
    assert "notificationTemplate is not a valid Jinja2 template" in error.detail


def test_check_subject_names_its_field():
    with pytest.raises(InvalidInput) as caught:
        check_subject("{{ name")
    assert caught.value.errors[0].pointer == "#/notificationSubject"


def test_check_template_rejects_what_always_fails():
    with pytest.raises(InvalidInput, match="ZeroDivisionError"):
        check_template("{{ 1 / 0 }}")


def test_check_template_accepts_good_templates():
    check_template(DEFAULT_TEMPLATE)
    check_template("{{ name }} {{ start.strftime('%H:%M') }} {{ undefined_is_fine }}")
    check_subject("Booking {{ name }}")


def test_render_error_falls_back_to_the_default_template():
    mail = render(SAMPLE_NOTICE, "{{ 1 / 0 }}", "{{ name | no_such_filter }}")
    default = render(SAMPLE_NOTICE, None, None)
    assert (mail.subject, mail.body) == (default.subject, default.body)
    assert "ZeroDivisionError" in (mail.template_error or "")
    assert "subject failed" in (mail.template_error or "")
