"""Query parameters a route does not declare are a 422 naming them, with the nearest one it does.

A client moving from one of the APIs calgate replaces sends their names (``order_by``,
``date_range_start``, ``sync-token``, ``nresults``, ``props[]``...); ignored, they give a 200
with the wrong answer. Every route calgate defines is a :class:`StrictQueryRoute` (each router
passes ``route_class``, and the app's own routes use it too): the names of the query string are
compared, exactly as sent, with the names the route declares (a parameter's alias when it has
one: ``orderBy``, ``pageToken``, ``dryRun``). A declared name may come several times; an unknown
one is an entry in the 422's ``errors`` with ``pointer`` set to it.

Order: authentication first, nothing written. The check is a dependency the route adds as the
last parameter of its endpoint. FastAPI resolves an endpoint's dependencies in signature order,
so it runs after the route's own (the token check: a request without a valid token is a 401
whatever its query) and before the endpoint body. It is not in the route's ``dependencies=``
list (those run before the endpoint's own) nor added to a built route's ``dependant`` (FastAPI
builds a new one from the endpoint for each router that includes the route).

A name or value that is not UTF-8 once percent-decoded (``q=%ff``) is a 422 naming the
parameter, before the names are compared.

Not covered: the ``/dav/`` mount (Radicale speaks WebDAV there) and the docs pages
(``/api/docs``, ``/api/openapi.json``), which are not calgate's routes.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from calgate.errors import FieldError, InvalidInput

# The names the reference APIs (shared/reference) and other calendar APIs use, and calgate's
# names for the same thing, in order of preference: the first one the route takes is offered.
REFERENCE_NAMES: dict[str, tuple[str, ...]] = {
    # calendar-events-api.txt
    "order_by": ("orderBy",),
    "date_range_start": ("start",),
    "date_range_end": ("end",),
    "num_in_series": ("n",),
    "page": ("pageToken",),
    "per_page": ("limit",),
    # egroupware-rest-api.txt
    "sync-token": ("syncToken", "since"),
    "nresults": ("limit",),
    "props[]": ("props",),
    # jira-company-calendar-api.txt (its event search takes these in a JSON body)
    "startDate": ("start",),
    "endDate": ("end",),
    "startDateIso": ("start",),
    "endDateIso": ("end",),
    # room-booking-readme.txt's dry run, and calgate's own
    "test": ("dryRun",),
    "dryRun": ("test",),
    "dry_run": ("dryRun", "test"),
    # common elsewhere (Google Calendar, CalDAV clients' REST bridges)
    "timeMin": ("start",),
    "timeMax": ("end",),
    "maxResults": ("limit",),
    "pageSize": ("limit",),
    "page_size": ("limit",),
    "offset": ("pageToken",),
    "sort": ("orderBy",),
    "search": ("q",),
    "query": ("q",),
}
_REPORTED = 20  # unknown names listed one by one; the rest are counted
_SHOWN = 200  # characters of a name echoed back


def _folded(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _nearest(name: str, known: Sequence[str]) -> str | None:
    """The route's parameter a client most likely meant by ``name``: the reference APIs' name
    for it, the same name spelled otherwise (``page_token``), or the closest by spelling."""
    for candidate in REFERENCE_NAMES.get(name, ()):
        if candidate in known:
            return candidate
    folded = {_folded(k): k for k in known}
    if _folded(name) in folded:
        return folded[_folded(name)]
    close = difflib.get_close_matches(_folded(name), list(folded), n=1)
    return folded[close[0]] if close else None


def unknown_parameter(name: str, known: Sequence[str], *, route: str, path: str) -> str:
    """What to say about one unknown query parameter ``name`` on a route taking ``known``."""
    head = f"unknown query parameter {name[:_SHOWN]!r}"
    if name == "num_in_series" and "n" not in known and route.endswith("/events/{event_id}"):
        return f"{head}: for the K-th occurrence of this series use GET {path}/instances?n=K"
    nearest = _nearest(name, known)
    if nearest is not None:
        return f"{head}: did you mean {nearest!r}?"
    if not known:
        return f"{head}: this route takes no query parameters"
    return f"{head}: this route takes {', '.join(known)}"


def unknown_parameters(
    names: Sequence[str], known: Sequence[str], *, route: str, path: str
) -> InvalidInput:
    """The 422 for ``names``: one entry each, ``pointer`` the name as sent."""
    errors = [
        FieldError(unknown_parameter(name, known, route=route, path=path), name[:_SHOWN])
        for name in names[:_REPORTED]
    ]
    detail = "; ".join(e.detail for e in errors)
    if len(names) > _REPORTED:
        detail += f"; and {len(names) - _REPORTED} more unknown query parameters"
    return InvalidInput(detail, errors)


def not_utf8(query_string: bytes) -> list[FieldError]:
    """One entry per query parameter whose name or value, percent-decoded, is not UTF-8 (the
    parser would hand the route U+FFFD in their place, and the answer would be for other
    text). ``pointer``: the name, as far as it can be read."""
    errors = []
    for pair in query_string.split(b"&"):
        name, _, value = pair.partition(b"=")
        raw_name, raw_value = (unquote_to_bytes(p.replace(b"+", b" ")) for p in (name, value))
        try:
            raw_name.decode("utf-8")
            raw_value.decode("utf-8")
        except UnicodeDecodeError:
            shown = raw_name.decode("utf-8", "replace")[:_SHOWN]
            errors.append(
                FieldError(
                    f"query parameter {shown!r} is not UTF-8 text once percent-decoded",
                    shown,
                )
            )
    return errors[:_REPORTED]


def query_names(dependant: Dependant) -> tuple[str, ...]:
    """The query parameter names a route declares, in its own and its dependencies'."""
    names: dict[str, None] = {}
    stack = [dependant]
    while stack:
        current = stack.pop()
        names.update((field.alias, None) for field in current.query_params)
        stack.extend(reversed(current.dependencies))
    return tuple(names)


