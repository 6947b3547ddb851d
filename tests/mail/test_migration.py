"""Migrations 0004 (the outbox), 0007 (calendars.notifications), 0009 to 0012 (webhooks) and
0014 (ics_feeds) go down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from calgate.db.models import Base, CalendarRow, WebhookEndpointRow
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


def test_notifications_migration_gives_existing_calendars_the_template_rule(outbox_db):
    """0007 adds calendars.notifications; a calendar made before it mails only with a template
    of its own ("template"), on SQLite (batch mode) and PostgreSQL, down and up again."""
    _alembic(outbox_db, "downgrade", "0006")
    assert "notifications" not in _columns(outbox_db, "calendars")
    now = datetime.now(UTC)
    with outbox_db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sources (id, kind, name, url, auth_type, capabilities, created) "
                "VALUES ('s', 'caldav', 'S', 'http://example.org/', 'basic', '{}', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO calendars (id, source_id, href, name, time_zone, created, updated, "
                "notification_template) VALUES ('room', 's', '/room/', 'Room', 'UTC', :now, "
                ":now, 'Hi {{ name }}')"
            ),
            {"now": now},
        )
    _alembic(outbox_db, "upgrade", "head")
    assert "notifications" in _columns(outbox_db, "calendars")
    with outbox_db.session() as session:
        row = session.get(CalendarRow, "room")
        assert row is not None
        assert (row.notifications, row.notification_template) == ("template", "Hi {{ name }}")


def test_webhook_endpoints_migration_matches_the_model(outbox_db):
    """0009 makes exactly the table the model describes (columns, types, nullability, index),
    and goes down and up again."""
    with outbox_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diffs if "webhook_endpoints" in repr(d)]
    assert ours == []
    _alembic(outbox_db, "downgrade", "0008")
    assert "webhook_endpoints" not in inspect(outbox_db.engine).get_table_names()
    _alembic(outbox_db, "upgrade", "head")
    assert "secret_encrypted" in _columns(outbox_db, "webhook_endpoints")


def test_change_origin_migration_matches_the_model(outbox_db):
    """0010 adds ``indexed_events.origin`` as the model has it, and goes down and up again."""
    with outbox_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "indexed_events" in repr(d)] == []
    _alembic(outbox_db, "downgrade", "0009")
    assert "origin" not in _columns(outbox_db, "indexed_events")
    _alembic(outbox_db, "upgrade", "head")
    assert "origin" in _columns(outbox_db, "indexed_events")


def test_webhook_deliveries_migration_matches_the_model(outbox_db):
    """0011 makes the deliveries and cursors tables as the models have them, down and up."""
    with outbox_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [
        d for d in diffs if "webhook_deliveries" in repr(d) or "webhook_cursors" in repr(d)
    ] == []
    _alembic(outbox_db, "downgrade", "0010")
    assert "webhook_deliveries" not in inspect(outbox_db.engine).get_table_names()
    _alembic(outbox_db, "upgrade", "head")
    assert "message_id" in _columns(outbox_db, "webhook_deliveries")


def test_webhook_failing_since_migration_matches_the_model(outbox_db):
    """0012 adds ``webhook_endpoints.failing_since`` and ``webhook_deliveries.last_attempt_at``
    as the models have them, keeps the rows there, and goes down and up again."""
    with outbox_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "webhook_" in repr(d)] == []
    _alembic(outbox_db, "downgrade", "0011")
    assert "failing_since" not in _columns(outbox_db, "webhook_endpoints")
    assert "last_attempt_at" not in _columns(outbox_db, "webhook_deliveries")
    with outbox_db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO webhook_endpoints (id, url, events, enabled, created, updated, "
                "created_by_token_id, secret_encrypted) VALUES ('wh_1', 'https://r.example/', "
                "'[\"event.created\"]', true, :now, :now, 'tok', :secret)"
            ),
            {"now": datetime.now(UTC), "secret": b"sealed"},
        )
    _alembic(outbox_db, "upgrade", "head")
    assert "failing_since" in _columns(outbox_db, "webhook_endpoints")
    assert "last_attempt_at" in _columns(outbox_db, "webhook_deliveries")
    with outbox_db.session() as session:
        row = session.get(WebhookEndpointRow, "wh_1")
        assert row is not None and row.failing_since is None and row.enabled


def _columns(db, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_ics_feeds_migration_matches_the_model(outbox_db):
    """0014 makes ``ics_feeds`` as the model has it, and goes down and up again."""
    with outbox_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "ics_feeds" in repr(d)] == []
    _alembic(outbox_db, "downgrade", "0013")
    assert "ics_feeds" not in inspect(outbox_db.engine).get_table_names()
    _alembic(outbox_db, "upgrade", "head")
    assert "next_refresh_at" in _columns(outbox_db, "ics_feeds")


def test_imports_migration_matches_the_model(outbox_db):
    """0016 makes ``imports`` and ``import_items`` as the models have them, down and up."""
    with outbox_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "import" in repr(d)] == []
    _alembic(outbox_db, "downgrade", "0015")
    assert "imports" not in inspect(outbox_db.engine).get_table_names()
    _alembic(outbox_db, "upgrade", "head")
    assert "plan" in _columns(outbox_db, "import_items")


def test_sync_errors_migration_matches_the_model(outbox_db):
    """0017 adds ``last_error`` and ``last_error_at`` to ``calendar_sync``, down and up."""
    with outbox_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "calendar_sync" in repr(d)] == []
    _alembic(outbox_db, "downgrade", "0016")
    assert "last_error" not in _columns(outbox_db, "calendar_sync")
    _alembic(outbox_db, "upgrade", "head")
    assert {"last_error", "last_error_at"} <= _columns(outbox_db, "calendar_sync")
