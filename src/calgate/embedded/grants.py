"""How a token's :class:`Grant` travels through Radicale, and the rights it gives there.

Radicale hands the groups returned by the auth plugin to the rights plugin on every
request (``authorization(user, user_groups, path)``). calgate encodes a grant as such
groups, so the rights plugin needs no shared state and nothing can be cached between
requests:

- ``calgate-internal``: calgate's own upstream client (full rights on its calendars);
- ``calgate-role:<role>`` plus ``calgate-cal:<id>`` per calendar, or ``calgate-cal:*``
  for a token that sees every calendar.

An empty group set grants nothing: the encoding fails closed. Radicale passes one when it
checks the destination of a MOVE; there the rights plugin takes the groups the request's own
login gave (``request_groups``, set by the auth plugin on every login, in the thread that
serves the request), so a token may move events between calendars it may write.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable

from radicale import config, pathutils, rights

from calgate.domain.access import Grant, Role

PRINCIPAL = "calgate"
GROUP_INTERNAL = "calgate-internal"
_ROLE_PREFIX = "calgate-role:"
_CAL_PREFIX = "calgate-cal:"
_ALL_CALENDARS = _CAL_PREFIX + "*"

CALENDAR_ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")

# Radicale permission letters (see radicale.rights): R/W on plain collections,
# r/w on calendars, D and O explicitly allow deleting / overwriting a whole calendar
# (both are off by default in calgate's configuration).
_ROOT = "R"
_PRINCIPAL_READ = "R"
_PRINCIPAL_INTERNAL = "RW"
_CAL_INTERNAL = "rwDO"
_CAL_WRITE = "rw"
_CAL_ADMIN = "rwD"
_CAL_READ = "r"
_NONE = ""


class _RequestGroups(threading.local):
    """The groups of the login of the request this thread serves (empty: none, or refused)."""

    def __init__(self) -> None:
        self.groups: frozenset[str] = frozenset()

    def remember(self, groups: set[str]) -> None:
        self.groups = frozenset(groups)

    def current(self) -> set[str]:
        return set(self.groups)


request_groups = _RequestGroups()


def is_calendar_id(value: str) -> bool:
    return CALENDAR_ID_RE.fullmatch(value) is not None


def grant_groups(grant: Grant) -> set[str]:
    """The Radicale groups that carry ``grant`` to the rights plugin."""
    groups = {_ROLE_PREFIX + Role(grant.role).value}
    if grant.calendars is None:
        groups.add(_ALL_CALENDARS)
    else:
        # Only real calendar ids: a stray "*" must not widen the grant to every calendar.
        groups.update(_CAL_PREFIX + cal for cal in grant.calendars if is_calendar_id(cal))
    return groups


def _role_of(groups: Iterable[str]) -> Role | None:
    roles = [g[len(_ROLE_PREFIX) :] for g in groups if g.startswith(_ROLE_PREFIX)]
    if len(roles) != 1 or roles[0] not in Role.__members__:
        return None
    return Role(roles[0])


def _sees(groups: set[str], calendar_id: str) -> bool:
    return _ALL_CALENDARS in groups or (_CAL_PREFIX + calendar_id) in groups


def _parts(path: str) -> list[str]:
    stripped = pathutils.strip_path(path)
    return stripped.split("/") if stripped else []


def token_rights(groups: set[str], path: str, calendar_exists: bool) -> str:
    """Radicale rights of a token (encoded in ``groups``) on the sanitized ``path``.

    Tokens may read the root and the shared principal (so clients can discover their
    calendars), read the calendars they are scoped to, and, with a write role, change
    events in calendars that already exist. Only an admin token that is not scoped to
    calendars creates (MKCALENDAR) and deletes calendars, as it does through the API; no
    token overwrites a whole calendar.
    """
    role = _role_of(groups)
    if role is None:
        return _NONE
    parts = _parts(path)
    if not parts:
        return _ROOT
    if parts[0] != PRINCIPAL:
        return _NONE
    if len(parts) == 1:
        return _PRINCIPAL_READ
    if len(parts) > 2 or not is_calendar_id(parts[1]) or not _sees(groups, parts[1]):
        return _NONE
    if role is Role.admin and _ALL_CALENDARS in groups:
        # an unscoped admin makes and deletes calendars, as through the API; calgate's /dav/
        # door (services/dav_calendars) makes them calgate calendars
        return _CAL_ADMIN if calendar_exists else _CAL_WRITE
    if Grant(token_id="", role=role).at_least(Role.write) and calendar_exists:
        return _CAL_WRITE
    return _CAL_READ


def internal_rights(path: str) -> str:
    """Radicale rights of calgate's own client: everything under its principal."""
    parts = _parts(path)
    if not parts:
        return _ROOT
    if parts[0] != PRINCIPAL:
        return _NONE
    if len(parts) == 1:
        return _PRINCIPAL_INTERNAL
    if len(parts) == 2:
        return _CAL_INTERNAL
    return _NONE


class GrantRights(rights.BaseRights):
    """Radicale rights plugin reading the grant from the request's groups."""

    def __init__(self, configuration: config.Configuration) -> None:
        super().__init__(configuration)
        folder = configuration.get("storage", "filesystem_folder")
        self._principal_folder = os.path.join(folder, "collection-root", PRINCIPAL)

    def authorization(self, user: str, user_groups: set[str], path: str) -> str:
        if user == PRINCIPAL and not user_groups:
            user_groups = request_groups.current()  # a MOVE's destination (see the docstring)
        if user != PRINCIPAL or not user_groups:
            return _NONE
        if GROUP_INTERNAL in user_groups:
            return internal_rights(path)
        parts = _parts(path)
        exists = (
            len(parts) == 2
            and is_calendar_id(parts[1])
            and os.path.isdir(os.path.join(self._principal_folder, parts[1]))
        )
        return token_rights(user_groups, path, exists)
