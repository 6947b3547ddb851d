"""Calendars' own notification templates, rendered in a child process with limits.

The Jinja2 sandbox (:mod:`calgate.domain.mail`) keeps a template away from what it must
not reach, and the renderer stops at ``MAX_RENDERED_CHARS``; neither stops a template from
running for ages (two nested ``range(100000)`` loops) or from asking for gigabytes in one step
(``'x' * 10**10``), and Jinja2 evaluates constant expressions while compiling, so even
compiling one is unsafe. A calendar's own template and subject are therefore compiled and
rendered only in a child Python
with a memory cap (``RLIMIT_AS``) and a time budget per mail, killed if it overruns the whole
batch. A mail whose template breaks a limit gets the default template (its ``template_error``
says why), and :func:`check_template` refuses such a template when a calendar's settings change.
The default template is calgate's own and renders in process.

The child is ``python -m calgate.mail.templates``: a JSON job on stdin, one JSON answer on stdout.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeVar

from calgate.domain.mail import (
    Notice,
    Organizer,
    OverlapInfo,
    RenderedMail,
    check_length,
    refuse,
    render,
    template_problem,
)
from calgate.domain.timezones import zone_or_none

SECONDS_PER_MAIL = 2.0
MEMORY_LIMIT = 512 * 2**20  # address space of the child, bytes
# Starting the interpreter and importing Jinja2 takes about 0.2 s; this covers a slow machine.
_STARTUP_SECONDS = 10.0


class TemplateTooSlow(Exception):
    """A template ran out of its time budget (raised by the alarm, inside the template)."""

    def __str__(self) -> str:
        return f"it takes longer than {SECONDS_PER_MAIL:g} s to render"


# -- the parent's side -----------------------------------------------------------------------
def render_all(
    notices: Sequence[Notice], template: str | None, subject: str | None
) -> list[RenderedMail]:
    """One mail per notice, from the calendar's ``template``/``subject`` (None: the default).
    Never raises: a template that fails or breaks a limit gives the default mail."""
    if not notices:
        return []
    if template is None and subject is None:
        return [render(n, None, None) for n in notices]
    job = {
        "template": template,
        "subject": subject,
        "notices": [_notice_json(n) for n in notices],
    }
    answer, failure = _run(job, budget=_STARTUP_SECONDS + SECONDS_PER_MAIL * len(notices))
    if answer is None or len(answer) != len(notices):
        reason = f"notification template could not be rendered ({failure or 'no answer'})"
        return [_with_error(render(n, None, None), reason) for n in notices]
    return [
        RenderedMail(m["recipient"], m["subject"], m["body"], m["template_error"]) for m in answer
    ]


def check_template(text: str, *, field_name: str = "notificationTemplate") -> None:
    """Refuse, as a 422 pointing at ``field_name``, a template that does not compile, fails
    when rendered with sample data, or breaks a limit (time, memory, size of the text)."""
    check_length(text, field_name=field_name)
    job = {"check": text, "field": field_name}
    answer, failure = _run(job, budget=_STARTUP_SECONDS + SECONDS_PER_MAIL)
    problem = f"{field_name} fails when rendered: {failure}" if answer is None else answer[0]
    if problem is not None:
        refuse(field_name, problem)


def check_subject(text: str) -> None:
    check_template(text, field_name="notificationSubject")


def _run(job: dict[str, Any], *, budget: float) -> tuple[list[Any] | None, str | None]:
    """The child's answer, or None and why there is none."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-m", "calgate.mail.templates"],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=budget,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"it takes longer than {budget:g} s to render"
    except OSError as exc:
        return None, f"the renderer could not start: {exc}"
    if done.returncode != 0:
        if "MemoryError" in done.stderr:
            return None, f"it needs more than {MEMORY_LIMIT // 2**20} MB of memory"
        return None, f"the renderer stopped (exit status {done.returncode})"
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        return None, "the renderer gave no readable answer"
    return (answer, None) if isinstance(answer, list) else (None, "the renderer gave no list")


