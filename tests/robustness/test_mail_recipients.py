"""Mail recipient injection (issue 14, point 8): an address that mail goes to is exactly one
addr-spec. Refused with a 422 naming the field when a client stores it (calgate JSON,
JSCalendar, PATCH, the room-booking drop-in); an address another client stored is never mailed
as more than one recipient; a subject with line breaks stays one header. A real SMTP server
(aiosmtpd) records the envelope (RCPT TO) and the headers."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from calgate.domain.mail import RenderedMail
from calgate.mail import outbox
from tests.booking.helpers import ics

JSCAL = "application/jscalendar+json"
EVENTS = "/api/v1/calendars/default/events"
YEAR = datetime.now(UTC).year + 1

HOSTILE = [
    "victim@example.org>,<attacker@evil.example",
    "a@example.org,b@evil.example",
    "a@example.org;b@evil.example",
    "Victim <victim@example.org>",
    '"victim@example.org" <attacker@evil.example>',
    "victim@example.org (attacker@evil.example)",
    "victim@example.org\r\nBcc: attacker@evil.example",
    "victim@example.org\nRCPT TO:<attacker@evil.example>",
    "victim@example.org\u2028attacker@evil.example",
    "victim@example.org attacker@evil.example",
    "victim@example.org\tattacker@evil.example",
    "victim@[127.0.0.1]",
    "victim@example.org@evil.example",
]


def _pointer(resp) -> str:
    assert resp.status_code == 422, (resp.status_code, resp.text)
    assert resp.headers["content-type"].startswith("application/problem+json")
    return resp.json()["errors"][0]["pointer"]


# -- when a client stores an address ----------------------------------------------------------


@pytest.mark.parametrize("address", HOSTILE)
def test_calgate_json_refuses_more_than_one_address(client, address):
    body = {"title": "x", "start": f"{YEAR}-03-01T10:00:00Z"}
    organizer = client.post(EVENTS, json={**body, "organizer": {"email": address}})
    assert _pointer(organizer) == "#/organizer/email"
    mailto = client.post(EVENTS, json={**body, "organizer": {"email": f"mailto:{address}"}})
    assert _pointer(mailto) == "#/organizer/email"
    attendee = client.post(EVENTS, json={**body, "attendees": [{"email": address}]})
    assert _pointer(attendee) == "#/attendees/0/email"
    made = client.post(EVENTS, json=body)
    assert made.status_code == 201, made.text
    patched = client.patch(f"{EVENTS}/{made.json()['id']}", json={"organizer": {"email": address}})
    assert _pointer(patched) == "#/organizer/email"


@pytest.mark.parametrize("address", HOSTILE)
def test_jscalendar_refuses_more_than_one_address(client, address):
    base = {"@type": "Event", "title": "x", "start": f"{YEAR}-03-01T10:00:00", "duration": "PT1H"}
    headers = {"Content-Type": JSCAL}
    cases = [
        ({"replyTo": {"imip": f"mailto:{address}"}}, "#/replyTo/imip"),
        ({"participants": {"p": {"sendTo": {"imip": f"mailto:{address}"}}}}, "#/participants/p"),
        ({"participants": {"p": {"email": address}}}, "#/participants/p/email"),
    ]
    for extra, pointer in cases:
        resp = client.post(EVENTS, json={**base, **extra}, headers=headers)
        assert _pointer(resp).startswith(pointer), (extra, resp.text)
    made = client.post(EVENTS, json=base, headers=headers)
    assert made.status_code == 201, made.text
    event = made.headers["location"]
    patch = {"replyTo": {"imip": f"mailto:{address}"}}
    assert _pointer(client.patch(event, json=patch, headers=headers)) == "#/replyTo/imip"


NAMED = {"Victim <victim@example.org>", '"victim@example.org" <attacker@evil.example>'}


@pytest.mark.parametrize("address", [*HOSTILE, "Ann <a@example.org>, <b@evil.example>"])
def test_the_drop_in_booking_refuses_more_than_one_organizer(client, address):
    # "Name <address>" is the drop-in's own form of one address (the name is not mailed to)
    forms = [{"email": address}] if address in NAMED else [address, {"email": address}]
    for organizer in forms:
        body = {
            "name": "Room",
            "start": f"{YEAR}-03-01T10:00:00",
            "end": f"{YEAR}-03-01T11:00:00",
            "organizer": organizer,
        }
        resp = client.post("/api/default/events/", json=body)
        assert resp.status_code == 422, resp.text
        assert "organizer" in resp.text


def test_one_plain_address_is_still_taken(client):
    body = {"title": "x", "start": f"{YEAR}-03-01T10:00:00Z"}
    for address in ("ann@example.org", "o'brien+tag@mail.example.org", "jörg@bücher.example"):
        resp = client.post(EVENTS, json={**body, "organizer": {"email": address}})
        assert resp.status_code == 201, resp.text
        assert resp.json()["organizer"]["email"] == address
    named = {"name": "Room", "start": f"{YEAR}-03-01T10:00:00", "end": f"{YEAR}-03-01T11:00:00"}
    resp = client.post("/api/default/events/", json={**named, "organizer": "Ann <a@example.org>"})
    assert resp.status_code == 200, resp.text


# -- when mailing what another client stored ---------------------------------------------------


def _ics(uid: str, organizer: str, start: str, created: str) -> str:
    """An object another client wrote, with its own ORGANIZER line."""
    text = ics(uid, f"{YEAR}{start}", f"{YEAR}{start[:4]}T120000Z", created=created)
    stock = f"ORGANIZER;CN=Org {uid}:mailto:{uid}@example.com"
    return text.replace(stock, f"ORGANIZER:{organizer}")


def _put_raw(client: TestClient, text: str) -> None:
    resp = client.post(EVENTS, content=text, headers={"Content-Type": "text/calendar"})
    assert resp.status_code == 201, resp.text


def _set_up_mail(client: TestClient) -> None:
    resp = client.patch(
        "/api/v1/calendars/default",
        json={"notificationTemplate": "{{ name }}", "notificationSubject": "Booking {{ name }}"},
    )
    assert resp.status_code == 200, resp.text


def settled(runtime) -> outbox.OutboxStatus:
    """The outbox once nothing is pending: delivered here or by the runtime's own mail worker,
    which runs beside the test (whichever claims a mail sends it, once)."""
    deadline = time.monotonic() + 15
    while True:
        outbox.deliver_due(runtime.settings, runtime.db.session)
        with runtime.db.session() as session:
            status = outbox.status(session)
        if status.pending + status.retrying == 0 or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


@pytest.mark.parametrize(
    "stored",
    [
        "mailto:victim@example.org>,<attacker@evil.example",
        "mailto:victim@example.org,attacker@evil.example",
        "MAILTO:victim@example.org;attacker@evil.example",
        "mailto:<victim@example.org>,<attacker@evil.example>",
        "urn:victim@example.org>,<attacker@evil.example",
        "x-calendar:victim@example.org,attacker@evil.example",
    ],
)
def test_a_stored_organizer_is_never_mailed_as_two_recipients(mailing, stored):
    client, server = mailing
    _set_up_mail(client)
    winner = _ics("winner", "mailto:ann@example.org", "0301T100000Z", "20260101T000000Z")
    loser = _ics("loser", stored, "0301T103000Z", "20260102T000000Z")
    for text in (winner, loser):
        _put_raw(client, text)
    report = client.post("/api/v1/calendars/default/clear-bookings")
    assert report.status_code == 200, report.text
    status = settled(client.app.state.runtime)
    recipients = [r for m in server.recorder.messages for r in m.rcpt_tos]
    assert recipients == [], recipients
    assert status.sent == 0
    # queued or not, a mail to this address never goes out: it is failed with the reason
    assert status.pending + status.retrying == 0
    assert all("not sent to" in e for e in status.last_errors), status.last_errors


@pytest.mark.parametrize("recipient", HOSTILE)
def test_a_queued_mail_to_more_than_one_address_fails_with_the_reason(mailing, recipient):
    """A mail already in the outbox (queued by an older calgate, say) is checked again."""
    client, server = mailing
    runtime = client.app.state.runtime
    good = RenderedMail("ann@example.org", "Booking", "body")
    bad = RenderedMail(recipient, "Booking", "body")
    with runtime.db.session() as session:
        outbox.enqueue(session, [bad, good], settings=runtime.settings)
    status = settled(runtime)
    assert (status.sent, status.failed) == (1, 1)
    [mail] = server.recorder.messages
    assert mail.rcpt_tos == ["ann@example.org"]
    assert mail.message.get_all("To") == ["ann@example.org"]
    assert mail.message.get_all("Bcc") is None
    assert status.last_errors and status.last_errors[0].startswith("not sent to ")


def test_a_bcc_setting_must_be_plain_addresses(make_settings):
    from pydantic import ValidationError

    assert make_settings(smtp_bcc="a@example.org, b@example.org").smtp_bcc_list == [
        "a@example.org",
        "b@example.org",
    ]
    with pytest.raises(ValidationError, match="SMTP_BCC"):
        make_settings(smtp_bcc="a@example.org, Bob <b@example.org>")


# -- the subject stays one header ------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Room\r\nBcc: attacker@evil.example",
        "Room\nTo: attacker@evil.example",
        "Room\rX-Injected: 1",
        "Room\u2028Bcc: attacker@evil.example",
        "Room\u0085Bcc: attacker@evil.example",
        "Room\r\n\r\nbody takeover",
    ],
)
def test_a_subject_with_line_breaks_adds_no_header(mailing, title):
    client, server = mailing
    _set_up_mail(client)
    body = {"start": f"{YEAR}-03-01T10:00:00Z", "end": f"{YEAR}-03-01T11:00:00Z"}
    first = client.post(EVENTS, json={**body, "title": "Board", "prioritized": True})
    assert first.status_code == 201, first.text
    loser = {**body, "title": title, "organizer": {"email": "bob@example.org"}}
    assert client.post(EVENTS, json=loser).status_code == 201
    client.post("/api/v1/calendars/default/clear-bookings")
    runtime = client.app.state.runtime
    assert outbox.deliver_due(runtime.settings, runtime.db.session).sent == 1
    [mail] = server.recorder.messages
    assert mail.rcpt_tos == ["bob@example.org"]
    message = mail.message
    assert message.get_all("To") == ["bob@example.org"]
    assert len(message.get_all("Subject")) == 1
    subject = str(message["Subject"])
    assert subject.startswith("Booking Room") and "\n" not in subject and "\r" not in subject
    assert set(message.keys()) == {
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "Auto-Submitted",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
    }
