"""calgate's Radicale storage plugin through Radicale's storage API (real Radicale, real files):
the UID check and the sync history come from the index, which follows the folder whoever
writes it. Counting Radicale's item reads (``_get``) shows what is scanned."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from radicale import config as rconfig
from radicale import item as ritem
from radicale import storage as rstorage
from radicale.storage import multifilesystem

from calgate.embedded.storage import INDEX_FOLDER, IndexedCollection, IndexedStorage, StoreSession

CAL = "/u/cal/"


def event_ics(uid: str, summary: str = "x") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270310T100000Z\r\n"
        f"DTEND:20270310T110000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def item(uid: str, summary: str = "x") -> ritem.Item:
    (vobject_item,) = ritem.read_components(event_ics(uid, summary))
    return ritem.Item(collection_path=CAL.strip("/"), vobject_item=vobject_item)


def configuration(folder: Path, **storage: object) -> rconfig.Configuration:
    conf = rconfig.Configuration(rconfig.DEFAULT_CONFIG_SCHEMA)
    conf.update({"storage": {"filesystem_folder": str(folder), **storage}}, "test")
    return conf


def indexed(folder: Path, session: StoreSession | None = None, **opts: object) -> IndexedStorage:
    return IndexedStorage(configuration(folder, **opts), session or StoreSession())


def plain(folder: Path) -> rstorage.BaseStorage:
    return rstorage.load(configuration(folder))


def collection(store: rstorage.BaseStorage, path: str = CAL) -> rstorage.BaseCollection:
    found = next(iter(store.discover(path)))
    assert isinstance(found, rstorage.BaseCollection)
    return found


def fill(folder: Path, uids: list[str]) -> None:
    """A calendar with ``uids`` made in one go by plain Radicale (no calgate index yet)."""
    store = plain(folder)
    with store.acquire_lock("w"):
        store.create_collection("/u/")
        items = [item(u) for u in uids]
        store.create_collection(CAL, items=items, props={"tag": "VCALENDAR"})


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every item Radicale reads (``Collection._get``), by href."""
    seen: list[str] = []
    original = multifilesystem.Collection._get

    def counting(self: multifilesystem.Collection, href: str, verify_href: bool = True) -> object:
        seen.append(href)
        return original(self, href, verify_href)

    monkeypatch.setattr(multifilesystem.Collection, "_get", counting)
    yield seen


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    fill(tmp_path, [f"e{n}" for n in range(60)])
    return tmp_path


def put(store: rstorage.BaseStorage, uid: str, href: str | None = None, summary: str = "x") -> None:
    with store.acquire_lock("w"):
        collection(store).upload(href or f"{uid}.ics", item(uid, summary))


def token(store: rstorage.BaseStorage, old: str = "") -> tuple[str, list[str]]:
    with store.acquire_lock("r"):
        new, changed = collection(store).sync(old)
        return new, sorted(changed)


def test_a_write_reads_no_other_item(folder: Path, reads: list[str]) -> None:
    store = indexed(folder)
    put(store, "first")  # the first use builds the index: every item once
    reads.clear()
    with store.acquire_lock("w"):
        col = collection(store)
        assert col.has_uid("e7") and not col.has_uid("new")
        col.upload("new.ics", item("new"))
        col.upload("e7.ics", item("e7", "changed"))
        col.delete("e8.ics")
    assert set(reads) <= {"new.ics", "e7.ics"}  # Radicale's read-back of what it wrote


def test_plain_radicale_reads_every_item_for_the_same_check(folder: Path, reads: list[str]) -> None:
    """What the plugin replaces: this is the test above's measure on plain Radicale."""
    store = plain(folder)
    with store.acquire_lock("w"):
        assert not collection(store).has_uid("new")
    assert len(reads) == 60


def test_sync_answers_from_the_history(folder: Path, reads: list[str]) -> None:
    store = indexed(folder)
    start, everything = token(store)
    assert everything == sorted(f"e{n}.ics" for n in range(60))
    put(store, "added")
    put(store, "e1", "e1.ics", summary="changed")
    with store.acquire_lock("w"):
        collection(store).delete("e2.ics")
    reads.clear()
    now, changed = token(store, start)
    assert changed == ["added.ics", "e1.ics", "e2.ics"]
    assert reads == []
    assert token(store, now) == (now, [])
    put(store, "later")
    assert token(store, now)[1] == ["later.ics"]
    # deleted and made again: listed once, as there
    with store.acquire_lock("w"):
        collection(store).delete("later.ics")
    put(store, "later")
    assert token(store, now)[1] == ["later.ics"]


@pytest.mark.parametrize(
    "bad",
    [
        "http://radicale.org/ns/sync/" + "0" * 64,  # a plain Radicale's
        "urn:x-calgate:sync:feedfeedfeedfeed-0",  # another index's (rebuilt)
        "urn:x-calgate:sync:",
        "urn:x-calgate:sync:abc-x",
        "nonsense",
    ],
)
def test_foreign_or_malformed_tokens_are_refused(folder: Path, bad: str) -> None:
    store = indexed(folder)
    with pytest.raises(ValueError):
        token(store, bad)


