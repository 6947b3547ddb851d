"""The embedded store and a CalDAV server as source kinds (``SourceKind``): the same questions,
each kind's answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from calgate.embedded import EmbeddedStore
from calgate.embedded.source import EmbeddedKind
from calgate.errors import InvalidInput
from calgate.upstream import CalDAVConnection, Credentials
from calgate.upstream.source_kind import CalDAVKind, SourceKind


@dataclass
class Row:
    id: str = "work"
    url: str = "https://dav.example/cal/alice/"
    username: str | None = "alice"
    auth_type: str = "basic"
    secret_encrypted: bytes | None = b"sealed"


def no_connection() -> CalDAVConnection:
    raise AssertionError("the embedded store makes calendars without a CalDAV connection")


def embedded(store: EmbeddedStore | None) -> SourceKind:
    return EmbeddedKind(
        store, internal_url=lambda: "http://127.0.0.1:1/", public_base=lambda: "https://cg.example"
    )


def test_a_caldav_source_is_reached_at_its_address_with_its_credentials() -> None:
    kind: SourceKind = CalDAVKind(lambda sealed: sealed.decode()[::-1])
    row = Row()
    assert kind.base_url(row) == row.url
    assert kind.credentials(row) == Credentials("alice", "delaes", "basic")
    assert kind.credentials(Row(secret_encrypted=None)) == Credentials("alice", None, "basic")
    assert kind.public_url(row) == row.url
    assert kind.public_url(row, "/cal/alice/work/") == "https://dav.example/cal/alice/work/"
    assert kind.may_change_credentials and kind.may_be_removed


def test_the_embedded_store_is_reached_internally_and_shown_at_dav(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s", lambda _secret: None)
    kind = embedded(store)
    row = Row(id="embedded", url="/dav/", username=None, secret_encrypted=None)
    assert kind.base_url(row) == "http://127.0.0.1:1/"
    assert kind.credentials(row) == Credentials(
        store.internal_username, store.internal_password, "basic"
    )
    assert kind.public_url(row) == "https://cg.example/dav/"
    assert kind.public_url(row, "/calgate/trips/") == "https://cg.example/dav/calgate/trips/"
    assert not kind.may_change_credentials and not kind.may_be_removed
    href = kind.make_calendar(row, no_connection, "trips", name="Trips", time_zone="Europe/Oslo")
    assert href == "/calgate/trips/"
    assert store.ensure_calendar("trips", name="Trips", time_zone=None) is False


def test_a_disabled_embedded_store_is_still_shown_but_not_reached() -> None:
    kind = embedded(None)
    row = Row(id="embedded", url="/dav/", username=None, secret_encrypted=None)
    assert kind.public_url(row, "/calgate/default/") == "https://cg.example/dav/calgate/default/"
    with pytest.raises(RuntimeError, match="disabled"):
        kind.base_url(row)
    with pytest.raises(RuntimeError, match="disabled"):
        kind.credentials(row)
    with pytest.raises(InvalidInput) as caught:
        kind.make_calendar(row, no_connection, "x", name="X", time_zone="UTC")
    assert caught.value.detail == "the embedded store is disabled"
