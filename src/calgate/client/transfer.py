"""``calgate import`` and ``calgate export``: whole calendars as iCalendar, with progress.

Import posts the file once with an ``Idempotency-Key`` derived from the calendar, the file and
``--on-conflict``: a re-run after Ctrl-C or a lost connection joins the import the server
already has instead of starting a second one, then follows it to the end. Export streams into a
hidden temporary file beside the target and renames it only when the calendar arrived whole,
so an interruption leaves the old file (or none), never half of one."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import niquests
import typer

from calgate.client.http import ERROR, PARTIAL, USAGE, Api, ClientError, reason_of
from calgate.client.options import Json, Quiet, Server, Token, TokenFile, Url, print_json, session
from calgate.client.progress import Reporter

POLL_FIRST = 0.3  # seconds; the wait between polls grows to POLL_MAX
POLL_MAX = 2.0
CHUNK = 64 * 1024
VEVENT = b"BEGIN:VEVENT"


class OnConflict(StrEnum):
    skip = "skip"
    update = "update"
    fail = "fail"
    newUid = "newUid"  # the API's spelling


def idempotency_key(calendar: str, content: bytes, on_conflict: str) -> str:
    digest = hashlib.sha256()
    for part in (calendar.encode(), on_conflict.encode(), content):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return "cli-import-" + digest.hexdigest()


def import_(
    file: Annotated[Path, typer.Argument(help="The .ics file (- : stdin).")],
    calendar: Annotated[str, typer.Option("--calendar", "-c", help="The calendar id.")],
    on_conflict: Annotated[
        OnConflict, typer.Option("--on-conflict", help="When a UID is there already.")
    ] = OnConflict.skip,
    json_out: Json = False,
    quiet: Quiet = False,
    url: Url = None,
    token: Token = None,
    token_file: TokenFile = None,
    server: Server = None,
) -> None:
    """Import an .ics file into a calendar.

    Follows the server's import job to the end. Exit 3 when some events failed (each with
    its UID and reason on stderr). Safe to run again: the same file joins the same import."""
    with session(url, token, token_file, server) as api:
        content = _read_input(file)
        key = idempotency_key(calendar, content, on_conflict.value)
        with Reporter(f"import {calendar}", "events", quiet=quiet) as progress:
            answer = api.request(
                "POST",
                f"/calendars/{calendar}/imports",
                params={"onConflict": on_conflict.value},
                data=content,
                headers={"Content-Type": "text/calendar", "Idempotency-Key": key},
            )
            where = answer.headers.get("Location") or (
                f"/calendars/{calendar}/imports/{answer.json()['id']}"
            )
            if answer.headers.get("Idempotent-Replayed") == "true" and not quiet:
                typer.echo(  # a re-run: say why it reports what the first run did
                    f"this file was imported before ({answer.json()['id']}): its counts follow; "
                    "nothing is imported twice",
                    err=True,
                )
            state = _follow(api, str(where), answer.json(), progress)
        _report(state, json_out=json_out, quiet=quiet)


def _read_input(file: Path) -> bytes:
    if str(file) == "-":
        return sys.stdin.buffer.read()
    try:
        return file.read_bytes()
    except OSError as exc:
        raise ClientError(f"cannot read {file}: {exc.strerror}", USAGE) from exc


def _follow(api: Api, where: str, state: dict[str, Any], progress: Reporter) -> dict[str, Any]:
    wait = POLL_FIRST
    while True:
        progress.update(int(state.get("processed") or 0), state.get("total"))
        if state.get("status") in ("done", "failed"):
            return state
        time.sleep(wait)
        wait = min(wait * 1.5, POLL_MAX)
        state = api.get_json(where)


def _report(state: dict[str, Any], *, json_out: bool, quiet: bool) -> None:
    if json_out:
        print_json(state)
    for failure in state.get("failures") or []:
        uid = failure.get("uid") or "(no UID)"
        outcome = failure.get("outcome") or "failed"
        typer.echo(f"{outcome} {uid}: {failure.get('reason')}", err=True)
    if state.get("status") == "failed":
        raise ClientError(f"the import failed: {state.get('error') or 'no reason given'}", ERROR)
    if not json_out and not quiet:
        typer.echo(
            f"created {state.get('created', 0)}, updated {state.get('updated', 0)}, "
            f"skipped {state.get('skipped', 0)}, failed {state.get('failed', 0)}"
        )
    if state.get("failed"):
        raise ClientError(f"{state['failed']} event(s) not imported", PARTIAL)


def export(
    calendar: Annotated[str, typer.Option("--calendar", "-c", help="The calendar id.")],
    start: Annotated[str | None, typer.Option(help="From (default: everything).")] = None,
    end: Annotated[str | None, typer.Option(help="Until.")] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="Write here (- or none: stdout).")
    ] = "-",
    quiet: Quiet = False,
    url: Url = None,
    token: Token = None,
    token_file: TokenFile = None,
    server: Server = None,
) -> None:
    """Export a calendar as one .ics file.

    To a file: written whole or not at all (a temporary file beside it, renamed at the end)."""
    params = {k: v for k, v in (("start", start), ("end", end)) if v}
    with session(url, token, token_file, server) as api:
        answer = api.request("GET", f"/calendars/{calendar}/export", params=params, stream=True)
        with Reporter(f"export {calendar}", "bytes", quiet=quiet) as progress:
            if output == "-":
                events = _copy(answer, sys.stdout.buffer, progress)
                sys.stdout.buffer.flush()
            else:
                events = _to_file(answer, Path(output), progress)
        if not quiet:
            where = "stdout" if output == "-" else output
            typer.echo(f"exported {events} event(s) to {where}", err=True)


def _to_file(answer: Any, target: Path, progress: Reporter) -> int:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ClientError(f"no folder {folder} for {target}", USAGE)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            events = _copy(answer, out, progress)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return events


def _copy(answer: Any, out: IO[bytes], progress: Reporter) -> int:
    """Copy the body, counting bytes and VEVENTs; refuse a body that stops before its
    END:VCALENDAR (a server or connection that gave up midway)."""
    done = events = 0
    tail = last = b""
    try:
        for chunk in answer.iter_content(CHUNK):
            if not chunk:
                continue
            out.write(chunk)
            done += len(chunk)
            events += (tail + chunk).count(VEVENT)
            tail = chunk[-(len(VEVENT) - 1) :]
            last = (last + chunk)[-64:]
            progress.update(done, None)
    except niquests.exceptions.RequestException as exc:
        raise ClientError(
            f"the export stopped after {done} bytes: {reason_of(exc)}", ERROR
        ) from exc
    if not last.rstrip().endswith(b"END:VCALENDAR"):
        raise ClientError(f"the export stopped after {done} bytes (no END:VCALENDAR)", ERROR)
    return events
