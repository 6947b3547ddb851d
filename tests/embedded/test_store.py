"""EmbeddedStore without HTTP: paths, calendar creation, secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx2 as httpx
import pytest

from calgate.domain.access import Grant
from calgate.embedded import EmbeddedStore

from .conftest import WRITE_ALL
from .test_dav_access import propfind


def test_paths(store: EmbeddedStore) -> None:
    assert store.internal_username == "calgate"
    assert store.principal_path == "/calgate/"
    assert store.calendar_path("default") == "/calgate/default/"
    assert store.calendar_path("a-b_c9") == "/calgate/a-b_c9/"


@pytest.mark.parametrize(
    "bad", ["", "Default", "-x", "_x", "a/b", "..", "a.b", "x" * 64, "café", "a b", "a:b"]
)
def test_calendar_id_must_be_a_safe_path_component(store: EmbeddedStore, bad: str) -> None:
    with pytest.raises(ValueError):
        store.calendar_path(bad)
    with pytest.raises(ValueError):
        store.ensure_calendar(bad, name="x", time_zone=None)


def test_ensure_calendar_is_idempotent_and_works_before_any_server(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s", lambda _secret: None)
    assert store.ensure_calendar("work", name="Work", time_zone=None) is True
    assert store.ensure_calendar("work", name="Renamed", time_zone="UTC") is False
    again = EmbeddedStore(tmp_path / "s", lambda _secret: None)
    assert again.ensure_calendar("work", name="Work", time_zone=None) is False


def test_rfc4791_5_2_ensure_calendar_sets_displayname_timezone_and_vevent(
    store: EmbeddedStore, dav_url: str
) -> None:
    assert store.ensure_calendar("trips", name="Trips ✈", time_zone="Europe/Oslo") is True
    body = (
        '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" '
        'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:displayname/><D:resourcetype/>'
        "<C:calendar-timezone/><C:supported-calendar-component-set/></D:prop></D:propfind>"
    )
    response = httpx.request(
        "PROPFIND",
        dav_url + "calgate/trips/",
        headers={"Depth": "0"},
        content=body,
        auth=("x", WRITE_ALL),
    )
    assert response.status_code == 207
    text = response.text
    assert "<displayname>Trips ✈</displayname>" in text
    assert "TZID:Europe/Oslo" in text
    assert '<C:comp name="VEVENT" />' in text
    assert "<C:calendar />" in text


def test_ensure_calendar_rejects_unknown_time_zone(store: EmbeddedStore) -> None:
    with pytest.raises(ValueError):
        store.ensure_calendar("tz", name="x", time_zone="Nowhere/Atlantis")
    assert store.ensure_calendar("tz", name="x", time_zone=None) is True


def test_internal_password_is_random_and_not_in_repr(tmp_path: Path) -> None:
    a = EmbeddedStore(tmp_path / "a", lambda _secret: None)
    b = EmbeddedStore(tmp_path / "b", lambda _secret: None)
    assert a.internal_password != b.internal_password
    assert len(a.internal_password) >= 32
    assert a.internal_password not in repr(a)
    a.start_internal()
    try:
        assert a.internal_password not in repr(a)
        assert a.internal_password not in str(a)
    finally:
        a.stop()


def test_secrets_never_reach_radicale_logs(
    store: EmbeddedStore,
    dav_url: str,
    tokens: dict[str, Grant],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="radicale")
    internal = store.start_internal()
    propfind(dav_url + "calgate/", auth=("alice", WRITE_ALL))
    propfind(dav_url + "calgate/", auth=("alice", "wrong-secret-value"))
    propfind(internal + "calgate/", auth=("calgate", store.internal_password))
    propfind(internal + "calgate/", auth=("calgate", "another-wrong-secret"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Successful login" in logged  # the capture did see Radicale's logging
    for secret in (
        WRITE_ALL,
        "wrong-secret-value",
        store.internal_password,
        "another-wrong-secret",
    ):
        assert secret not in logged


def test_radicale_logging_is_quiet_by_default(store: EmbeddedStore) -> None:
    assert logging.getLogger("radicale").getEffectiveLevel() >= logging.WARNING
