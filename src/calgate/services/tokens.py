"""API tokens: create (secret shown once), list, revoke, and check a presented secret."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from calgate.db.models import CalendarRow, TokenRow
from calgate.domain.access import Grant, Role
from calgate.errors import InvalidInput, NotFound

SECRET_PREFIX = "cg_"  # noqa: S105  (a prefix, not a secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class NewToken:
    row: TokenRow
    secret: str

    def __repr__(self) -> str:
        return f"NewToken(id={self.row.id!r}, secret=<hidden>)"


def grant_of(row: TokenRow) -> Grant:
    cals = None if row.calendars is None else frozenset(row.calendars)
    return Grant(token_id=row.id, role=Role(row.role), calendars=cals)


def create_token(
    session: Session,
    *,
    role: Role,
    calendars: list[str] | None,
    name: str | None,
    secret: str | None = None,
    from_env: bool = False,
) -> NewToken:
    if calendars is not None:
        known = set(session.scalars(select(CalendarRow.id).where(CalendarRow.id.in_(calendars))))
        unknown = [c for c in calendars if c not in known]
        if unknown:
            raise InvalidInput.field(
                "#/calendars", f"unknown calendar id(s): {', '.join(sorted(unknown))}"
            )
        calendars = sorted(set(calendars))
    secret = secret or new_secret()
    row = TokenRow(
        id="tok_" + secrets.token_hex(6),
        name=name,
        role=role.value,
        calendars=calendars,
        secret_hash=hash_secret(secret),
        prefix=secret[:8],
        created=datetime.now(UTC),
        revoked=None,
        from_env=from_env,
    )
    session.add(row)
    session.flush()
    return NewToken(row=row, secret=secret)


def list_tokens(session: Session, *, include_revoked: bool = False) -> list[TokenRow]:
    query = select(TokenRow).order_by(TokenRow.created)
    if not include_revoked:
        query = query.where(TokenRow.revoked.is_(None))
    return list(session.scalars(query))


def revoke_token(session: Session, token_id: str) -> TokenRow:
    row = session.get(TokenRow, token_id)
    if row is None or row.revoked is not None:
        raise NotFound(f"no active token with id {token_id!r}")
    row.revoked = datetime.now(UTC)
    return row


def check_secret(session: Session, secret: str) -> Grant | None:
    """The grant of an active token with this secret, or None."""
    row = session.scalar(select(TokenRow).where(TokenRow.secret_hash == hash_secret(secret)))
    if row is None or row.revoked is not None:
        return None
    return grant_of(row)


def ensure_admin_token(session: Session, *, fixed_secret: str | None) -> NewToken | None:
    """First start: make an admin token and return it (to print once). With a fixed secret
    (CALGATE_ADMIN_TOKEN) make sure exactly that secret is an active admin token."""
    if fixed_secret is not None:
        if check_secret(session, fixed_secret) is not None:
            return None
        for old in session.scalars(select(TokenRow).where(TokenRow.from_env.is_(True))):
            if old.revoked is None:
                old.revoked = datetime.now(UTC)
        create_token(
            session,
            role=Role.admin,
            calendars=None,
            name="admin (CALGATE_ADMIN_TOKEN)",
            secret=fixed_secret,
            from_env=True,
        )
        return None
    if session.scalar(select(TokenRow.id).where(TokenRow.role == Role.admin.value)) is not None:
        return None
    return create_token(session, role=Role.admin, calendars=None, name="admin (first start)")
