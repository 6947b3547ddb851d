"""Calendars' own templates rendered in the child process: the same mails as in process, and
the default mail (with the reason) when a template runs out of time or memory."""

from __future__ import annotations

import dataclasses

import pytest

from calgate.domain.notification import SAMPLE_NOTICE, Notice, render
from calgate.errors import InvalidInput
from calgate.mail import templates
from tests.notify.test_render import EVERY_VARIABLE

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
