"""Several processes starting at once on a fresh database (issue 14, point 13): each comes up,
the schema is migrated once and the first-start rows (embedded source, ``default`` calendar,
admin token, secret key) exist exactly once."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from calgate.db.models import CalendarRow, SourceRow, TokenRow
from tests.conftest import _reset_postgres
from tests.robustness.process import CalgateProcess

PROCESSES = 3


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A fresh metadata database: its URL and the settings that point calgate at it."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'calgate.db'}", {}
    url = request.getfixturevalue("postgres_database")
    _reset_postgres(url)
    with create_engine(url).begin() as conn:  # nothing left, not even Alembic's table
        assert (
            conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname='public'")).scalar()
            == 0
        )
    return url, {"CALGATE_DATABASE_URL": url}


def test_processes_started_at_once_on_a_fresh_database_all_come_up(tmp_path: Path, database):
    """``PROCESSES`` ``calgate serve`` on one data folder and one fresh database, started in the
    same instant (as a supervisor starts its workers): none dies on the migration race or on
    the first-start rows, and every row exists once."""
    url, env = database
    data = tmp_path / "data"
    started = [CalgateProcess(data, env=env, wait=False) for _ in range(PROCESSES)]
    try:
        for proc in started:
            proc.wait_ready(within=60)
        for proc in started:
            resp = httpx.get(f"{proc.base}/api/v1/calendars", headers=proc.headers, timeout=10)
            assert resp.status_code == 200, resp.text
            assert [c["id"] for c in resp.json()["items"]] == ["default"]
            made = httpx.post(
                f"{proc.base}/api/v1/calendars/default/events",
                json={"title": "up", "start": "2027-03-01T09:00:00Z"},
                headers=proc.headers,
                timeout=10,
            )
            assert made.status_code == 201, made.text
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
            assert conn.execute(select(func.count()).select_from(SourceRow)).scalar() == 1
            assert conn.execute(select(func.count()).select_from(CalendarRow)).scalar() == 1
            admins = select(func.count()).select_from(TokenRow).where(TokenRow.revoked.is_(None))
            assert conn.execute(admins).scalar() == 1
        engine.dispose()
        assert len((data / "secret.key").read_bytes().strip()) == 44  # one whole Fernet key
    finally:
        for proc in started:
            proc.stop()
    for proc in started:
        assert "Traceback" not in proc.output(), proc.output()[-3000:]
