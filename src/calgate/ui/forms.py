"""Form posts of the UI's pages: ``application/x-www-form-urlencoded`` bodies read within the
API's body limit, from this site only (``Origin``), with the session's CSRF token."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request

from calgate.errors import ContentTooLarge, InvalidInput, PermissionDenied
from calgate.ui.session import CSRF_FIELD, UiSession, csrf_matches


class Form:
    """A posted form: one value per name (the last one sent), all values with ``all``."""

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    def get(self, name: str, default: str = "") -> str:
        found = self._values.get(name)
        return found[-1] if found else default

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def has(self, name: str) -> bool:
        return name in self._values


def same_origin(request: Request, public_url: str | None = None) -> bool:
    """A browser names the page a form was posted from; a post from another site is refused
    even before the CSRF token is looked at (the sign-in form has no session yet). This site
    is the request's ``Host``, or the public URL calgate is reached by behind a proxy."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None or origin == "null":
        return origin is None  # no header: not a browser's cross-site post
    ours = {request.headers.get("host", "")}
    if public_url:
        ours.add(urlsplit(public_url).netloc)
    return urlsplit(origin).netloc in ours


def over_https(request: Request, public_url: str | None) -> bool:
    """Whether the browser reached calgate over https (directly, or at an https public URL
    behind a proxy that ends TLS): its cookies are then ``Secure``."""
    return request.url.scheme == "https" or (public_url or "").startswith("https://")


async def read_form(
    request: Request, limit: int, session: UiSession | None, public_url: str | None = None
) -> Form:
    if not same_origin(request, public_url):
        raise PermissionDenied("this form was posted from another site")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ContentTooLarge(f"the form is larger than {limit:,} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ContentTooLarge(f"the form is larger than {limit:,} bytes")
    try:
        values = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise InvalidInput.field("#", "the form is not UTF-8 text") from None
    form = Form(values)
    if session is not None and not csrf_matches(session, form.get(CSRF_FIELD) or None):
        raise PermissionDenied(
            "the form's CSRF token does not match this session: reload the page and try again"
        )
    return form
