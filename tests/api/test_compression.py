"""GET answers are gzip-compressed for a client that accepts it; answers to changes never are
(they can hold a secret beside text the client chose: BREACH), nor are the UI's pages."""

from __future__ import annotations

import gzip
import json

EVENTS = "/api/v1/calendars/default/events"
GZIP = {"Accept-Encoding": "gzip"}


def _fill(client, count: int = 30) -> None:
    for n in range(count):
        body = {
            "title": f"Compressible meeting {n}",
            "description": "the same words again " * 10,
            "start": f"2027-01-{1 + n % 28:02d}T09:00:00Z",
            "end": f"2027-01-{1 + n % 28:02d}T10:00:00Z",
        }
        assert client.post(EVENTS, json=body).status_code == 201


def test_a_listing_is_gzipped_for_a_client_that_accepts_it(client):
    _fill(client)
    window = {"start": "2027-01-01T00:00:00Z", "end": "2027-02-01T00:00:00Z"}
    plain = client.get(EVENTS, params=window, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = client.build_request("GET", EVENTS, params=window, headers=GZIP)
    packed = client.send(raw, stream=True)
    body = b"".join(packed.iter_raw())
    packed.close()
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert len(body) < len(plain.content) / 3
    assert json.loads(gzip.decompress(body)) == plain.json()


def test_answers_to_changes_and_pages_are_not_compressed(client):
    long = {"title": "t", "description": "x" * 5000, "start": "2027-01-05T09:00:00Z"}
    made = client.post(EVENTS, json=long, headers=GZIP)
    assert made.status_code == 201 and len(made.content) > 5000  # big enough to compress
    assert "content-encoding" not in made.headers
    token = client.post("/api/v1/tokens", json={"role": "read", "name": "x" * 200}, headers=GZIP)
    assert token.status_code == 201 and "content-encoding" not in token.headers
    page = client.get("/ui/sign-in", headers=GZIP)
    assert page.status_code == 200 and "content-encoding" not in page.headers


def test_a_feeds_etag_and_304_hold_when_gzipped(client):
    _fill(client, 10)
    made = client.post("/api/v1/calendars/default/feeds", json={"detail": "full"})
    assert made.status_code == 201, made.text
    path = made.json()["url"].split("://", 1)[1].split("/", 1)[1]
    first = client.get(f"/{path}", headers=GZIP)
    assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
    again = client.get(f"/{path}", headers={**GZIP, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
