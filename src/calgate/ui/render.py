"""Pages rendered from the package's templates (autoescaped Jinja2: what a page shows of a
calendar, an event or an error is text, never markup)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from calgate.domain.access import Grant, Role
from calgate.ui.session import CSRF_FIELD, UiSession

_ENV = Environment(
    loader=PackageLoader("calgate.ui", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,  # a misspelt name in a template is an error in the tests
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(at: datetime | None, never: str = "never") -> str:
    """A time as a page shows it: UTC to the minute (a stored time without a zone is UTC)."""
    if at is None:
        return never
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M UTC")


_ENV.filters["when"] = when


@dataclass(frozen=True)
class Viewer:
    """Who is looking: what the navigation offers follows the token's grant (the services
    check it again on every action)."""

    session: UiSession
    grant: Grant

    @property
    def csrf(self) -> str:
        return self.session.csrf

    @property
    def is_admin(self) -> bool:
        return self.grant.at_least(Role.admin)

    @property
    def is_unscoped_admin(self) -> bool:
        return self.is_admin and self.grant.calendars is None

    @property
    def can_write(self) -> bool:
        return self.grant.at_least(Role.write)


@dataclass
class Flash:
    """A message shown at the top of the page after an action (``kind``: ok | error)."""

    text: str
    kind: str = "ok"
    fields: dict[str, str] = field(default_factory=dict)


FLASH_COOKIE = "calgate_ui_flash"


def set_flash(response: Response, flash: Flash) -> None:
    """The message for the page a redirect leads to (a cookie of this site, read once)."""
    value = json.dumps({"text": flash.text[:500], "kind": flash.kind})
    response.set_cookie(
        FLASH_COOKIE, quote(value), max_age=60, path="/ui", httponly=True, samesite="strict"
    )


def _taken_flash(request: Request) -> Flash | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        found = json.loads(unquote(raw))
        text, kind = str(found["text"]), str(found["kind"])
    except (ValueError, KeyError, TypeError):
        return None
    return Flash(text, "error" if kind == "error" else "ok")


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None = None,
    status: int = 200,
    flash: Flash | None = None,
    **context: Any,
) -> HTMLResponse:
    taken = _taken_flash(request)
    page = _ENV.get_template(template).render(
        request=request,
        viewer=viewer,
        flash=flash or taken,
        csrf_field=CSRF_FIELD,
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(page, status_code=status)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/ui")
    return response
