"""The mails calgate sends about bookings (notifications), rendered from a calendar's Jinja2
template (pure, no I/O).

The clearing code builds a :class:`Notice` (plain data) and calls :func:`render`; the outbox
(``calgate.mail.outbox``) stores the :class:`RenderedMail` and delivers it.

Templates run in Jinja2's ``ImmutableSandboxedEnvironment``: no dunder attributes, no
``str.format`` escapes, no mutation of the context. Plain text, so no autoescaping.

The sandbox stops a template from reaching what it must not; it does not stop one from running
for ages or producing gigabytes. The text a render produces is bounded here
(``max_chars``); time and memory are bounded by running a user's template in a child process
(:mod:`calgate.mail.templates`), which is how calgate always renders calendars' own templates.

Undefined names are lenient on purpose (``ChainableUndefined``): ``{{ nme }}`` or
``{{ organizer.phone.number }}`` render as an empty string, because a typo in a template must
not stop a booking's organizer from hearing about it. Whatever still fails at render time
(``{{ 1 / 0 }}``, a sandbox violation) falls back to the default template, so a mail is never
lost; :func:`check_template` refuses such templates up front when a calendar's settings change.

Times reach a template as aware datetimes in the calendar's zone (the caller converts them):
``{{ start | datetime }}`` is local time with the zone's abbreviation, ``datetime(fmt, zone)``
formats in any IANA zone and ``in_zone(zone)`` converts; an unknown zone name fails the
template (so a literal one is refused when the template is set). ``{{ organizer }}`` is
``Name <address>`` (the address alone without a name), and ``None`` renders as nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NoReturn

from jinja2 import ChainableUndefined, TemplateError, Undefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from calgate.domain.timezones import zone_or_none
from calgate.errors import FieldError, InvalidInput

DATETIME_FORMAT = "%Y-%m-%d %H:%M %Z"
MAX_TEMPLATE_LENGTH = 20_000
MAX_SUBJECT_LENGTH = 300
# The most text one rendered template may produce: far above any real mail (the default one
# is under 1,000 characters with ten overlaps), far below what hurts the outbox.
MAX_RENDERED_CHARS = 100_000

DEFAULT_SUBJECT = (
    "{% if is_deleted %}Deleted{% elif is_cancelled %}Cancelled{% else %}Refused{% endif %}"
    ": {{ name }} ({{ calendar_name }})"
)

DEFAULT_TEMPLATE = """\
Hello {{ organizer.name or organizer.email }},

