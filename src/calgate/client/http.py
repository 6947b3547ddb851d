"""HTTP to a calgate server (niquests, which caldav already brings), and the exit codes every
client command shares. Errors become :class:`ClientError` with the exit code and one readable
line; the token travels only in the Authorization header and is never part of a message."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import niquests

from calgate import __version__

OK = 0
ERROR = 1  # the server answered an error, or it could not be reached
USAGE = 2  # typer's own code for bad options
PARTIAL = 3  # some items failed (an import with failures)
AUTH = 4  # 401 or 403
NOT_FOUND = 5  # 404
INTERRUPTED = 130  # Ctrl-C

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 120.0


class ClientError(Exception):
    """What a command prints (one line, on stderr) and the exit code it ends with."""

    def __init__(self, message: str, code: int = ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def code_for_status(status: int) -> int:
    if status in (401, 403):
        return AUTH
    if status == 404:
        return NOT_FOUND
    return ERROR


def problem_line(status: int, body: Any, reason: str = "") -> str:
    """A problem+json answer as one line: ``title: detail`` and the field errors with their
    pointers (those the detail does not already name)."""
    if not isinstance(body, Mapping):
        return f"{status} {reason}".strip()
    title = str(body.get("title") or reason or status)
    detail = str(body.get("detail") or "")
    line = f"{title}: {detail}" if detail and detail != title else title
    extra = []
    for err in body.get("errors") or []:
        if isinstance(err, Mapping):
            part = f"{err.get('pointer', '')}: {err.get('detail', '')}"
            if part not in detail:
                extra.append(part)
    if extra:
        line += " (" + "; ".join(extra) + ")"
    return f"{line} [{status}]"


@dataclass(frozen=True)
class Connection:
    url: str  # the server's base, without a trailing slash
    token: str | None

    def api(self, path: str) -> str:
        return f"{self.url}/api/v1{path}"


class Api:
    """One session to one server. ``request`` raises ClientError for anything but 2xx."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.session = niquests.Session()
        self.session.headers["User-Agent"] = f"calgate-cli/{__version__}"
        if connection.token:
            self.session.headers["Authorization"] = f"Bearer {connection.token}"

    def close(self) -> None:
        self.session.close()

    def url(self, path: str) -> str:
        """``path`` relative to /api/v1, or an absolute path such as a ``Location``."""
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith("/api/"):
            return self.connection.url + path
        return self.connection.api(path)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> niquests.Response:
        try:
            response = self.session.request(
                method,
                self.url(path),
                params=dict(params or {}),
                json=json,
                data=data,
                headers=dict(headers or {}),
                stream=stream,
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            )
        except niquests.exceptions.RequestException as exc:
            raise ClientError(f"cannot reach {self.connection.url}: {reason_of(exc)}") from exc
        if response.status_code is None or response.status_code >= 400:
            status = response.status_code or 0
            raise ClientError(
                problem_line(status, _json_or_none(response), response.reason or ""),
                code_for_status(status),
            )
        return response

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def pages(self, path: str, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """Every item of a paged listing (``nextPageToken``), page after page."""
        query = dict(params)
        while True:
            page = self.get_json(path, query)
            yield from page.get("items", [])
            token = page.get("nextPageToken")
            if not token:
                return
            query["pageToken"] = token


def _json_or_none(response: niquests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def reason_of(exc: Exception) -> str:
    """A transport error, short: the OS's reason when there is one (connection refused, name
    not known), else the first line. Never the request's headers."""
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] [^'\")\]]+", text)
    if found:
        return found.group(0).strip()
    if "NameResolution" in text or "not known" in text:
        return "the host name is not known"
    if "timed out" in text.lower():
        return "timed out"
    return (text.splitlines() or [type(exc).__name__])[0][:200]


@contextmanager
def open_api(connection: Connection) -> Iterator[Api]:
    api = Api(connection)
    try:
        yield api
    finally:
        api.close()
