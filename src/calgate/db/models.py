"""Metadata tables. The CalDAV servers hold the events; these rows hold what calgate itself
owns: sources and their (encrypted) credentials, calendars and their settings, API tokens,
webhook endpoints (with their encrypted signing secrets)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class SourceRow(Base):
    """A CalDAV server calgate talks to; ``kind`` is ``embedded`` for the built-in store."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    username: Mapped[str | None] = mapped_column(String(200))
    auth_type: Mapped[str] = mapped_column(String(16), default="basic")
    secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    capabilities: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:  # never the secret
        return f"SourceRow(id={self.id!r}, kind={self.kind!r}, url={self.url!r})"


class CalendarRow(Base):
    """``href`` is the calendar collection URL, or a path on the embedded store (whose internal
    address changes with every process)."""

    __tablename__ = "calendars"
    __table_args__ = (UniqueConstraint("source_id", "href", name="uq_calendars_source_href"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    href: Mapped[str] = mapped_column(String(2000))
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # booking policy (docs/booking.md): "allow" or "reject" overlapping busy events
    overlap: Mapped[str] = mapped_column(String(16), default="allow", server_default="allow")
    auto_clear: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    notification_template: Mapped[str | None] = mapped_column(Text, default=None)
    notification_subject: Mapped[str | None] = mapped_column(Text, default=None)
    # when clearing mails organizers: "template" (only with notification_template), "always"
    # (that template, else the default one), "off" (docs/notifications.md)
    notifications: Mapped[str] = mapped_column(
        String(16), default="template", server_default="template"
    )


class TokenRow(Base):
    """An API token. Only a SHA-256 of the secret is kept (secrets are 256-bit random, so a
    slow hash adds nothing); ``prefix`` lets a person recognise a token in a list."""

    __tablename__ = "tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    calendars: Mapped[list[str] | None] = mapped_column(JSON)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    from_env: Mapped[bool] = mapped_column(Boolean, default=False)


class CalendarSyncRow(Base):
    """Where the index of one calendar stands. ``seq`` numbers every change the index records
    (the change feed's position); ``epoch`` changes when the index is rebuilt, so old feed
    tokens get 410; tombstones below ``floor`` have been purged."""

    __tablename__ = "calendar_sync"

    calendar_id: Mapped[str] = mapped_column(
        ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True
    )
    sync_token: Mapped[str | None] = mapped_column(Text)
    ctag: Mapped[str | None] = mapped_column(Text)
    last_synced: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_read: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    epoch: Mapped[int] = mapped_column(Integer, default=1)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    floor: Mapped[int] = mapped_column(Integer, default=0)
    # hrefs calgate wrote since sync_token: a delete and an identical re-create cancel out in
    # an RFC 6578 delta, so the next sync checks these directly
    touched: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the materialized form the rows were built with (calgate.index.materialize.FORMAT)
    index_format: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # why the last sync with the server failed (None once one works again), and when
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IndexedEventRow(Base):
    """One calendar object as the index knows it: the raw iCalendar and ETag (the store of
    record's words), fields to query on, and the API form ready to send. A deleted object
    stays as a tombstone (``deleted``) for the change feed."""

    __tablename__ = "indexed_events"
    __table_args__ = (
        UniqueConstraint("calendar_id", "event_id", name="uq_indexed_events_calendar_event"),
        Index("ix_indexed_events_window", "calendar_id", "deleted", "first_start"),
        Index("ix_indexed_events_seq", "calendar_id", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    calendar_id: Mapped[str] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(400))
    href: Mapped[str] = mapped_column(String(2000))
    uid: Mapped[str | None] = mapped_column(String(1000))
    etag: Mapped[str | None] = mapped_column(String(400))
    ical: Mapped[str | None] = mapped_column(Text)
    public_json: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[str | None] = mapped_column(Text)
    attendees: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(32))
    first_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    mat_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mat_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seq: Mapped[int] = mapped_column(Integer)
    created_seq: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # who made the row's last change: "api" (calgate's API), "caldav" (a CalDAV client, through
    # /dav/ or on the server itself, seen by a sync) or "clearing"; None before it was recorded
    origin: Mapped[str | None] = mapped_column(String(16))


class OccurrenceRow(Base):
    """Occurrences of a recurring event inside the materialized horizon, ready to send."""

    __tablename__ = "occurrences"
    __table_args__ = (
        Index("ix_occurrences_window", "calendar_id", "start", "end"),
        # per-object replace and delete: without it SQLite scans a calendar's occurrences
        Index("ix_occurrences_event", "calendar_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    calendar_id: Mapped[str] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(400))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    public_json: Mapped[str] = mapped_column(Text)


class IdempotencyRow(Base):
    """The first answer to a POST sent with an Idempotency-Key, kept for replays."""

    __tablename__ = "idempotency_keys"

    token_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    calendar_id: Mapped[str] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # The process holding a pending claim (``ProcessRow.id``) and the id the event gets, chosen
    # before it is written: a claim whose process is gone is resolved from the store.
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    event_id: Mapped[str | None] = mapped_column(String(400), nullable=True)


class ProcessRow(Base):
    """A running calgate process (``calgate serve``), seen by its heartbeat: what tells a claim
    of a live process from one of a process that was killed (calgate.services.processes)."""

    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # a boot id, new per start
    host: Mapped[str] = mapped_column(String(64))  # a hash naming the machine and pid namespace
    pid: Mapped[int] = mapped_column(Integer)
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class JobLeaseRow(Base):
    """A scheduled job's turn, shared by every process on this database: ``last_run`` is when a
    pass last started, ``claimed_by``/``claimed_until`` the lease of the pass in progress
    (calgate.db.job_leases). One row per job and subject, e.g. ``clear:room-a``."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IcsFeedRow(Base):
    """Where the mirror of a subscribed iCalendar feed stands (a source of kind ``ics``): the
    validators of its last answer (for a conditional GET), the hash of the last body read (an
    unchanged body costs no index work), and how the last refreshes went."""

    __tablename__ = "ics_feeds"

    source_id: Mapped[str] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(2000))  # fetched (webcal:// read as https://)
    # seconds, as asked; None: not asked (the feed's own when in bounds, else an hour)
    refresh_interval: Mapped[int | None] = mapped_column(Integer)
    feed_interval: Mapped[int | None] = mapped_column(Integer)  # the feed's own, when in bounds
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_refresh_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class OutboxRow(Base):
    """A notification mail waiting for delivery, or delivered (``sent_at``), or refused for
    good (``failed_at``). Written in the transaction of the change it reports, so it exists
    exactly when that change was committed; a worker claims it with a lease
    (``claimed_by`` until ``claimed_until``) so no two workers send it (calgate.mail.outbox)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "sent_at", "failed_at", "next_attempt_at"),
        Index("ix_outbox_sent", "sent_at"),
        UniqueConstraint("message_id", name="uq_outbox_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    bcc: Mapped[list[str]] = mapped_column(JSON, default=list)
    # fixed when queued, so a resend after a crash between sending and recording is the same
    # message to the receiver
    message_id: Mapped[str] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:  # no addresses or contents in logs
        return f"OutboxRow(id={self.id!r}, attempts={self.attempts!r}, sent={self.sent_at!r})"


class WebhookEndpointRow(Base):
    """A URL that receives signed webhook deliveries (docs/webhooks.md, "Endpoints"). Owned by
    the token that made it (``created_by_token_id``): a revoked token's endpoints stop.
    ``calendars`` None means every calendar (only for an unscoped token; a scoped token's
    scope is stored explicitly). The signing secret is sealed with the runtime's SecretBox;
    after a rotation the previous one keeps signing until ``previous_secret_until``."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_token", "created_by_token_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON)
    calendars: Mapped[list[str] | None] = mapped_column(JSON)
    include: Mapped[str | None] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_token_id: Mapped[str] = mapped_column(String(32))
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    previous_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # why delivery disabled it (a 410, failing for days); None when enabled or disabled by hand
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    # when the current run of failed attempts began (None after a 2xx): 5 days of it disables
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:  # never the secrets
        return f"WebhookEndpointRow(id={self.id!r}, url={self.url!r}, enabled={self.enabled!r})"


class WebhookCursorRow(Base):
    """How far the change feed of one calendar has been turned into deliveries for one
    endpoint (the last ``seq`` handled): advanced in the transaction that writes them."""

    __tablename__ = "webhook_cursors"

    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), primary_key=True
    )
    calendar_id: Mapped[str] = mapped_column(
        ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True
    )
    epoch: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)


class WebhookDeliveryRow(Base):
    """One message for one endpoint: delivered (``delivered_at``), given up (``failed_at``) or
    due at ``next_attempt_at``; claimed by a worker with a lease (calgate.db.claims)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "delivered_at", "failed_at", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        UniqueConstraint("message_id", name="uq_webhook_deliveries_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FeedRow(Base):
    """A published feed of one calendar (docs/feeds.md): a secret URL, of which only a SHA-256
    is kept (``token_hash``), serving the calendar's events in full or as busy time only,
    ``past_days`` back and ``future_days`` ahead of the day it is read. It belongs to the
    calendar (not to the token that made it): it ends when deleted or with the calendar."""

    __tablename__ = "feeds"
    __table_args__ = (Index("ix_feeds_calendar", "calendar_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    calendar_id: Mapped[str] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    detail: Mapped[str] = mapped_column(String(8))
    past_days: Mapped[int] = mapped_column(Integer)
    future_days: Mapped[int] = mapped_column(Integer)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_token_id: Mapped[str | None] = mapped_column(String(32))
    last_read: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:  # never the hash
        return f"FeedRow(id={self.id!r}, calendar_id={self.calendar_id!r}, detail={self.detail!r})"


class ImportRow(Base):
    """One ``.ics`` import into a calendar (``services.imports``): its choices, its state and
    why it failed as a whole; its objects are :class:`ImportItemRow`. Run by the import worker
    with a lease (calgate.db.claims) while ``status`` is queued or running."""

    __tablename__ = "imports"
    __table_args__ = (
        Index("ix_imports_calendar", "calendar_id", "id"),
        Index("ix_imports_status", "status"),
        UniqueConstraint("token_id", "idempotency_key", name="uq_imports_idempotency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    calendar_id: Mapped[str] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    token_id: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    body_hash: Mapped[str] = mapped_column(String(64))
    on_conflict: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    total: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportItemRow(Base):
    """One object of an import, in the file's order: its text, the write planned for it
    (``plan``, committed before the write so a run taken over after a crash redoes exactly
    that) and what came of it (``outcome``: created, updated, skipped, failed; ``reason``)."""

    __tablename__ = "import_items"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
