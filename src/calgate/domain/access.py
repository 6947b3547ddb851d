"""What one API token may do: its role and the calendars it is scoped to (pure, no I/O).

The rule for handing out access: a grant may create (and manage) only grants it covers, that
is a role at most its own on calendars inside its own scope. An unscoped grant covers every
calendar; a scoped one never covers an unscoped grant ("every calendar", including those made
later). The same test says which existing tokens a grant may list and revoke.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


_RANK = {Role.read: 0, Role.write: 1, Role.admin: 2}


@dataclass(frozen=True)
class Overreach:
    """Why a grant may not hand out a (role, calendars) pair: the role is above its own, the
    pair asks for every calendar while the grant is scoped, or names calendars outside it."""

    role_above: bool
    all_calendars: bool
    outside: tuple[str, ...]


@dataclass(frozen=True)
class Grant:
    """``calendars`` is None for a token that sees every calendar."""

    token_id: str
    role: Role
    calendars: frozenset[str] | None = None

    def sees(self, calendar_id: str) -> bool:
        return self.calendars is None or calendar_id in self.calendars

    def at_least(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def can_write(self, calendar_id: str) -> bool:
        return self.sees(calendar_id) and self.at_least(Role.write)

    def overreach(self, role: Role, calendars: Iterable[str] | None) -> Overreach | None:
        """None when this grant may hand out ``role`` on ``calendars`` (None: every calendar),
        else what goes beyond it."""
        role_above = not self.at_least(role)
        all_calendars = calendars is None and self.calendars is not None
        outside: tuple[str, ...] = ()
        if calendars is not None and self.calendars is not None:
            outside = tuple(sorted(set(calendars) - self.calendars))
        if role_above or all_calendars or outside:
            return Overreach(role_above, all_calendars, outside)
        return None

    def may_grant(self, role: Role, calendars: Iterable[str] | None) -> bool:
        return self.overreach(role, calendars) is None

    def covers(self, other: Grant) -> bool:
        """Whether ``other`` (an existing token) lies inside this grant: one it could have
        made. A scoped grant lists and revokes only such tokens."""
        return self.may_grant(other.role, other.calendars)

    def may_revoke(self, other: Grant) -> bool:
        """Tokens inside this grant, and the token itself."""
        return other.token_id == self.token_id or self.covers(other)
