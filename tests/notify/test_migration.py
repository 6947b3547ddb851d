"""Migration 0004 (the outbox) goes down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from calgate.db.session import MIGRATIONS


def _alembic(db, *step: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, step[0])(cfg, step[1])


def test_outbox_migration_round_trip(outbox_db):
    assert "outbox" in inspect(outbox_db.engine).get_table_names()
    _alembic(outbox_db, "downgrade", "0003")
    assert "outbox" not in inspect(outbox_db.engine).get_table_names()
    _alembic(outbox_db, "upgrade", "head")
    columns = {c["name"] for c in inspect(outbox_db.engine).get_columns("outbox")}
    assert {"message_id", "attempts", "next_attempt_at", "claimed_until", "failed_at"} <= columns
