"""The loopback server calgate's own CalDAV client uses: internal credential only."""

from __future__ import annotations

import httpx2 as httpx
from caldav.davclient import DAVClient

from calgate.embedded import EmbeddedStore

from .conftest import ADMIN_ALL, WRITE_ALL
from .test_dav_access import event_ics, hrefs, propfind


def test_start_internal_serves_loopback_root_and_is_idempotent(store: EmbeddedStore) -> None:
    url = store.start_internal()
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/")
    assert store.start_internal() == url


def test_internal_credential_has_full_rights(store: EmbeddedStore, internal_url: str) -> None:
    with DAVClient(
        url=internal_url, username=store.internal_username, password=store.internal_password
    ) as client:
        principal = client.get_principal()
        assert str(principal.url) == internal_url + "calgate/"
        assert {str(c.url) for c in principal.calendars()} == {
            internal_url + "calgate/default/",
            internal_url + "calgate/other/",
        }
        new = principal.make_calendar(name="Made here", cal_id="made")
        assert str(new.url) == internal_url + "calgate/made/"
        event = new.add_event(event_ics("int-1"))
        assert [str(e.url) for e in new.events()] == [str(event.url)]
        event.delete()
        new.delete()
        assert {str(c.url) for c in principal.calendars()} == {
            internal_url + "calgate/default/",
            internal_url + "calgate/other/",
        }


def test_internal_hrefs_have_no_prefix(store: EmbeddedStore, internal_url: str) -> None:
    response = propfind(
        internal_url + "calgate/", auth=(store.internal_username, store.internal_password)
    )
    assert response.status_code == 207
    assert "/calgate/default/" in hrefs(response)


def test_internal_server_refuses_tokens_and_wrong_credentials(
    store: EmbeddedStore, internal_url: str
) -> None:
    url = internal_url + "calgate/"
    for auth in (
        None,
        ("x", WRITE_ALL),
        ("calgate", ADMIN_ALL),
        ("calgate", "wrong"),
        ("someone", store.internal_password),
    ):
        response = propfind(url, auth=auth)
        assert response.status_code == 401, auth
        assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_internal_and_dav_see_the_same_store(
    store: EmbeddedStore, internal_url: str, dav_url: str
) -> None:
    auth = (store.internal_username, store.internal_password)
    put = httpx.put(
        internal_url + "calgate/default/shared.ics", content=event_ics("shared"), auth=auth
    )
    assert put.status_code == 201
    read = httpx.get(dav_url + "calgate/default/shared.ics", auth=("x", WRITE_ALL))
    assert read.status_code == 200
    assert read.headers["ETag"] == put.headers["ETag"]


def test_stop_closes_the_internal_server(store: EmbeddedStore) -> None:
    url = store.start_internal()
    store.stop()
    store.stop()  # idempotent
    try:
        httpx.get(url, timeout=2)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("internal server still answers after stop()")
