"""A STAND-IN for two calgate routes, import and export, written from the contract agreed for
issue 18 (/work/notes/common18.md; docs/api.md): the CLI tests in tests/cli/test_transfer.py
run against it while those routes are built elsewhere. It is a real HTTP server on loopback,
honest about the contract's shapes and status codes, and nothing more: it does not parse
iCalendar beyond splitting VEVENTs and reading UID and DTSTART, and stores nothing.

- ``POST /api/v1/calendars/{cal}/imports`` (body text/calendar, ``onConflict``,
  ``Idempotency-Key``): 202, ``Location``, the import. A VEVENT without DTSTART is a failure
  (``reason``: "no DTSTART"); UIDs seen before in this calendar are skipped or updated.
- ``GET /api/v1/calendars/{cal}/imports/{id}``: the import; it advances ``step`` events per
  request (so the client sees progress), or not at all while ``hold`` is set.
- ``GET /api/v1/calendars/{cal}/export``: ``export_body`` in chunks; with ``cut_after`` set
  it sends that many bytes and closes the connection without finishing the chunked body; with
  ``stall_after`` it sends that many bytes and then waits (for a Ctrl-C test).

Every route wants ``Authorization: Bearer <token>`` (401 problem+json otherwise); an unknown
calendar is a 404 problem+json."""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

IMPORTS = re.compile(r"^/api/v1/calendars/([^/]+)/imports(?:/([^/]+))?$")
EXPORT = re.compile(r"^/api/v1/calendars/([^/]+)/export$")


@dataclass
class Standin:
    token: str
    calendars: set[str] = field(default_factory=lambda: {"room"})
    step: int = 2
    hold: threading.Event = field(default_factory=threading.Event)
    export_body: bytes = b""
    cut_after: int | None = None
    stall_after: int | None = None
    imports: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    keys: list[str | None] = field(default_factory=list)
    by_key: dict[tuple[str, str], str] = field(default_factory=dict)
    uids: dict[str, set[str]] = field(default_factory=dict)
    export_queries: list[dict[str, list[str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> tuple[ThreadingHTTPServer, str]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                standin.post(self)

            def do_GET(self) -> None:
                standin.get(self)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"

    # -- answers -------------------------------------------------------------------------

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, **headers: str) -> None:
        data = json.dumps(body).encode()
        h.send_response(status)
        kind = "application/problem+json" if status >= 400 else "application/json"
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(data)

    def _problem(self, h: BaseHTTPRequestHandler, status: int, title: str, detail: str) -> None:
        self._send(
            h, status, {"type": "about:blank", "title": title, "status": status, "detail": detail}
        )

    def _allowed(self, h: BaseHTTPRequestHandler, cal: str) -> bool:
        if h.headers.get("Authorization") != f"Bearer {self.token}":
            self._problem(h, 401, "Authentication required", "the token is unknown or revoked")
            return False
        if cal not in self.calendars:
            self._problem(h, 404, "Not found", f"no calendar with id {cal!r}")
            return False
        return True

    def post(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        match = IMPORTS.match(url.path)
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        if not match or match.group(2) or not self._allowed(h, match.group(1)):
            if not match or match.group(2):
                self._problem(h, 404, "Not found", "no such route in the stand-in")
            return
        cal = match.group(1)
        on_conflict = parse_qs(url.query).get("onConflict", ["skip"])[0]
        key = h.headers.get("Idempotency-Key")
        self.keys.append(key)
        if key and (cal, key) in self.by_key:
            job = self.imports[self.by_key[(cal, key)]]
        else:
            events = _events(body)
            job = {
                "id": uuid.uuid4().hex,
                "calendarId": cal,
                "status": "queued",
                "onConflict": on_conflict,
                "total": len(events),
                "processed": 0,
                "created": 0,
                "updated": 0,
                "skipped": 0,
                "failed": 0,
                "failures": [],
                "error": None,
                "createdAt": "2026-12-05T16:00:00Z",
                "finishedAt": None,
            }
            self.imports[job["id"]] = job
            self.pending[job["id"]] = events
            if key:
                self.by_key[(cal, key)] = job["id"]
        where = f"/api/v1/calendars/{cal}/imports/{job['id']}"
        self._send(h, 202, job, Location=where)

    def get(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        match = IMPORTS.match(url.path)
        if match and match.group(2):
            if not self._allowed(h, match.group(1)):
                return
            job = self.imports.get(match.group(2))
            if job is None:
                self._problem(h, 404, "Not found", "no such import")
                return
            if not self.hold.is_set():
                self._advance(job)
            self._send(h, 200, job)
            return
        match = EXPORT.match(url.path)
        if match:
            if self._allowed(h, match.group(1)):
                self.export_queries.append(parse_qs(url.query))
                self._export(h, match.group(1))
            return
        self._problem(h, 404, "Not found", "no such route in the stand-in")

    def _advance(self, job: dict[str, Any]) -> None:
        seen = self.uids.setdefault(job["calendarId"], set())
        todo = self.pending[job["id"]]
        job["status"] = "running"
        for uid, start in todo[: self.step]:
            if start is None:
                job["failed"] += 1
                job["failures"].append({"uid": uid, "reason": "no DTSTART"})
            elif uid in seen:
                job["updated" if job["onConflict"] == "update" else "skipped"] += 1
            else:
                seen.add(uid)
                job["created"] += 1
            job["processed"] += 1
        del todo[: self.step]
        if not todo:
            job["status"] = "done"
            job["finishedAt"] = "2026-12-05T16:00:05Z"

    def _export(self, h: BaseHTTPRequestHandler, cal: str) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/calendar; charset=utf-8")
        h.send_header("Content-Disposition", f'attachment; filename="{cal}.ics"')
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        body = self.export_body
        limit = self.cut_after if self.cut_after is not None else self.stall_after
        sent = body if limit is None else body[:limit]
        for i in range(0, len(sent), 1000):
            part = sent[i : i + 1000]
            h.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            h.wfile.flush()
        if self.stall_after is not None:
            self.release.wait(30)
        if limit is None:
            h.wfile.write(b"0\r\n\r\n")
        h.close_connection = True


def _events(body: bytes) -> list[tuple[str, str | None]]:
    """(UID, DTSTART or None) of each VEVENT; overrides of one UID count once (as grouped)."""
    found: dict[str, str | None] = {}
    text = body.decode("utf-8", "replace").replace("\r\n", "\n")
    for block in re.findall(r"BEGIN:VEVENT\n(.*?)END:VEVENT", text, re.S):
        uid = re.search(r"^UID:(.*)$", block, re.M)
        start = re.search(r"^DTSTART[^:]*:(.*)$", block, re.M)
        key = uid.group(1).strip() if uid else f"no-uid-{len(found)}"
        found.setdefault(key, start.group(1).strip() if start else None)
    return list(found.items())


def calendar_text(n: int, *, broken: tuple[int, ...] = ()) -> str:
    """A VCALENDAR of ``n`` events ``uid-0``..; those in ``broken`` have no DTSTART."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//calgate tests//EN"]
    for i in range(n):
        lines += ["BEGIN:VEVENT", f"UID:uid-{i}", "DTSTAMP:20261201T000000Z"]
        if i not in broken:
            lines += [f"DTSTART:202612{(i % 28) + 1:02d}T100000Z", "DURATION:PT1H"]
        lines += [f"SUMMARY:Event {i}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