def _with_error(mail: RenderedMail, reason: str) -> RenderedMail:
    return RenderedMail(mail.recipient, mail.subject, mail.body, reason)


def _time(value: datetime | None) -> list[str | None] | None:
    """A time for the child: its ISO form and its zone's name (``Europe/Berlin``), so the
    child's datetimes are in the same zone (``%Z`` says ``CEST``, not ``UTC+02:00``)."""
    if value is None:
        return None
    return [value.isoformat(), getattr(value.tzinfo, "key", None)]


def _notice_json(notice: Notice) -> dict[str, Any]:
    data = asdict(notice)
    for key in ("start", "end", "created"):
        data[key] = _time(getattr(notice, key))
    data["overlap_events"] = [
        {**asdict(o), "start": _time(o.start), "end": _time(o.end), "created": _time(o.created)}
        for o in notice.overlap_events
    ]
    return data


# -- the child's side ------------------------------------------------------------------------
def _parsed(value: list[str | None] | None) -> datetime | None:
    if value is None:
        return None
    text, zone = value
    assert text is not None
    parsed = datetime.fromisoformat(text)
    tz = None if zone is None else zone_or_none(zone)
    return parsed if tz is None else parsed.astimezone(tz)


def _organizer(data: dict[str, Any] | None) -> Organizer | None:
    return None if data is None else Organizer(data["email"], data.get("name"))


def _notice_from(data: dict[str, Any]) -> Notice:
    organizer = _organizer(data["organizer"])
    assert organizer is not None
    overlaps = tuple(
        OverlapInfo(
            name=o["name"],
            start=_parsed(o["start"]),
            end=_parsed(o["end"]),
            created=_parsed(o["created"]),
            organizer=_organizer(o["organizer"]),
            is_priorized=o["is_priorized"],
        )
        for o in data["overlap_events"]
    )
    flags: dict[str, bool] = {k: v for k, v in data.items() if k.startswith("is_")}
    return Notice(
        recipient=data["recipient"],
        name=data["name"],
        start=_parsed(data["start"]),
        end=_parsed(data["end"]),
        created=_parsed(data["created"]),
        organizer=organizer,
        calendar_name=data["calendar_name"],
        overlap_events=overlaps,
        **flags,
    )


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise TemplateTooSlow


T = TypeVar("T")


def _limited(work: Callable[[], T]) -> T:
    """``work()`` with SECONDS_PER_MAIL of wall time; the alarm lands inside the template,
    whose failure the renderer turns into the default mail (or a check's error)."""
    signal.setitimer(signal.ITIMER_REAL, SECONDS_PER_MAIL)
    try:
        return work()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _child_mail(notice: Notice, template: str | None, subject: str | None) -> dict[str, Any]:
    try:
        mail = _limited(lambda: render(notice, template, subject))
    except Exception as exc:  # the alarm or the memory cap hit the default template too
        mail = _with_error(render(notice, None, None), f"notification template failed ({exc})")
    return asdict(mail)


def _child_check(text: str, field_name: str) -> str | None:
    try:
        return _limited(lambda: template_problem(text, field_name))
    except Exception as exc:  # the alarm or the memory cap, while compiling
        reason = "it needs too much memory" if isinstance(exc, MemoryError) else str(exc)
        return f"{field_name} fails when rendered: {reason or type(exc).__name__}"


def _child() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    signal.signal(signal.SIGALRM, _on_alarm)
    job = json.load(sys.stdin)
    if "check" in job:
        answer: list[Any] = [_child_check(job["check"], job["field"])]
    else:
        answer = [
            _child_mail(_notice_from(n), job["template"], job["subject"]) for n in job["notices"]
        ]
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    _child()


__all__ = ["SECONDS_PER_MAIL", "check_subject", "check_template", "render_all"]