def test_a_token_from_the_future_is_refused(folder: Path) -> None:
    store = indexed(folder)
    now, _ = token(store)
    epoch, seq = now.rsplit("-", 1)
    with pytest.raises(ValueError):
        token(store, f"{epoch}-{int(seq) + 5}")


def test_tombstones_expire_and_tokens_older_than_them_are_refused(folder: Path) -> None:
    store = indexed(folder, max_sync_token_age=1)
    start, _ = token(store)
    with store.acquire_lock("w"):
        collection(store).delete("e3.ics")
    middle, _ = token(store)
    time.sleep(1.1)
    with store.acquire_lock("w"):
        collection(store).delete("e4.ics")  # prunes the first tombstone
    with pytest.raises(ValueError):
        token(store, start)
    assert token(store, middle)[1] == ["e4.ics"]


def test_a_file_dropped_in_is_noticed(folder: Path) -> None:
    store = indexed(folder)
    start, _ = token(store)
    cal = folder / "collection-root" / "u" / "cal"
    (cal / "dropped.ics").write_text(event_ics("dropped"), newline="")
    with store.acquire_lock("w"):
        assert collection(store).has_uid("dropped")
    after, changed = token(store, start)
    assert changed == ["dropped.ics"]
    (cal / "dropped.ics").unlink()
    replacement = cal / ".tmp-replace"
    replacement.write_text(event_ics("renamed-uid"), newline="")
    os.replace(replacement, cal / "e5.ics")  # another writer replacing a file, as Radicale does
    with store.acquire_lock("w"):
        col = collection(store)
        assert not col.has_uid("dropped") and not col.has_uid("e5")
        assert col.has_uid("renamed-uid")
    assert token(store, after)[1] == ["dropped.ics", "e5.ics"]


def test_a_write_by_plain_radicale_is_noticed(folder: Path) -> None:
    store = indexed(folder)
    start, _ = token(store)
    other = plain(folder)  # another Radicale process on the folder
    put(other, "from-plain")
    with other.acquire_lock("w"):
        collection(other).delete("e6.ics")
    with store.acquire_lock("w"):
        assert collection(store).has_uid("from-plain")
        assert not collection(store).has_uid("e6")
    assert token(store, start)[1] == ["e6.ics", "from-plain.ics"]


def test_a_file_rewritten_in_place_is_noticed_by_the_next_session(folder: Path) -> None:
    """Rewriting a file in place changes no directory time; the first use in a process
    compares file by file."""
    store = indexed(folder)
    start, _ = token(store)
    cal = folder / "collection-root" / "u" / "cal"
    dir_times = os.stat(cal)
    with open(cal / "e9.ics", "r+", newline="") as f:  # same inode, same directory
        f.write(event_ics("rewritten"))
        f.truncate()
    assert os.stat(cal).st_ctime_ns == dir_times.st_ctime_ns
    with store.acquire_lock("w"):  # this process does not see it (documented)
        assert collection(store).has_uid("e9")
    touched = indexed(folder, store.session)
    os.utime(cal)  # the remedy docs/operations.md gives
    with touched.acquire_lock("w"):
        assert collection(touched).has_uid("rewritten")
    with open(cal / "e10.ics", "r+", newline="") as f:
        f.write(event_ics("rewritten-too"))
        f.truncate()
    restarted = indexed(folder)  # a new StoreSession: a new process
    with restarted.acquire_lock("w"):
        assert collection(restarted).has_uid("rewritten-too")
    assert token(restarted, start)[1] == ["e10.ics", "e9.ics"]


@pytest.mark.parametrize("damage", ["delete", "garbage"])
def test_a_missing_or_damaged_index_is_rebuilt_with_a_new_epoch(folder: Path, damage: str) -> None:
    store = indexed(folder)
    start, _ = token(store)
    db = folder / "collection-root" / "u" / "cal" / INDEX_FOLDER / "index.sqlite"
    assert db.is_file()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if damage == "garbage":
        db.write_bytes(b"not a database" * 100)
    fresh = indexed(folder)
    with pytest.raises(ValueError):
        token(fresh, start)
    with fresh.acquire_lock("w"):
        assert collection(fresh).has_uid("e10")
    assert len(token(fresh)[1]) == 60


def test_an_unusable_index_falls_back_to_radicale(folder: Path) -> None:
    cal = folder / "collection-root" / "u" / "cal"
    (cal / ".Radicale.cache").mkdir(exist_ok=True)
    (cal / INDEX_FOLDER).write_text("a file where the index folder goes")
    store = indexed(folder)
    with store.acquire_lock("w"):
        assert collection(store).has_uid("e11")
    assert store.index_disabled
    start, _ = token(store)
    assert start.startswith("http://radicale.org/ns/sync/")  # Radicale's own history
    put(store, "late")
    assert token(store, start)[1] == ["late.ics"]


