"""Metadata tables. The CalDAV servers hold the events; these rows hold what calgate itself
owns: sources and their (encrypted) credentials, calendars and their settings, API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, LargeBinary, String, UniqueConstraint
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
    capabilities: Mapped[dict] = mapped_column(JSON, default=dict)
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
