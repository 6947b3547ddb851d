"""``calgate calendars`` and ``calgate events list|get|create|delete``: the API's calendars and
events, as tables for people and JSON (``--json``) for scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from calgate.client.http import USAGE, ClientError
from calgate.client.options import (
    Json,
    Server,
    Token,
    TokenFile,
    Url,
    print_json,
    print_table,
    session,
)

events_app = typer.Typer(help="List, show, create and delete events.", no_args_is_help=True)

Calendar = Annotated[str, typer.Option("--calendar", "-c", help="The calendar id.")]
Start = Annotated[
    str | None, typer.Option(help="From (ISO date or date-time; default: the server's).")
]
End = Annotated[str | None, typer.Option(help="Until (ISO date or date-time).")]


def calendars(
    json_out: Json = False,
    url: Url = None,
    token: Token = None,
    token_file: TokenFile = None,
    server: Server = None,
) -> None:
    """List the calendars the token sees."""
    with session(url, token, token_file, server) as api:
        items = api.get_json("/calendars").get("items", [])
    if json_out:
        print_json(items)
        return
    print_table(
        ["ID", "NAME", "TIME ZONE", "SOURCE"],
        [[c.get("id"), c.get("name"), c.get("timeZone"), c.get("source")] for c in items],
    )


@events_app.command("list")
def events_list(
    calendar: Calendar,
    start: Start = None,
    end: End = None,
    expand: Annotated[bool, typer.Option(help="One item per occurrence of a series.")] = False,
    page_size: Annotated[
        int | None,
        typer.Option("--page-size", min=1, help="Events per request (the server's limit)."),
    ] = None,
    json_out: Json = False,
    url: Url = None,
    token: Token = None,
    token_file: TokenFile = None,
    server: Server = None,
) -> None:
    """List a calendar's events.

    Those overlapping --start..--end, every page (default range: the server's, the current
    month). --json prints one JSON array."""
    params = {k: v for k, v in (("start", start), ("end", end)) if v}
    if expand:
        params["expand"] = "true"
    if page_size:
        params["limit"] = str(page_size)
    with session(url, token, token_file, server) as api:
        items = list(api.pages(f"/calendars/{calendar}/events", params))
    if json_out:
        print_json(items)
        return
    print_table(
        ["ID", "START", "END", "TITLE"],
        [[e.get("id"), e.get("start"), e.get("end"), e.get("title")] for e in items],
    )


@events_app.command("get")
def events_get(
    event_id: Annotated[str, typer.Argument(help="The event id.")],
    calendar: Calendar,
    json_out: Json = False,
    url: Url = None,
    token: Token = None,
    token_file: TokenFile = None,
    server: Server = None,
) -> None:
    """One event, as JSON (indented unless --json)."""
    with session(url, token, token_file, server) as api:
        event = api.get_json(f"/calendars/{calendar}/events/{event_id}")
    print_json(event, pretty=not json_out)


def _body(data: Path | None, fields: dict[str, str | None]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if data is not None:
        text = sys.stdin.read() if str(data) == "-" else _read(data)
        try:
            body = json.loads(text)
        except ValueError as exc:
            raise ClientError(f"--data is not JSON: {exc}", USAGE) from exc
        if not isinstance(body, dict):
            raise ClientError("--data must hold one JSON object (an event)", USAGE)
    body.update({k: v for k, v in fields.items() if v is not None})
    if "start" not in body:
        raise ClientError("an event needs a start: --start or a 'start' in --data", USAGE)
    return body


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ClientError(f"cannot read {path}: {exc.strerror}", USAGE) from exc


@events_app.command("create")
def events_create(
    calendar: Calendar,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="A JSON file with the event (the API's POST body); - : stdin.",
        ),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title.")] = None,
    start: Start = None,
    end: End = None,
    time_zone: Annotated[str | None, typer.Option("--time-zone", help="IANA zone.")] = None,
    location: Annotated[str | None, typer.Option(help="Location.")] = None,
    description: Annotated[str | None, typer.Option(help="Description.")] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            "--idempotency-key",
            help="Sent as Idempotency-Key: running the command again with the same key and "
            "body creates the event once (the server keeps keys 24 h).",
        ),
    ] = None,
    json_out: Json = False,
    url: Url = None,
    token: Token = None,
    token_file: TokenFile = None,
    server: Server = None,
) -> None:
    """Create an event.

    From --data and/or --title/--start/--end (the options win over the file's fields); prints
    the new id (--json: the event)."""
    fields = {
        "title": title,
        "start": start,
        "end": end,
        "timeZone": time_zone,
        "location": location,
        "description": description,
    }
    with session(url, token, token_file, server) as api:
        body = _body(data, fields)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        event = api.request(
            "POST", f"/calendars/{calendar}/events", json=body, headers=headers
        ).json()
    if json_out:
        print_json(event)
    else:
        typer.echo(event.get("id", ""))


@events_app.command("delete")
def events_delete(
    event_id: Annotated[str, typer.Argument(help="The event id.")],
    calendar: Calendar,
    url: Url = None,
    token: Token = None,
    token_file: TokenFile = None,
    server: Server = None,
) -> None:
    """Delete an event (a whole series, when it is one)."""
    with session(url, token, token_file, server) as api:
        api.request("DELETE", f"/calendars/{calendar}/events/{event_id}")
    typer.echo(f"deleted {event_id}", err=True)
