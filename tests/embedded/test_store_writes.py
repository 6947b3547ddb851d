"""Writes through the real embedded store with real CalDAV clients (the ``caldav`` library and
calgate's own): create, replace, delete, the UID check, sync-collection with tokens, the
change marker, and a plain Radicale reading the folder afterwards."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import caldav
import httpx2 as httpx
import pytest
from radicale import Application
from radicale import config as rconfig
from radicale.storage import multifilesystem

from calgate.domain.access import Grant
from calgate.embedded import EmbeddedStore
from calgate.embedded.server import LoopbackServer
from calgate.embedded.storage import INDEX_FOLDER
from calgate.errors import SyncTokenRejected
from calgate.upstream.connection import CalDAVConnection
from calgate.upstream.models import Credentials

from .conftest import WRITE_ALL
from .test_dav_access import event_ics


def calendar(dav_url: str, name: str = "default") -> caldav.Calendar:
    client = caldav.DAVClient(url=dav_url, username="someone", password=WRITE_ALL)
    return client.calendar(url=f"{dav_url}calgate/{name}/")


def connection(dav_url: str) -> CalDAVConnection:
    return CalDAVConnection(dav_url, Credentials("someone", WRITE_ALL, "basic"), timeout=30)


def put(url: str, ics: str, **headers: str) -> httpx.Response:
    return httpx.put(
        url,
        content=ics.encode(),
        headers={"Content-Type": "text/calendar", **headers},
        auth=("someone", WRITE_ALL),
    )


def folder_of(store: EmbeddedStore, name: str = "default") -> Path:
    return store.folder / "collection-root" / "calgate" / name


def test_create_replace_delete_change_the_marker_and_the_sync(
    store: EmbeddedStore, dav_url: str
) -> None:
    cal = calendar(dav_url)
    conn = connection(dav_url)
    url = f"{dav_url}calgate/default/"
    start = conn.sync_collection(url, None)
    assert store.change_marker("default") == start.token

    created = cal.add_event(event_ics("w1", "First"))
    after_create = store.change_marker("default")
    assert after_create != start.token
    created.load()
    created.icalendar_component["SUMMARY"] = "Edited"
    created.save()
    after_replace = store.change_marker("default")
    assert after_replace != after_create
    assert "Edited" in cal.event_by_uid("w1").data

    delta = conn.sync_collection(url, start.token)
    assert [h.rsplit("/", 1)[1] for h in delta.changed] == [str(created.url).rsplit("/", 1)[1]]
    assert delta.deleted == [] and delta.token == after_replace

    created.delete()
    gone = conn.sync_collection(url, delta.token)
    assert gone.changed == {} and len(gone.deleted) == 1
    assert gone.token == store.change_marker("default") != after_replace
    with pytest.raises(caldav.lib.error.NotFoundError):
        cal.event_by_uid("w1")


@pytest.mark.parametrize("how", ["new href", "same href, other UID"])
def test_duplicate_uid_is_refused_as_plain_radicale_refuses_it(
    tmp_path: Path, tokens: dict[str, Grant], how: str
) -> None:
    """Same status and body as Radicale's own storage on the same requests."""
    answers = []
    for indexed in (True, False):
        store = EmbeddedStore(tmp_path / f"s{indexed}", tokens.get, indexed=indexed)
        store.ensure_calendar("default", name="Default", time_zone=None)
        base = store.start_internal() + "calgate/default/"
        auth = (store.internal_username, store.internal_password)
        try:
            ok = httpx.put(base + "a.ics", content=event_ics("dup"), auth=auth)
            assert ok.status_code == 201
            if how == "new href":
                refused = httpx.put(base + "b.ics", content=event_ics("dup"), auth=auth)
            else:
                refused = httpx.put(base + "a.ics", content=event_ics("other"), auth=auth)
            answers.append((refused.status_code, refused.text))
            assert httpx.get(base + "b.ics", auth=auth).status_code == 404
        finally:
            store.stop()
    assert answers[0] == answers[1]
    assert answers[0][0] == 409 and "no-uid-conflict" in answers[0][1]


