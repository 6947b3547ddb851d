"""A refresh of an unchanged calendar of the embedded store asks the store nothing (issue 16,
point 5): the index compares the store's change marker with its last sync token. A change from
any path (the API, /dav/, a file dropped into the folder) is still seen at the next refresh."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from calgate.db.models import CalendarRow, SourceRow
from calgate.lifecycle import Lifecycle
from calgate.runtime import Runtime
from calgate.upstream.connection import CalDAVConnection

T = TypeVar("T")


@pytest.fixture
def runtime(make_settings) -> Iterator[Runtime]:
    lifecycle = Lifecycle(make_settings())
    lifecycle.start()
    yield lifecycle.runtime
    lifecycle.stop()


def rows(runtime: Runtime) -> tuple[CalendarRow, SourceRow]:
    with runtime.db.session() as session:
        calendar = session.get(CalendarRow, "default")
        source = session.get(SourceRow, "embedded")
        assert calendar is not None and source is not None
        session.expunge_all()
        return calendar, source


def ics(uid: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270301T100000Z\r\n"
        "DTEND:20270301T110000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


ASKING = ("sync_collection", "ctag", "list_hrefs", "multiget")


def requests_during(monkeypatch: pytest.MonkeyPatch, work: Callable[[], T]) -> tuple[T, list[str]]:
    """``work()`` and the requests calgate's CalDAV client made of the store meanwhile."""
    made: list[str] = []
    with monkeypatch.context() as patch:
        for name in ASKING:
            real = getattr(CalDAVConnection, name)

            def counting(*args: Any, _name: str = name, _real: Any = real, **kwargs: Any) -> Any:
                made.append(_name)
                return _real(*args, **kwargs)

            patch.setattr(CalDAVConnection, name, counting)
        return work(), made


def test_an_unchanged_calendar_is_refreshed_without_asking_the_store(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    calendar, source = rows(runtime)
    first = runtime.indexer.sync(calendar, source)
    assert first.mode == "sync-collection"
    report, made = requests_during(monkeypatch, lambda: runtime.indexer.sync(calendar, source))
    assert report.mode == "unchanged" and made == []


def test_every_kind_of_change_is_still_seen(runtime: Runtime, monkeypatch: pytest.MonkeyPatch):
    calendar, source = rows(runtime)
    runtime.indexer.sync(calendar, source)
    store = runtime.embedded
    assert store is not None
    # a file dropped into the folder by something outside calgate
    folder = store.folder / "collection-root" / "calgate" / "default"
    name = f"{uuid.uuid4().hex}.ics"
    (folder / name).write_text(ics("dropped"))
    report, made = requests_during(monkeypatch, lambda: runtime.indexer.sync(calendar, source))
    assert report.mode == "sync-collection" and report.fetched == 1 and made
    assert runtime.indexer.sync(calendar, source).mode == "unchanged"
    # and its deletion
    (folder / name).unlink()
    report = runtime.indexer.sync(calendar, source)
    assert (report.mode, report.deleted) == ("sync-collection", 1)
    assert runtime.indexer.sync(calendar, source).mode == "unchanged"
