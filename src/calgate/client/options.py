"""The options every client command shares (connection, output) and the wrapper that turns a
:class:`ClientError` or Ctrl-C into its message and exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from calgate.client.config import Choice, resolve
from calgate.client.http import INTERRUPTED, Api, ClientError, open_api

PANEL = "Connection"

Url = Annotated[
    str | None,
    typer.Option("--url", help="The server's base URL (env CALGATE_URL).", rich_help_panel=PANEL),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="API token (env CALGATE_TOKEN; --token-file keeps it out of shell history).",
        rich_help_panel=PANEL,
    ),
]
TokenFile = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help="Read the token from this file (env CALGATE_TOKEN_FILE).",
        rich_help_panel=PANEL,
    ),
]
Server = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="A server named in the client config file (env CALGATE_SERVER).",
        rich_help_panel=PANEL,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Machine output (JSON) on stdout.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or notes on stderr.")]


@contextmanager
def session(
    url: str | None, token: str | None, token_file: Path | None, server: str | None
) -> Iterator[Api]:
    """The API session for the chosen server; errors and Ctrl-C end the command with their
    exit code (docs/cli.md "Exit codes")."""
    try:
        connection = resolve(Choice(url=url, token=token, token_file=token_file, server=server))
        with open_api(connection) as api:
            yield api
    except ClientError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(exc.code) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(INTERRUPTED) from None


def print_json(value: Any, *, pretty: bool = False) -> None:
    sys.stdout.write(json.dumps(value, indent=2 if pretty else None, ensure_ascii=False) + "\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Plain aligned columns (no colours: the output may be piped)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