def test_move_updates_both_indexes(folder: Path) -> None:
    store = indexed(folder)
    with store.acquire_lock("w"):
        store.create_collection("/u/other/", props={"tag": "VCALENDAR"})
    start, _ = token(store)
    with store.acquire_lock("r"):
        other_start, _ = collection(store, "/u/other/").sync()
    with store.acquire_lock("w"):
        moving = next(iter(store.discover(CAL + "e12.ics")))
        assert isinstance(moving, ritem.Item)
        store.move(moving, collection(store, "/u/other/"), "moved.ics")
        renaming = next(iter(store.discover(CAL + "e13.ics")))
        assert isinstance(renaming, ritem.Item)
        store.move(renaming, collection(store), "renamed.ics")
    with store.acquire_lock("r"):
        other = collection(store, "/u/other/")
        assert other.has_uid("e12")
        assert sorted(other.sync(other_start)[1]) == ["moved.ics"]
        assert not collection(store).has_uid("e12") and collection(store).has_uid("e13")
    assert token(store, start)[1] == ["e12.ics", "e13.ics", "renamed.ics"]


def test_properties_change_the_token_and_the_ctag(folder: Path) -> None:
    store = indexed(folder)
    with store.acquire_lock("r"):
        col = collection(store)
        ctag, (start, _) = col.etag, col.sync()
    with store.acquire_lock("w"):
        col = collection(store)
        col.set_meta({**col.get_meta(), "D:displayname": "Renamed"})
    with store.acquire_lock("r"):
        col = collection(store)
        assert col.etag != ctag
        now, changed = col.sync(start)
    assert now != start and list(changed) == []


def test_the_ctag_changes_with_every_write_and_reads_no_item(
    folder: Path, reads: list[str]
) -> None:
    store = indexed(folder)
    put(store, "warm")
    reads.clear()
    with store.acquire_lock("r"):
        before = collection(store).etag
    assert reads == []
    put(store, "e14", "e14.ics", summary="edited")
    with store.acquire_lock("r"):
        assert collection(store).etag != before


def test_principal_and_root_keep_radicale_behaviour(folder: Path) -> None:
    store = indexed(folder)
    with store.acquire_lock("r"):
        principal = collection(store, "/u/")
        assert isinstance(principal, IndexedCollection)
        assert principal.sync()[0].startswith("http://radicale.org/ns/sync/")
    assert not (folder / "collection-root" / "u" / INDEX_FOLDER).exists()


def test_a_whole_collection_upload_gets_a_new_index(folder: Path) -> None:
    store = indexed(folder)
    start, _ = token(store)
    with store.acquire_lock("w"):
        store.create_collection(CAL, items=[item("only")], props={"tag": "VCALENDAR"})
    with pytest.raises(ValueError):
        token(store, start)
    with store.acquire_lock("w"):
        col = collection(store)
        assert col.has_uid("only") and not col.has_uid("e1")
    after, _ = token(store)
    # deleted and made again in the same thread: its cached index connection is not reused
    with store.acquire_lock("w"):
        collection(store).delete()
        store.create_collection(CAL, props={"tag": "VCALENDAR"})
    with store.acquire_lock("w"):
        assert not collection(store).has_uid("only")
    with pytest.raises(ValueError):
        token(store, after)


def test_settle_waits_for_the_clock_tick_on_coarse_directory_times(tmp_path: Path) -> None:
    session = StoreSession()
    session.coarse_times = True
    store = indexed(tmp_path, session)
    soon = time.clock_gettime_ns(time.CLOCK_REALTIME) + 20_000_000
    started = time.monotonic()
    store.settle(soon)
    assert 0.01 <= time.monotonic() - started <= 0.1
    session.coarse_times = False
    started = time.monotonic()
    store.settle(soon + 10**9)
    assert time.monotonic() - started < 0.01


def test_concurrent_first_uses_build_one_index(folder: Path) -> None:
    """Two storage objects (the two apps of an EmbeddedStore) racing to build the index."""
    import threading

    session = StoreSession()
    a, b = indexed(folder, session), indexed(folder, session)
    answers: list[bool] = []

    def check(store: IndexedStorage) -> None:
        with store.acquire_lock("r"):
            answers.append(collection(store).has_uid("e20"))

    threads = [threading.Thread(target=check, args=(s,)) for s in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [True] * 4
    db = folder / "collection-root" / "u" / "cal" / INDEX_FOLDER / "index.sqlite"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (60,)
    conn.close()


def test_uids_are_unique_keys_not_names(folder: Path) -> None:
    """An index keyed by UID would break on two files with one UID (possible when files are
    copied in): both are listed, and the UID stays taken until both are gone."""
    store = indexed(folder)
    cal = folder / "collection-root" / "u" / "cal"
    (cal / "twin.ics").write_text(event_ics("e30"), newline="")
    with store.acquire_lock("w"):
        collection(store).delete("e30.ics")
        assert collection(store).has_uid("e30")
        collection(store).delete("twin.ics")
        assert not collection(store).has_uid("e30")
