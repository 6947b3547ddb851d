"""The index can be rebuilt with no loss, and change tokens survive a restart."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient

from calgate.api.app import create_app
from tests.conftest import ADMIN_TOKEN, auth


def test_change_token_survives_restart_and_reindex_expires_it(make_settings, tmp_path):
    settings = make_settings(index_max_age=0)
    with TestClient(create_app(settings)) as client:
        client.headers.update(auth(ADMIN_TOKEN))
        made = client.post(
            "/api/v1/calendars/default/events",
            json={"title": "keep", "start": "2026-05-04T10:00:00Z", "end": "2026-05-04T11:00:00Z"},
        )
        assert made.status_code == 201
        token = client.get("/api/v1/calendars/default/changes").json()["token"]
    with TestClient(create_app(make_settings(index_max_age=0))) as client:
        client.headers.update(auth(ADMIN_TOKEN))
        resp = client.get("/api/v1/calendars/default/changes", params={"since": token})
        assert resp.status_code == 200 and resp.json()["changes"] == []
    out = subprocess.run(
        [sys.executable, "-m", "calgate", "reindex", "--data-dir", str(settings.data_dir)],
        capture_output=True,
        text=True,
        check=True,
        env={"CALGATE_ADMIN_TOKEN": ADMIN_TOKEN, "PATH": "/usr/bin:/bin"},
    ).stdout
    assert "default: 1 events indexed" in out
    with TestClient(create_app(make_settings(index_max_age=0))) as client:
        client.headers.update(auth(ADMIN_TOKEN))
        gone = client.get("/api/v1/calendars/default/changes", params={"since": token})
        assert gone.status_code == 410
        items = client.get(
            "/api/v1/calendars/default/events", params={"start": "2026-05-01", "end": "2026-06-01"}
        ).json()["items"]
        assert [i["title"] for i in items] == ["keep"]
