"""Stored objects cut into components as text, content lines, and the busy form (pure)."""

from __future__ import annotations

from icalendar import Calendar

from calgate.domain import ical_stream as s


def obj(*lines: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", *lines, "END:VCALENDAR"])


def test_blocks_keep_folds_and_subcomponents_as_stored():
    text = obj(
        "BEGIN:VEVENT",
        "UID:a",
        "SUMMARY:a long",
        "  folded title",
        "BEGIN:VALARM",
        "TRIGGER:-PT5M",
        "END:VALARM",
        "END:VEVENT",
    )
    (block,) = s.blocks(text)
    assert block.name == "VEVENT"
    assert "SUMMARY:a long\r\n  folded title\r\n" in block.text()
    assert block.value_of("SUMMARY") == "a long folded title"
    assert [line.name for line in block.own_lines()] == ["UID", "SUMMARY"]  # not TRIGGER


def test_blocks_of_bare_newlines_and_an_unclosed_component():
    text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nEND:VEVENT\nBEGIN:VEVENT\nUID:b\n"
    (block,) = s.blocks(text)
    assert block.text() == "BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n"


def test_split_line_reads_quoted_parameters():
    name, params, value = s.split_line('ATTENDEE;CN="Doe; John: Jr.";ROLE=CHAIR:mailto:j@x.org')
    assert name == "ATTENDEE"
    assert params == [("CN", '"Doe; John: Jr."'), ("ROLE", "CHAIR")]
    assert value == "mailto:j@x.org"


def test_tzids_in_order_of_use_unquoted():
    (block,) = s.blocks(
        obj(
            "BEGIN:VEVENT",
            'DTSTART;TZID="Office Time":20270101T090000',
            "DTEND;TZID=Europe/Berlin:20270101T100000",
            "EXDATE;TZID=Europe/Berlin:20270108T090000",
            "END:VEVENT",
        )
    )
    assert s.tzids(block) == ["Office Time", "Europe/Berlin"]


def test_content_lines_fold_at_75_octets_never_inside_a_character():
    line = s.content_line("NAME:" + "ü" * 100)
    physical = line.split("\r\n")[:-1]
    assert all(len(p.encode()) <= 75 for p in physical)
    assert "".join(p[1:] if i else p for i, p in enumerate(physical)) == "NAME:" + "ü" * 100


def test_head_reads_back_with_escaped_text():
    original = "Room; A, \\ B\nfloor 2 \u2013 Ölberg " + "x" * 80
    name = s.escape_text(original)
    text = s.head("-//t//EN", [("NAME", name)]) + s.TAIL
    assert Calendar.from_ical(text)["NAME"].to_ical().decode() == name  # unfolded
    # the same escaping read as TEXT where icalendar knows the property's type
    event = "BEGIN:VEVENT\r\nUID:u\r\n" + s.content_line("SUMMARY:" + name) + "END:VEVENT\r\n"
    parsed = Calendar.from_ical(s.head("-//t//EN", []) + event + s.TAIL)
    assert str(next(iter(parsed.walk("VEVENT")))["SUMMARY"]) == original


def _busy(text: str) -> str:
    return "".join(s.busy_blocks(s.blocks(text), lambda uid: f"h-{uid}"))


def test_busy_keeps_only_time_and_strips_parameters():
    out = _busy(
        obj(
            "BEGIN:VEVENT",
            "UID:the-uid",
            "DTSTART;TZID=Europe/Berlin;X-LEAK=secret:20270101T090000",
            "DURATION:PT1H",
            "SUMMARY:secret",
            "GEO:1.0;2.0",
            "RESOURCES:secret room",
            "PRIORITY:1",
            "X-THING:secret",
            "BEGIN:VALARM",
            "TRIGGER:-PT5M",
            "END:VALARM",
            "END:VEVENT",
        )
    )
    assert "secret" not in out
    assert out == (
        "BEGIN:VEVENT\r\nUID:h-the-uid\r\nSUMMARY:Busy\r\n"
        "DTSTART;TZID=Europe/Berlin:20270101T090000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n"
    )


def test_free_override_of_a_busy_series_becomes_an_exdate():
    out = _busy(
        obj(
            "BEGIN:VEVENT",
            "UID:s",
            "DTSTART;TZID=Europe/Berlin:20270101T090000",
            "RRULE:FREQ=DAILY;COUNT=3",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:s",
            "RECURRENCE-ID;TZID=Europe/Berlin;RANGE=THISANDFUTURE:20270102T090000",
            "DTSTART;TZID=Europe/Berlin:20270102T090000",
            "STATUS:CANCELLED",
            "END:VEVENT",
        )
    )
    assert "EXDATE;TZID=Europe/Berlin:20270102T090000" in out
    assert out.count("BEGIN:VEVENT") == 1


def test_busy_override_of_a_free_master_stays_on_its_own():
    out = _busy(
        obj(
            "BEGIN:VEVENT",
            "UID:s",
            "DTSTART:20270101T090000Z",
            "RRULE:FREQ=DAILY;COUNT=3",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:s",
            "RECURRENCE-ID:20270102T090000Z",
            "DTSTART:20270102T100000Z",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        )
    )
    assert out.count("BEGIN:VEVENT") == 1 and "RECURRENCE-ID:20270102T090000Z" in out


def test_hashed_uids_differ_per_key_and_keep_a_series_together():
    assert s.hashed_uid("feed_a", "u") == s.hashed_uid("feed_a", "u")
    assert s.hashed_uid("feed_a", "u") != s.hashed_uid("feed_b", "u")
