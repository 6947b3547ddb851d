"""What one API token may do: its role and the calendars it is scoped to (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


_RANK = {Role.read: 0, Role.write: 1, Role.admin: 2}


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