def test_sync_collection_with_the_caldav_library(store: EmbeddedStore, dav_url: str) -> None:
    cal = calendar(dav_url)
    for n in range(3):
        cal.add_event(event_ics(f"s{n}", f"Event {n}"))
    synced = cal.objects_by_sync_token(load_objects=True, disable_fallback=True)
    assert not str(synced.sync_token).startswith("fake-")
    assert len(list(synced)) == 3
    cal.add_event(event_ics("s3", "Added"))
    cal.event_by_uid("s0").delete()
    edited = cal.event_by_uid("s1")
    edited.icalendar_component["SUMMARY"] = "Edited"
    edited.save()
    updated, deleted = synced.sync()
    assert sorted(str(o.icalendar_component["UID"]) for o in updated) == ["s1", "s3"]
    assert len(deleted) == 1
    summaries = sorted(str(o.icalendar_component["SUMMARY"]) for o in synced)
    assert summaries == ["Added", "Edited", "Event 2"]


def test_a_file_dropped_into_the_folder_is_noticed(
    store: EmbeddedStore, dav_url: str, tmp_path: Path
) -> None:
    conn = connection(dav_url)
    url = f"{dav_url}calgate/default/"
    start = conn.sync_collection(url, None)
    source = tmp_path / "dropped.ics"
    source.write_text(event_ics("dropped", "Copied in"), newline="")
    subprocess.run(["cp", str(source), str(folder_of(store))], check=True)  # another process
    assert store.change_marker("default") != start.token
    delta = conn.sync_collection(url, start.token)
    assert [h.rsplit("/", 1)[1] for h in delta.changed] == ["dropped.ics"]
    refused = put(url + "elsewhere.ics", event_ics("dropped"))
    assert refused.status_code == 409 and "no-uid-conflict" in refused.text


