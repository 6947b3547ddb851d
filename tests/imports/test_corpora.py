"""Real-world files imported into the embedded store, each count checked against icalendar's
own reading of the file: the calcard corpus (tests/oracles/data/calcard, MIT) and icalendar's
test calendars.

Every file goes into one calendar with onConflict=newUid (files share UIDs), so nothing is
skipped for an existing UID: an object is created or failed, a component that is not an event
is skipped, and the calendar ends up with exactly the objects created."""

from __future__ import annotations

import os
from pathlib import Path

import icalendar
import pytest
from icalendar import Calendar

from tests.imports.helpers import event_uids, expected, imported, post

# the calcard corpus as the repository keeps it (tests/oracles/data, with its licence)
ORACLES = Path(__file__).resolve().parents[1] / "oracles" / "data" / "calcard" / "ical"
ICALENDAR = Path(os.path.dirname(icalendar.__file__)) / "tests" / "calendars"
CORPORA = {"calcard": ORACLES, "icalendar": ICALENDAR}


def _readable(data: bytes) -> bool:
    """Whether icalendar alone reads the file as calendars with something in them."""
    try:
        cals = Calendar.from_ical(data.decode("utf-8-sig"), multiple=True)
    except Exception:
        return False
    return any(c.name == "VCALENDAR" and c.subcomponents for c in cals)


# the calcard corpus (554 files) in four parts, so that pytest-xdist's workers share it
PARTS = {"calcard": 4, "icalendar": 1}


@pytest.mark.parametrize(
    ("corpus", "part"), [(c, p) for c in sorted(CORPORA) for p in range(PARTS[c])]
)
def test_corpus_counts(client, corpus, part):
    folder = CORPORA[corpus]
    assert folder.is_dir(), f"{folder} is not there"
    every = sorted(folder.glob("*.ics"))
    assert len(every) > 50
    files = every[part :: PARTS[corpus]]
    created = imports = 0
    for path in files:
        data = path.read_bytes()
        objects, others = expected(data) if _readable(data) else (0, 0)
        if objects + others == 0:
            resp = post(client, "default", data, onConflict="newUid")
            assert resp.status_code == 422, f"{path.name}: {resp.text}"
            continue
        done = imported(client, "default", data, onConflict="newUid")
        imports += 1
        where = f"{path.name}: {done}"
        assert done["status"] == "done", where
        assert done["total"] == objects + others == done["processed"], where
        assert done["skipped"] == others, where
        assert done["created"] + done["failed"] == objects, where
        assert done["updated"] == 0, where
        assert len(done["failures"]) == done["failed"] + others, where
        assert all(f["reason"] for f in done["failures"]), where
        created += done["created"]
    assert imports > 50 // PARTS[corpus]
    assert len(event_uids(client, "default")) == created
