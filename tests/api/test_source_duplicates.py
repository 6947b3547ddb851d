"""A CalDAV calendar is connected once: a source leading to a calendar calgate already has
(by its own URL spelled any way, or by the server root or principal that lists it) is a 409
naming the calgate calendar and its source, and nothing is stored (real Radicale and Xandikos;
on SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from calgate.errors import CalendarAlreadyConnected
from calgate.schemas.sources import SourceCreate
from calgate.services import sources


def _add(client, server, url: str):
    body = {"url": url, "username": server.username, "password": server.password}
    return client.post("/api/v1/sources", json=body)


def _counts(client) -> tuple[int, int]:
    items = client.get("/api/v1/sources").json()["items"]
    return len(items), sum(len(s["calendars"]) for s in items)


def _refused_naming(resp, calendar: str, source: str) -> None:
    assert resp.status_code == 409, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert {"calendar": calendar, "source": source} in body["existing"]
    assert f"'{calendar}'" in body["detail"] and f"'{source}'" in body["detail"]
    # The answer names calgate's ids, never the upstream address.
    assert "127.0.0.1" not in body["detail"]


def _spellings(url: str) -> list[str]:
    """The same collection's URL as people type it."""
    parts = urlsplit(url)
    path = parts.path
    user = f"{parts.scheme}://alice@{parts.netloc}{path}"
    escaped = f"{parts.scheme}://{parts.netloc}/%{ord(path[1]):02x}{path[2:]}"
    return [url, url.rstrip("/"), user, escaped]


@pytest.mark.parametrize(
    ("server_name", "first", "also"),
    [
        ("radicale_server", "calendar_url", ["url", "principal_url"]),
        ("xandikos_server", "url", ["principal_url", "home_url"]),
    ],
)
def test_same_calendar_twice_is_409_naming_it(request, db_client, server_name, first, also):
    """Connected from its own URL or from the server root, the calendar is refused again by
    every spelling of its URL and by every address that lists it."""
    server = request.getfixturevalue(server_name)
    added = _add(db_client, server, getattr(server, first))
    assert added.status_code == 201, added.text
    src = added.json()["id"]
    wanted = server.calendar_url.rstrip("/")
    cal = next(c["id"] for c in added.json()["calendars"] if c["caldavUrl"].rstrip("/") == wanted)
    before = _counts(db_client)
    for url in [*_spellings(server.calendar_url), *(getattr(server, a) for a in also)]:
        _refused_naming(_add(db_client, server, url), cal, src)
    assert _counts(db_client) == before


def test_after_removing_the_source_the_calendar_can_be_connected_again(client, radicale_server):
    first = _add(client, radicale_server, radicale_server.calendar_url)
    assert client.delete(f"/api/v1/sources/{first.json()['id']}").status_code == 204
    assert _add(client, radicale_server, radicale_server.calendar_url).status_code == 201


def test_concurrent_additions_of_one_calendar_store_one(db_client, radicale_server):
    attempts = 8
    runtime = db_client.app.state.runtime

    def add(i: int) -> str:
        body = SourceCreate(
            url=radicale_server.calendar_url,
            name=f"Attempt {i}",  # no two race for one source id
            username=radicale_server.username,
            password=radicale_server.password,
        )
        try:
            return sources.add_source(runtime, body)
        except CalendarAlreadyConnected:
            return "409"

    before = _counts(db_client)
    with ThreadPoolExecutor(max_workers=attempts) as pool:
        outcomes = list(pool.map(add, range(attempts)))
    assert sorted(outcomes).count("409") == attempts - 1, outcomes
    assert _counts(db_client) == (before[0] + 1, before[1] + 1)