def test_the_change_marker_scans_nothing(
    store: EmbeddedStore, dav_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cal = calendar(dav_url)
    for n in range(20):
        cal.add_event(event_ics(f"m{n}"))
    marker = store.change_marker("default")
    scans: list[object] = []
    reads: list[str] = []
    real_scandir, real_get = os.scandir, multifilesystem.Collection._get

    def scandir(path: object = ".") -> object:
        scans.append(path)
        return real_scandir(path)  # type: ignore[arg-type]

    def get(self: multifilesystem.Collection, href: str, verify_href: bool = True) -> object:
        reads.append(href)
        return real_get(self, href, verify_href)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(multifilesystem.Collection, "_get", get)
    assert store.change_marker("default") == marker
    assert store.change_marker("nope") is None
    assert scans == [] and reads == []


@contextlib.contextmanager
def plain_radicale(folder: Path) -> Iterator[str]:
    """Radicale as shipped (its own storage, auth, rights), on ``folder``."""
    conf = rconfig.Configuration(rconfig.DEFAULT_CONFIG_SCHEMA)
    conf.update(
        {
            "storage": {"filesystem_folder": str(folder)},
            "auth": {"type": "none"},
            "rights": {"type": "owner_only"},
            "web": {"type": "none"},
        },
        "test",
    )
    server = LoopbackServer(Application(conf))
    try:
        yield server.url
    finally:
        server.stop()


def test_plain_radicale_reads_what_calgate_wrote(store: EmbeddedStore, dav_url: str) -> None:
    cal = calendar(dav_url)
    for n in range(5):
        cal.add_event(event_ics(f"p{n}", f"Event {n}"))
    edited = cal.event_by_uid("p1")
    edited.icalendar_component["SUMMARY"] = "Edited"
    edited.save()
    cal.event_by_uid("p2").delete()
    calendar(dav_url, "other").add_event(event_ics("o1", "Other"))
    cal.set_properties([caldav.elements.dav.DisplayName("Renamed")])
    assert (folder_of(store) / INDEX_FOLDER / "index.sqlite").is_file()
    expected = {"p0": "Event 0", "p1": "Edited", "p3": "Event 3", "p4": "Event 4"}

    with plain_radicale(store.folder) as plain_url:
        client = caldav.DAVClient(url=plain_url, username="calgate", password="x")
        plain_cal = client.calendar(url=f"{plain_url}calgate/default/")
        assert plain_cal.get_display_name() == "Renamed"
        events = plain_cal.events()
        read = {
            str(e.icalendar_component["UID"]): str(e.icalendar_component["SUMMARY"]) for e in events
        }
        assert read == expected
        assert all(str(e.url).endswith(".ics") for e in events)  # no index file listed
        other = client.calendar(url=f"{plain_url}calgate/other/").events()
        assert [str(e.icalendar_component["UID"]) for e in other] == ["o1"]

        synced = plain_cal.objects_by_sync_token(load_objects=True, disable_fallback=True)
        assert str(synced.sync_token).startswith("http://radicale.org/ns/sync/")
        assert sorted(str(o.icalendar_component["UID"]) for o in synced) == sorted(expected)
        plain_cal.add_event(event_ics("from-plain", "Plain"))
        plain_cal.event_by_uid("p3").delete()
        updated, deleted = synced.sync()
        assert [str(o.icalendar_component["UID"]) for o in updated] == ["from-plain"]
        assert len(deleted) == 1
    # calgate notices the plain Radicale's writes
    uids = {str(e.icalendar_component["UID"]) for e in cal.events()}
    assert uids == {"p0", "p1", "p4", "from-plain"}
    refused = put(f"{dav_url}calgate/default/again.ics", event_ics("from-plain"))
    assert refused.status_code == 409


def test_tokens_of_plain_radicale_and_of_calgate_refuse_each_other(
    tmp_path: Path, tokens: dict[str, Grant]
) -> None:
    """Switching storages on one folder (an upgrade, or going back to plain Radicale): the
    other's token is refused as RFC 6578 says (valid-sync-token), never a 500, and a sync
    from scratch then works."""
    folder = tmp_path / "store"
    seen = []
    for indexed in (False, True, False):
        store = EmbeddedStore(folder, tokens.get, indexed=indexed)
        store.ensure_calendar("default", name="Default", time_zone=None)
        base = store.start_internal()
        creds = Credentials(store.internal_username, store.internal_password, "basic")
        conn = CalDAVConnection(base, creds, timeout=30)
        url = base + "calgate/default/"
        try:
            conn.put(url + f"e{indexed}{len(seen)}.ics", event_ics(f"u{len(seen)}"))
            if seen:
                with pytest.raises(SyncTokenRejected):
                    conn.sync_collection(url, seen[-1])
            delta = conn.sync_collection(url, None)
            assert len(delta.changed) == len(seen) + 1
            seen.append(delta.token)
        finally:
            conn.close()
            store.stop()
    assert seen[1].startswith("urn:x-calgate:sync:")
    assert seen[0].startswith("http://radicale.org/ns/sync/")


def test_parallel_writes_through_both_apps_keep_uids_unique(
    store: EmbeddedStore, dav_url: str
) -> None:
    """Radicale's lock makes the UID check and the write one step for both apps (and the
    index follows): of ten PUTs of one UID to ten hrefs exactly one is stored."""
    internal = store.start_internal() + "calgate/default/"
    public = f"{dav_url}calgate/default/"

    def attempt(n: int) -> int:
        if n % 2:
            return put(f"{public}race{n}.ics", event_ics("raced")).status_code
        return httpx.put(
            f"{internal}race{n}.ics",
            content=event_ics("raced").encode(),
            headers={"Content-Type": "text/calendar"},
            auth=(store.internal_username, store.internal_password),
        ).status_code

    def other(n: int) -> int:
        return put(f"{public}other{n}.ics", event_ics(f"o{n}")).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(attempt, range(10)))
        others = list(pool.map(other, range(10)))
    assert sorted(answers) == [201] + [409] * 9
    assert others == [201] * 10
    conn = connection(dav_url)
    everything = conn.sync_collection(public, None)
    assert len(everything.changed) == 11
    assert everything.token == store.change_marker("default")