class _QueryCheck:
    """The dependency: refuses the names outside ``known`` (filled once the route is built)."""

    def __init__(self, route: str) -> None:
        self.route = route
        self.known: tuple[str, ...] = ()

    async def __call__(self, request: Request) -> None:
        undecodable = not_utf8(request.scope.get("query_string", b""))
        if undecodable:
            raise InvalidInput(
                "; ".join(e.detail for e in undecodable),
                undecodable,
            )
        unknown = [name for name in request.query_params if name not in self.known]
        if unknown:
            path = request.url.path
            raise unknown_parameters(unknown, self.known, route=self.route, path=path)


_CHECK = "calgate_query_check"


def _checked(endpoint: Callable[..., Any], check: _QueryCheck) -> Callable[..., Any]:
    """``endpoint`` with one more keyword parameter, last: the check (dropped before the call)."""
    signature = inspect.signature(endpoint, eval_str=True)
    extra = inspect.Parameter(
        _CHECK, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[None, Depends(check)]
    )
    wrapped: Any  # a function that gets a __signature__
    if inspect.iscoroutinefunction(endpoint):

        async def run_async(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop(_CHECK, None)
            return await endpoint(*args, **kwargs)

        wrapped = run_async
    else:

        def run(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop(_CHECK, None)
            return endpoint(*args, **kwargs)

        wrapped = run
    functools.update_wrapper(wrapped, endpoint)
    wrapped.__signature__ = signature.replace(parameters=[*signature.parameters.values(), extra])
    checked: Callable[..., Any] = wrapped
    return checked


class StrictQueryRoute(APIRoute):
    """An APIRoute whose endpoint refuses query parameters the route does not declare."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        check = _QueryCheck(path)
        super().__init__(path, _checked(endpoint, check), **kwargs)
        check.known = query_names(self.dependant)


__all__ = ["REFERENCE_NAMES", "StrictQueryRoute", "unknown_parameter", "unknown_parameters"]
