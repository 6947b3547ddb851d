"""Clearing tells the organizers: a real SMTP server (aiosmtpd) receives one mail per deleted,
cancelled or ignored booking, rendered from the calendar's sandboxed template."""

from __future__ import annotations

from calgate.mail import outbox
from tests.booking.helpers import ics
from tests.notify.conftest import SENDER
from tests.notify.smtp_server import SmtpServer

TEMPLATE = (
    "{{ name }} in {{ calendar_name }}: deleted={{ is_deleted }} cancelled={{ is_cancelled }} "
    "recurring={{ is_recurring }} prio={{ is_priorized }} deprio={{ is_deprioritized }} "
    "organizer={{ organizer.email }} start={{ start }} "
    "{% for o in overlap_events %}[{{ o.name }} by {{ o.organizer.email }}]{% endfor %}"
)


def test_organizers_get_the_calendar_template(make_client):
    server = SmtpServer("plain")
    server.start()
    try:
        client = make_client(
            smtp_server="127.0.0.1",
            smtp_port=server.port,
            smtp_email=SENDER,
            smtp_ssl=False,
            smtp_starttls=False,
            smtp_timeout=5,
        )
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
    finally:
        server.stop()