your booking "{{ name }}" in {{ calendar_name }}
{%- if is_recurring %} (one occurrence of a recurring booking){% endif %},
{{ start | datetime }} to {{ end | datetime }},
{% if is_deleted %}has been deleted{% elif is_cancelled %}has been cancelled\
{% else %}has been refused{% endif %}
{%- if overlap_events | length == 1 %} because it overlaps \
{%- if is_deprioritized %} a booking with priority{% else %} an earlier booking{% endif %}:
{%- elif overlap_events %} because it overlaps other bookings\
{%- if is_deprioritized %} with priority{% endif %}:
{%- else %}.{% endif %}
{% for other in overlap_events %}  - {{ other.name }}: \
{{ other.start | datetime }} to {{ other.end | datetime }}
{%- if other.organizer %}, booked by {{ other.organizer.name or other.organizer.email }}\
{% endif %}
{%- if other.is_priorized %} (priority){% endif %}
{% endfor %}
{%- if created %}
You made the booking on {{ created | datetime }}.
{% endif %}
This message was sent automatically by calgate.
"""


@dataclass(frozen=True, slots=True)
class Organizer:
    """``{{ organizer }}`` renders as ``Name <address>``, or the address when there is no
    name; ``organizer.email`` and ``organizer.name`` reach the parts."""

    email: str
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True, slots=True)
class OverlapInfo:
    """A booking that the notified one overlapped (and lost to)."""

    name: str
    start: datetime | None
    end: datetime | None
    created: datetime | None = None
    organizer: Organizer | None = None
    is_priorized: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """What happened to one booking, and who hears of it (``recipient``, normally the
    organizer's address). The fields are the template's variables, ``recipient`` aside."""

    recipient: str
    name: str
    start: datetime | None
    end: datetime | None
    organizer: Organizer
    calendar_name: str
    created: datetime | None = None
    is_deleted: bool = False
    is_cancelled: bool = False
    is_recurring: bool = False
    is_priorized: bool = False
    is_deprioritized: bool = False
    overlap_events: tuple[OverlapInfo, ...] = field(default_factory=tuple)

    def context(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "start": self.start,
            "end": self.end,
            "created": self.created,
            "is_deleted": self.is_deleted,
            "is_cancelled": self.is_cancelled,
            "is_recurring": self.is_recurring,
            "is_priorized": self.is_priorized,
            "is_deprioritized": self.is_deprioritized,
            "organizer": self.organizer,
            "overlap_events": list(self.overlap_events),
            "calendar_name": self.calendar_name,
        }


@dataclass(frozen=True, slots=True)
class RenderedMail:
    """A mail ready for the outbox. ``template_error`` says why the calendar's own template
    was replaced by the default one (None when it was not)."""

    recipient: str
    subject: str
    body: str
    template_error: str | None = None


def _in_zone(value: object, zone: object = None) -> object:
    """``value`` in the IANA zone ``zone`` (a datetime; anything else as it is). No zone, or
    an undefined name, keeps the value's own zone (the calendar's); an unknown zone name
    raises, so the template fails and the default one is used (and a literal one is refused
    when the template is checked)."""
    if not isinstance(value, datetime) or zone is None or isinstance(zone, Undefined):
        return value
    tz = zone_or_none(zone) if isinstance(zone, str) else None
    if tz is None:
        raise ValueError(f"unknown time zone {zone!r}: use an IANA name such as 'Europe/Berlin'")
    return value.astimezone(tz)


def _format_datetime(value: object, fmt: str = DATETIME_FORMAT, zone: object = None) -> str:
    """``{{ start | datetime }}``, ``datetime("%d.%m.%Y %H:%M")``, ``datetime(fmt, "UTC")``."""
    value = _in_zone(value, zone)
    if value is None or not isinstance(value, datetime):
        return "" if value is None else str(value)
    return value.strftime(fmt).strip()


def _finalize(value: object) -> object:
    """What ``{{ ... }}`` prints: nothing for None (an event without ``created``, an overlap
    without organizer), never the word "None"."""
    return "" if value is None else value


class _Sandbox(ImmutableSandboxedEnvironment):
    """Refuses unsafe attributes (``''.__class__``) outright instead of rendering them as
    empty, so :func:`check_template` can name the problem and a stored template that tries
    falls back to the default one."""

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} is unsafe"
        )


def _environment() -> _Sandbox:
    env = _Sandbox(
        autoescape=False,
        undefined=ChainableUndefined,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["datetime"] = _format_datetime
    env.filters["in_zone"] = _in_zone
    return env


_ENV = _environment()


class TemplateTooLong(Exception):
    """A template produced more than ``MAX_RENDERED_CHARS``."""


def _render_text(source: str, context: dict[str, Any]) -> str:
    """The rendered text, streamed so a template that runs away stops at the bound."""
    parts: list[str] = []
    size = 0
    for chunk in _ENV.from_string(source).generate(context):
        size += len(chunk)
        if size > MAX_RENDERED_CHARS:
            raise TemplateTooLong(f"it produces more than {MAX_RENDERED_CHARS:,} characters")
        parts.append(chunk)
    return "".join(parts)


def _one_line(text: str) -> str:
    """A subject is one header line: newlines would end it (or inject headers)."""
    return " ".join(text.split())[:MAX_SUBJECT_LENGTH]


def render(notice: Notice, template: str | None, subject: str | None) -> RenderedMail:
    """The mail for ``notice``: the calendar's ``template``/``subject`` (None: the defaults).
    A template that fails here is replaced by the default one and the reason is returned in
    ``template_error`` for the caller to log; rendering never raises."""
    context = notice.context()
    errors: list[str] = []
    body = _render_or_default(template, DEFAULT_TEMPLATE, context, "template", errors)
    title = _render_or_default(subject, DEFAULT_SUBJECT, context, "subject", errors)
    return RenderedMail(
        recipient=notice.recipient,
        subject=_one_line(title) or _one_line(_render_text(DEFAULT_SUBJECT, context)),
        body=body,
        template_error="; ".join(errors) or None,
    )


def _render_or_default(
    source: str | None, default: str, context: dict[str, Any], what: str, errors: list[str]
) -> str:
    if source is not None:
        try:
            return _render_text(source, context)
        except Exception as exc:  # any failure of a user's template: fall back, never lose it
            errors.append(f"notification {what} failed ({_reason(exc)})")
    return _render_text(default, context)


def _reason(exc: Exception) -> str:
    if isinstance(exc, MemoryError):
        return "MemoryError: it needs more memory than calgate allows a template"
    return f"{type(exc).__name__}: {exc}"


SAMPLE_NOTICE = Notice(
    recipient="organizer@example.org",
    name="Team meeting",
    start=datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
    end=datetime(2025, 3, 3, 10, 0, tzinfo=UTC),
    created=datetime(2025, 2, 1, 12, 0, tzinfo=UTC),
    organizer=Organizer("organizer@example.org", "Organizer"),
    calendar_name="Room 1",
    is_deleted=True,
    is_deprioritized=True,
    overlap_events=(
        OverlapInfo(
            name="Board meeting",
            start=datetime(2025, 3, 3, 9, 30, tzinfo=UTC),
            end=datetime(2025, 3, 3, 11, 0, tzinfo=UTC),
            created=datetime(2025, 2, 2, 8, 0, tzinfo=UTC),
            organizer=Organizer("board@example.org", "Board"),
            is_priorized=True,
        ),
    ),
)
"""The data :func:`check_template` renders a template with (every variable set)."""


def check_length(text: str, *, field_name: str = "notificationTemplate") -> None:
    """Refuse a template longer than its field allows. ``field_name`` is the request field the
    error points at (``notificationTemplate`` or ``notificationSubject``)."""
    limit = MAX_SUBJECT_LENGTH if field_name == "notificationSubject" else MAX_TEMPLATE_LENGTH
    if len(text) > limit:
        refuse(field_name, f"{field_name} is longer than {limit} characters")


def template_problem(text: str, field_name: str) -> str | None:
    """Why ``text`` cannot serve as the field ``field_name``: it does not compile, or it fails
    when rendered with :data:`SAMPLE_NOTICE`; None when it works. Compiling evaluates constant
    expressions and rendering is unbounded in time: run it in the child process
    (:func:`calgate.mail.templates.check_template`)."""
    try:
        _ENV.from_string(text)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        return f"{field_name} is not a valid Jinja2 template{where}: {exc.message}"
    try:
        _render_text(text, SAMPLE_NOTICE.context())
    except Exception as exc:  # any render failure: the template would always fall back
        return f"{field_name} fails when rendered: {_reason(exc)}"
    return None


def refuse(field_name: str, detail: str) -> NoReturn:
    raise InvalidInput(detail, [FieldError(detail, f"#/{field_name}")])
