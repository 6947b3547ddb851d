"""Clearing tells the organizers: a real SMTP server (aiosmtpd) receives one mail per deleted,
cancelled or ignored booking, rendered from the calendar's sandboxed template."""

from __future__ import annotations

from datetime import UTC, datetime

from calgate.mail import outbox
from tests.booking.helpers import ics

TEMPLATE = (
    "{{ name }} in {{ calendar_name }}: deleted={{ is_deleted }} cancelled={{ is_cancelled }} "
    "recurring={{ is_recurring }} prio={{ is_priorized }} deprio={{ is_deprioritized }} "
    "organizer={{ organizer.email }} start={{ start }} "
    "{% for o in overlap_events %}[{{ o.name }} by {{ o.organizer.email }}]{% endfor %}"
)


def test_organizers_get_the_calendar_template(mailing):
    client, server = mailing
    bad = client.patch("/api/v1/calendars/default", json={"notificationTemplate": "{% if %}"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "#/notificationTemplate"
    set_up = client.patch(
        "/api/v1/calendars/default",
        json={"notificationTemplate": TEMPLATE, "notificationSubject": "Booking {{ name }}"},
    )
    assert set_up.status_code == 200, set_up.text
    runtime = client.app.state.runtime
    text = ics("a", "20270301T100000Z", "20270301T110000Z", created="20260101T000000Z")
    later = ics("b", "20270301T103000Z", "20270301T113000Z", created="20260102T000000Z")
    series = ics(
        "c",
        "20270222T100000Z",
        "20270222T110000Z",
        created="20260103T000000Z",
        rrule="FREQ=WEEKLY;COUNT=3",
    )
    for body in (text, later, series):
        resp = client.post(
            "/api/v1/calendars/default/events",
            content=body,
            headers={"Content-Type": "text/calendar"},
        )
        assert resp.status_code == 201, resp.text
    report = client.post("/api/v1/calendars/default/clear-bookings").json()
    assert report["notified"] == 2
    delivered = outbox.deliver_due(runtime.settings, runtime.db.session)
    assert delivered.sent == 2
    by_to = {m.rcpt_tos[0]: m.message for m in server.recorder.messages}
    assert set(by_to) == {"b@example.com", "c@example.com"}
    body_b = by_to["b@example.com"].get_payload(decode=True).decode()
    assert str(by_to["b@example.com"]["Subject"]) == "Booking Booking b"
    assert "Booking b in Default: deleted=True cancelled=False recurring=False" in body_b
    assert "[Booking a by a@example.com]" in body_b
    body_c = by_to["c@example.com"].get_payload(decode=True).decode()
    assert "cancelled=True recurring=True" in body_c
    assert outbox.deliver_due(runtime.settings, runtime.db.session).sent == 0


# -- when mails go out, in which zone, to whom ------------------------------------------------
YEAR = datetime.now(UTC).year + 1  # next July: ahead, and within what clearing looks at
ROOM_TEMPLATE = (
    "{{ organizer }} lost {{ name }} {{ start | datetime }} to "
    "{% for o in overlap_events %}{{ o.name }} by {{ o.organizer }} at "
    "{{ o.start | datetime('%H:%M %Z', 'UTC') }}{% endfor %}"
)


def book(client, cal: str, name: str, start: str, end: str, organizer: object) -> str:
    """A booking through the room-booking tool's route, with its organizer."""
    body = {
        "name": name,
        "start": f"{YEAR}-{start}",
        "end": f"{YEAR}-{end}",
        "organizer": organizer,
    }
    resp = client.post(f"/api/{cal}/events/", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()["id"]


def clash(client, cal: str, day: str, winner: object, loser: object) -> None:
    """Two bookings at 14:00 local time on ``day``; the winner's is prioritized, so the
    loser's (14:30) is deleted whatever the creation times."""
    won = book(client, cal, "Board", f"{day}T14:00:00", f"{day}T15:00:00", winner)
    book(client, cal, "Standup", f"{day}T14:30:00", f"{day}T15:30:00", loser)
    resp = client.patch(f"/api/v1/calendars/{cal}/events/{won}", json={"prioritized": True})
    assert resp.status_code == 200, resp.text


def test_mails_only_where_the_calendar_says_in_its_zone_to_the_drop_in_organizer(mailing):
    client, server = mailing
    for cal in ("room", "plain"):
        body = {"id": cal, "name": cal.title(), "timeZone": "Europe/Berlin"}
        assert client.post("/api/v1/calendars", json=body).status_code == 201
        made = client.patch(f"/api/v1/calendars/{cal}", json={"autoClear": True})
        assert made.json()["notifications"] == "template"
    bad = client.patch("/api/v1/calendars/plain", json={"notifications": "sometimes"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "#/notifications"
    room = client.patch("/api/v1/calendars/room", json={"notificationTemplate": ROOM_TEMPLATE})
    assert room.status_code == 200, room.text

    # room has a template: the loser hears, in Berlin time, with the winner named
    clash(client, "room", "07-14", "Ann Example <ann@example.org>", "bob@example.org")
    # plain has none (notifications "template"): cleared, nobody mailed
    clash(client, "plain", "07-14", "ann@example.org", {"email": "carl@example.org"})
    report = client.delete("/api/clear-bookings").json()
    got = [
        (e["calendar"], e["event"]["organizer"], e["overlaps_with"]["organizer"])
        for e in report["deleted_overlapping_events"]
    ]
    assert got == [
        ("plain", "carl@example.org", "ann@example.org"),
        ("room", "bob@example.org", "ann@example.org"),
    ]
    runtime = client.app.state.runtime
    assert outbox.deliver_due(runtime.settings, runtime.db.session).sent == 1
    (mail,) = server.recorder.messages
    assert mail.rcpt_tos == ["bob@example.org"]
    assert mail.message.get_payload(decode=True).decode().rstrip() == (
        f"bob@example.org lost Standup {YEAR}-07-14 14:30 CEST to "
        f"Board by Ann Example <ann@example.org> at 12:00 UTC"
    )

    # plain opts in to calgate's default template; room turns mail off
    for cal, setting in (("plain", "always"), ("room", "off")):
        resp = client.patch(f"/api/v1/calendars/{cal}", json={"notifications": setting})
        assert resp.status_code == 200 and resp.json()["notifications"] == setting
    clash(client, "plain", "07-15", "ann@example.org", {"email": "d@example.org", "name": "D"})
    clash(client, "room", "07-15", "ann@example.org", "e@example.org")
    client.delete("/api/clear-bookings")
    assert outbox.deliver_due(runtime.settings, runtime.db.session).sent == 1
    mail = server.recorder.messages[1]
    assert mail.rcpt_tos == ["d@example.org"]
    text = mail.message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert text.startswith("Hello D,\n")
    assert f"{YEAR}-07-15 14:30 CEST to {YEAR}-07-15 15:30 CEST" in text
    assert "booked by ann@example.org (priority)" in text
