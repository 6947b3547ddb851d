"""Calendars' own templates rendered in the child process: the same mails as in process, and
the default mail (with the reason) when a template runs out of time or memory."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from calgate.domain.mail import SAMPLE_NOTICE, Notice, Organizer, OverlapInfo, render
from calgate.errors import InvalidInput
from calgate.mail import templates
from tests.mail.test_render import EVERY_VARIABLE

SLOW = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def notices() -> list[Notice]:
    second = dataclasses.replace(
        SAMPLE_NOTICE, name="Second", recipient="two@example.org", overlap_events=()
    )
    return [SAMPLE_NOTICE, second]


def test_child_renders_what_the_process_renders():
    subject = "Booking {{ name }} ({{ calendar_name }})"
    got = templates.render_all(notices(), EVERY_VARIABLE, subject)
    assert got == [render(n, EVERY_VARIABLE, subject) for n in notices()]
    assert got[1].recipient == "two@example.org" and "name=Second" in got[1].body


def test_defaults_render_without_a_child():
    assert templates.render_all(notices(), None, None) == [render(n, None, None) for n in notices()]
    assert templates.render_all([], SLOW, None) == []


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        (SLOW, "longer than 2 s"),
        ("{{ 'x' * 10**10 }}", "MemoryError"),
        ("{{ name | center(1000000000) }}", "MemoryError"),
        ("{{ 'x' * 200000 }}", "more than 100,000 characters"),
    ],
)
def test_a_template_over_a_limit_gives_the_default_mail_with_the_reason(template, reason):
    got = templates.render_all([SAMPLE_NOTICE], template, "Re: {{ name }}")
    default = render(SAMPLE_NOTICE, None, None)
    assert got[0].body == default.body
    assert got[0].subject == "Re: Team meeting"  # the subject was fine and is kept
    assert reason in (got[0].template_error or "")


@pytest.mark.parametrize(
    ("template", "words"),
    [
        (SLOW, "longer than 2 s"),
        ("{{ 'x' * 10**10 }}", "memory"),
        ("{{ 'x' | center(1000000000) }}", "memory"),
        ("{% if %}", "not a valid Jinja2 template (line 1)"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
    ],
)
def test_check_refuses_templates_over_a_limit(template, words):
    with pytest.raises(InvalidInput) as caught:
        templates.check_template(template)
    assert words in caught.value.detail
    assert caught.value.errors[0].pointer == "#/notificationTemplate"


# -- times in the calendar's zone, the organizer as text --------------------------------------
BERLIN = ZoneInfo("Europe/Berlin")

LOCAL = (
    "{{ organizer }}|{{ start | datetime }}|{{ end | datetime('%H:%M') }}|"
    "{{ start | datetime('%H:%M %Z', 'America/New_York') }}|"
    "{{ (start | in_zone('UTC')).isoformat() }}|{{ created | datetime }}|"
    "{% for o in overlap_events %}{{ o.organizer }} {{ o.start | datetime }} "
    "{{ o.created }}{% endfor %}"
)


def berlin_notice() -> Notice:
    """A notice as clearing makes it for a calendar in Europe/Berlin."""
    return dataclasses.replace(
        SAMPLE_NOTICE,
        start=datetime(2027, 7, 14, 14, 0, tzinfo=BERLIN),
        end=datetime(2027, 7, 14, 15, 0, tzinfo=BERLIN),
        created=datetime(2027, 1, 14, 8, 33, tzinfo=BERLIN),
        organizer=Organizer("ann@example.org", "Ann Example"),
        overlap_events=(
            OverlapInfo(
                name="Council",
                start=datetime(2027, 7, 14, 14, 30, tzinfo=BERLIN),
                end=datetime(2027, 7, 14, 16, 0, tzinfo=BERLIN),
                created=None,
                organizer=Organizer("council@example.org"),
            ),
        ),
    )


def test_calendar_template_reads_local_times_any_zone_and_the_organizer_as_text():
    mails = templates.render_all([berlin_notice()], LOCAL, "{{ organizer }}: {{ name }}")
    assert mails == [render(berlin_notice(), LOCAL, "{{ organizer }}: {{ name }}")]
    (mail,) = mails
    assert mail.template_error is None
    assert mail.body == (
        "Ann Example <ann@example.org>|2027-07-14 14:00 CEST|15:00|08:00 EDT|"
        "2027-07-14T12:00:00+00:00|2027-01-14 08:33 CET|"
        "council@example.org 2027-07-14 14:30 CEST "
    )
    assert mail.subject == "Ann Example <ann@example.org>: Team meeting"


def test_an_unknown_zone_in_a_template():
    # a literal one is refused when the template is set
    with pytest.raises(InvalidInput) as caught:
        templates.check_template("{{ start | datetime('%H:%M', 'Mars/Olympus') }}")
    assert "Mars/Olympus" in caught.value.detail
    # one that only shows when a mail is made falls back to the default mail, which is sent
    template = "{{ start | in_zone(calendar_name) }}"
    (mail,) = templates.render_all([berlin_notice()], template, None)
    assert mail.body == render(berlin_notice(), None, None).body
    assert "unknown time zone 'Room 1'" in (mail.template_error or "")
    assert "2027-07-14 14:00 CEST to 2027-07-14 15:00 CEST" in mail.body
