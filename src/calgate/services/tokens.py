"""API tokens: create (secret shown once), list, revoke, and check a presented secret.

``by`` is the grant of the token asking (None: the operator at the command line). It may make,
list and revoke only tokens it covers (``Grant.covers``: a role at most its own, calendars
inside its scope); tokens outside answer exactly as unknown ones do.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from calgate.db.models import CalendarRow, TokenRow
from calgate.domain.access import Grant, Overreach, Role
from calgate.errors import (
    AuthenticationRequired,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)

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


def _overreach_denied(by: Grant, found: Overreach) -> PermissionDenied:
    *lower, own = [r.value for r in Role if by.at_least(r)]
    allowed = f"{', '.join(lower)} or {own}" if lower else own
    if by.calendars is None:
        where = "any calendars"
    else:
        where = f"calendars {', '.join(sorted(by.calendars))}" if by.calendars else "no calendar"
    errors = []
    if found.role_above:
        errors.append(
            FieldError(f"this token is {by.role.value}; it may grant role {allowed} only", "#/role")
        )
    if found.all_calendars:
        errors.append(
            FieldError(
                f"this token is scoped to {where}: list the calendars the new token may see "
                "(some or all of these); it cannot make a token for every calendar",
                "#/calendars",
            )
        )
    if found.outside:
        errors.append(
            FieldError(
                f"not in this token's scope ({where}): {', '.join(found.outside)}",
                "#/calendars",
            )
        )
    return PermissionDenied(
        f"this token may make only tokens with role {allowed} on {where}", errors
    )


def create_token(
    session: Session,
    *,
    role: Role,
    calendars: list[str] | None,
    name: str | None,
    by: Grant | None = None,
    secret: str | None = None,
    from_env: bool = False,
) -> NewToken:
    # The scope first: calendars outside it get the same answer whether they exist or not.
    if by is not None and (found := by.overreach(role, calendars)) is not None:
        raise _overreach_denied(by, found)
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


def list_tokens(
    session: Session, *, by: Grant | None = None, include_revoked: bool = False
) -> list[TokenRow]:
    query = select(TokenRow).order_by(TokenRow.created)
    if not include_revoked:
        query = query.where(TokenRow.revoked.is_(None))
    rows = session.scalars(query)
    return [r for r in rows if by is None or by.covers(grant_of(r))]


def revoke_token(session: Session, token_id: str, *, by: Grant | None = None) -> TokenRow:
    row = session.get(TokenRow, token_id)
    outside = row is not None and by is not None and not by.may_revoke(grant_of(row))
    if row is None or row.revoked is not None or outside:
        raise NotFound(f"no active token with id {token_id!r}")
    row.revoked = datetime.now(UTC)
    return row


# Every API request runs this: three columns by the unique index, built once, no ORM object.
_ACTIVE = select(TokenRow.id, TokenRow.role, TokenRow.calendars).where(
    TokenRow.secret_hash == bindparam("secret_hash"), TokenRow.revoked.is_(None)
)


def active_grant(conn: Connection, secret: str) -> Grant | None:
    """The grant of an active token with this secret, or None."""
    row = conn.execute(_ACTIVE, {"secret_hash": hash_secret(secret)}).first()
    if row is None:
        return None
    cals = None if row.calendars is None else frozenset(row.calendars)
    return Grant(token_id=row.id, role=Role(row.role), calendars=cals)


def active_grant_by_id(conn: Connection, token_id: str, check: str) -> Grant | None:
    """The grant of the active token ``token_id`` whose secret hash starts with ``check`` (a
    UI session's token: the same token, not revoked), or None."""
    row = conn.execute(
        select(TokenRow.role, TokenRow.calendars, TokenRow.secret_hash).where(
            TokenRow.id == token_id, TokenRow.revoked.is_(None)
        )
    ).first()
    if row is None or not check or not hmac.compare_digest(row.secret_hash[: len(check)], check):
        return None
    cals = None if row.calendars is None else frozenset(row.calendars)
    return Grant(token_id=token_id, role=Role(row.role), calendars=cals)


def check_secret(session: Session, secret: str) -> Grant | None:
    """:func:`active_grant` in a session's transaction."""
    return active_grant(session.connection(), secret)


# -- the request path's cache ----------------------------------------------------------------
# A token's role and calendars never change after it is made; only its revocation does. So a
# grant found once can be kept, as long as each request that uses it confirms the token is
# still active, in the database, before anything is answered: a token revoked in another
# process is refused on the very next request. The confirmation is one read by primary key,
# made in the request's own first read (``confirm_pending``) or, failing that, by the request
# intake before the answer leaves (``calgate.api.intake``).
_STILL_ACTIVE = select(TokenRow.id).where(
    TokenRow.id == bindparam("token_id"), TokenRow.revoked.is_(None)
)
STILL_ACTIVE = _STILL_ACTIVE.exists().label("token_active")
"""A column a read may add to answer for the request's token in the same query (parameter
``token_id``: :attr:`Unconfirmed.grant`'s); then :meth:`Unconfirmed.settle` with its value."""


class KnownGrants:
    """Secret hash -> the grant of a token found active in this process (a few per client;
    cleared when it passes ``limit``)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._grants: dict[str, Grant] = {}
        self._limit = limit

    def get(self, secret: str) -> Grant | None:
        return self._grants.get(hash_secret(secret))

    def put(self, secret: str, grant: Grant) -> None:
        if len(self._grants) >= self._limit:
            self._grants.clear()
        self._grants[hash_secret(secret)] = grant

    def forget(self, secret: str) -> None:
        self._grants.pop(hash_secret(secret), None)


@dataclass
class Unconfirmed:
    """A request's grant from :class:`KnownGrants`, not yet confirmed active; ``active`` is
    the answer once asked."""

    grant: Grant
    active: bool | None = None

    def confirm(self, conn: Connection) -> bool:
        if self.active is None:
            found = conn.execute(_STILL_ACTIVE, {"token_id": self.grant.token_id}).first()
            self.active = found is not None
        return self.active

    def settle(self, active: bool) -> None:
        """The answer a read found in :data:`STILL_ACTIVE`; AuthenticationRequired when the
        token is no longer active."""
        self.active = bool(active)
        if not self.active:
            raise AuthenticationRequired("the token is unknown or revoked")


# Set by the intake for the request it passes on; worker threads run with a copy of the
# request's context, which holds the same object.
UNCONFIRMED: ContextVar[Unconfirmed | None] = ContextVar("calgate_unconfirmed", default=None)


def pending() -> Unconfirmed | None:
    """The request's grant still to confirm, if any."""
    found = UNCONFIRMED.get()
    return found if found is not None and found.active is None else None


def confirm_pending(conn: Connection) -> None:
    """In a request whose grant came from :class:`KnownGrants`: confirm now, in ``conn`` (the
    request's first read), that the token is still active; AuthenticationRequired when not."""
    pending = UNCONFIRMED.get()
    if pending is not None and not pending.confirm(conn):
        raise AuthenticationRequired("the token is unknown or revoked")


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
