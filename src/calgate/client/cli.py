"""Puts the client commands on the ``calgate`` typer app, in their own help panel."""

from __future__ import annotations

import typer

from calgate.client.commands import calendars, events_app
from calgate.client.transfer import export, import_

EXIT_CODES_HELP = (
    "Exit codes of the client commands: 0 ok, 1 error (server or network), 2 usage, "
    "3 partial failure (an import with failed events), 4 auth (401/403), 5 not found (404), "
    "130 interrupted (Ctrl-C). See docs/cli.md."
)


def register_client(app: typer.Typer, panel: str) -> None:
    app.command("calendars", rich_help_panel=panel)(calendars)
    app.add_typer(events_app, name="events", rich_help_panel=panel)
    app.command("import", rich_help_panel=panel)(import_)
    app.command("export", rich_help_panel=panel)(export)
