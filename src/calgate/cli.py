"""The ``calgate`` command. Two halves, shown apart in ``--help``: "Run a server" (serve,
worker, token, source, reindex, outbox, clear-bookings: they act on the local data folder) and
"Talk to a server" (calendars, events, import, export: HTTP clients of a running calgate, in
:mod:`calgate.client`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from calgate import __version__
from calgate.client.cli import EXIT_CODES_HELP, register_client
from calgate.domain.access import Role
from calgate.errors import CalgateError

if TYPE_CHECKING:  # the server's stack loads only for the commands that run it (the client
    # commands start in a fraction of the time)
    from calgate.runtime import Runtime
    from calgate.settings import Settings

SERVER = "Run a server (on this machine's data folder)"
CLIENT = "Talk to a server (over its HTTP API)"

app = typer.Typer(
    help="calgate: a REST/JSON API for calendar events on any CalDAV calendar.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
source_app = typer.Typer(help="CalDAV sources.", no_args_is_help=True)
app.add_typer(token_app, name="token", rich_help_panel=SERVER)
app.add_typer(source_app, name="source", rich_help_panel=SERVER)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder (env CALGATE_DATA_DIR; default ./calgate-data)."),
]


def quiet_expected_warnings() -> None:
    """icalendar warns when it maps a vendor-prefixed TZID (``/vendor/Europe/Berlin``) to an
    IANA zone; that mapping is what calgate wants, and odd server data is not an alarm."""
    import warnings

    from icalendar.error import GloballyUniqueTZIDGuessed

    warnings.filterwarnings("ignore", category=GloballyUniqueTZIDGuessed)


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    from calgate.settings import Settings

    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)  # type: ignore[arg-type]


@contextmanager
def _runtime(data_dir: Path | None) -> Iterator[Runtime]:
    """The parts an admin command needs: the database only (no embedded server, no jobs)."""
    from calgate.lifecycle import Lifecycle

    lifecycle = Lifecycle(_settings(data_dir))
    lifecycle.start(serve=False)
    try:
        yield lifecycle.runtime
    finally:
        lifecycle.stop()


def _fail(exc: CalgateError) -> typer.Exit:
    typer.echo(f"error: {exc.detail}", err=True)
    for err in getattr(exc, "errors", []):
        typer.echo(f"  {err.pointer}: {err.detail}", err=True)
    return typer.Exit(code=1)


@app.command(rich_help_panel=SERVER)
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default 8000).")] = None,
) -> None:
    """Run calgate (and the embedded CalDAV store)."""
    import uvicorn

    from calgate.api.app import create_app
    from calgate.lifecycle import Lifecycle

    settings = _settings(data_dir, host=host, port=port)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    quiet_expected_warnings()
    lifecycle = Lifecycle(settings)
    report = lifecycle.start()
    base = settings.effective_public_url
    typer.echo(f"calgate {__version__}")
    typer.echo(f"  API:     {base}/api/v1/")
    typer.echo(f"  Docs:    {base}/api/docs")
    typer.echo(f"  Web UI:  {base}/ui/   (sign in with a token)")
    if lifecycle.runtime.embedded is not None:
        typer.echo(f"  CalDAV:  {base}/dav/   (any user name, a calgate token as the password)")
    typer.echo(f"  Data:    {settings.data_dir}")
    if report.admin_token is not None:
        typer.echo("")
        typer.echo(f"  Admin token (shown once, keep it): {report.admin_token.secret}")
        typer.echo(
            f"  Try: curl -H 'Authorization: Bearer {report.admin_token.secret}' "
            f"{base}/api/v1/calendars"
        )
    elif settings.admin_token is not None:
        typer.echo("  Admin token: the one in CALGATE_ADMIN_TOKEN.")
    else:
        typer.echo(
            "  Admin token: made on first start (not shown again); "
            "'calgate token create --role admin' makes another."
        )
    typer.echo("", nl=True)
    uvicorn.run(
        create_app(lifecycle=lifecycle),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
    )


@app.command(rich_help_panel=SERVER)
def worker(data_dir: DataDir = None) -> None:
    """Run the background jobs only (webhook delivery, mail, sync, clearing): no HTTP. Beside
    API processes started with CALGATE_BACKGROUND_JOBS=false, on one PostgreSQL database."""
    import signal
    import threading

    from calgate.lifecycle import Lifecycle

    settings = _settings(data_dir, background_jobs=True)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    quiet_expected_warnings()
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    lifecycle = Lifecycle(settings)
    report = lifecycle.start()
    typer.echo(f"calgate {__version__} worker (background jobs, no HTTP)")
    typer.echo(f"  Data:    {settings.data_dir}")
    if report.admin_token is not None:
        typer.echo(f"  Admin token (shown once, keep it): {report.admin_token.secret}")
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        lifecycle.stop()


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="read, write or admin.")] = Role.read,
    calendar: Annotated[
        list[str] | None,
        typer.Option("--calendar", help="A calendar id (repeat); none: all calendars."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="A label.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Make a token and print its secret (shown once)."""
    from calgate.services import tokens

    with _runtime(data_dir) as runtime:
        try:
            with runtime.db.session() as session:
                made = tokens.create_token(
                    session, role=role, calendars=calendar or None, name=name
                )
                secret, token_id = made.secret, made.row.id
        except CalgateError as exc:
            raise _fail(exc) from exc
    typer.echo(f"{token_id}\t{secret}")


@token_app.command("list")
def token_list(data_dir: DataDir = None) -> None:
    """List active tokens (no secrets)."""
    from calgate.services import tokens

    with _runtime(data_dir) as runtime, runtime.db.session() as session:
        for row in tokens.list_tokens(session):
            cals = ",".join(row.calendars) if row.calendars is not None else "*"
            typer.echo(f"{row.id}\t{row.role}\t{cals}\t{row.prefix}...\t{row.name or ''}")


@token_app.command("revoke")
def token_revoke(token_id: str, data_dir: DataDir = None) -> None:
    """Revoke a token at once (API and /dav/)."""
    from calgate.services import tokens

    with _runtime(data_dir) as runtime:
        try:
            with runtime.db.session() as session:
                tokens.revoke_token(session, token_id)
        except CalgateError as exc:
            raise _fail(exc) from exc
    typer.echo(f"revoked {token_id}")


@source_app.command("add")
def source_add(
    url: str,
    username: Annotated[str | None, typer.Option(help="User name (basic/digest).")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="Password (or env CALGATE_SOURCE_PASSWORD).", envvar="CALGATE_SOURCE_PASSWORD"
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="Bearer token, e.g. a Confluence PAT (or env CALGATE_SOURCE_TOKEN).",
            envvar="CALGATE_SOURCE_TOKEN",
        ),
    ] = None,
    auth_type: Annotated[
        str | None, typer.Option("--auth-type", help="basic | digest | bearer.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A label.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Connect a CalDAV server and list the calendars found."""
    from pydantic import ValidationError

    from calgate.schemas.sources import SourceCreate
    from calgate.services import sources

    try:
        body = SourceCreate.model_validate(
            {
                "url": url,
                "username": username,
                "password": password,
                "token": token,
                "authType": auth_type,
                "name": name,
            }
        )
    except ValidationError as exc:
        typer.echo(f"error: {exc.errors()[0]['msg']}", err=True)
        raise typer.Exit(code=2) from exc
    with _runtime(data_dir) as runtime:
        try:
            with runtime.db.session() as session:
                row = sources.get_source(session, sources.add_source(runtime, body))
                cals = [(c.id, c.name) for c in sources.source_calendars(session, row.id)]
                source_id = row.id
        except CalgateError as exc:
            raise _fail(exc) from exc
    typer.echo(f"source {source_id}")
    for cal_id, cal_name in cals:
        typer.echo(f"  calendar {cal_id}\t{cal_name}")


@source_app.command("list")
def source_list(data_dir: DataDir = None) -> None:
    """List sources as JSON lines (no credentials)."""
    from calgate.services import sources

    with _runtime(data_dir) as runtime, runtime.db.session() as session:
        for row in sources.list_sources(session):
            typer.echo(
                json.dumps(
                    {
                        "id": row.id,
                        "kind": row.kind,
                        "url": row.url,
                        "username": row.username,
                        "authType": row.auth_type,
                    }
                )
            )


@app.command(rich_help_panel=SERVER)
def reindex(
    calendar: Annotated[
        list[str] | None, typer.Option("--calendar", help="A calendar id (repeat); none: all.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Rebuild the local index from the CalDAV servers (the store of record): nothing is lost.
    Change-feed tokens from before answer 410, so clients resync."""
    from sqlalchemy import select

    from calgate.db.models import CalendarRow, SourceRow

    with _runtime(data_dir) as runtime:
        with runtime.db.session() as session:
            query = select(CalendarRow, SourceRow).join(SourceRow).order_by(CalendarRow.id)
            if calendar:
                query = query.where(CalendarRow.id.in_(calendar))
            pairs = [(c, s) for c, s in session.execute(query)]
        if calendar and len(pairs) != len(set(calendar)):
            found = {c.id for c, _ in pairs}
            typer.echo(
                f"error: unknown calendar(s): {', '.join(sorted(set(calendar) - found))}", err=True
            )
            raise typer.Exit(code=1)
        for cal, source in pairs:
            try:
                report = runtime.indexer.rebuild(cal, source)
            except CalgateError as exc:
                typer.echo(f"{cal.id}: failed: {exc.detail}", err=True)
                continue
            typer.echo(f"{cal.id}: {report.fetched} events indexed ({report.mode})")


@app.command(rich_help_panel=SERVER)
def outbox(
    deliver: Annotated[
        bool, typer.Option("--deliver", help="Send the waiting mails now, backoff or not.")
    ] = False,
    retry_failed: Annotated[
        bool,
        typer.Option("--retry-failed", help="With --deliver: also retry mails refused for good."),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Notification mails: counts of waiting, failed and sent mails; --deliver sends now."""
    from calgate.mail import outbox as mail_outbox

    with _runtime(data_dir) as runtime:
        if deliver:
            if not runtime.settings.smtp_enabled:
                typer.echo("error: no SMTP server configured (SMTP_SERVER)", err=True)
                raise typer.Exit(code=1)
            with runtime.db.session() as session:
                mail_outbox.make_due_now(session, retry_failed=retry_failed)
            report = mail_outbox.deliver_due(runtime.settings, runtime.db.session)
            typer.echo(
                f"delivered: {report.sent} sent, {report.retrying} waiting for a retry, "
                f"{report.failed} refused for good"
            )
            for error in report.errors:
                typer.echo(f"  {error}", err=True)
        with runtime.db.session() as session:
            state = mail_outbox.status(session)
    next_at = state.next_attempt_at.isoformat() if state.next_attempt_at else "-"
    typer.echo(f"pending\t{state.pending}\t(retrying {state.retrying}, next try {next_at})")
    typer.echo(f"failed\t{state.failed}")
    typer.echo(f"sent\t{state.sent}")
    for error in state.last_errors:
        typer.echo(f"  last error: {error}")


@app.command("clear-bookings", rich_help_panel=SERVER)
def clear_bookings(
    calendar: Annotated[
        list[str] | None,
        typer.Option("--calendar", help="A calendar id (repeat); none: every autoClear one."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report only; change nothing.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Delete cancelled bookings and resolve overlapping ones (docs/booking.md); prints one
    JSON report per calendar. A calendar whose server fails does not stop the others: it is
    printed as {"calendar", "status", "detail"} on stderr, and the exit code is 1."""
    from sqlalchemy import select

    from calgate.db.models import CalendarRow, SourceRow
    from calgate.services.clearing import clear_each, report

    with _runtime(data_dir) as runtime:
        try:
            with runtime.db.session() as session:
                query = select(CalendarRow, SourceRow).join(SourceRow).order_by(CalendarRow.id)
                rows = [(c, s) for c, s in session.execute(query)]
            wanted = set(calendar or [])
            unknown = wanted - {c.id for c, _ in rows}
            if unknown:
                typer.echo(f"error: no calendar {', '.join(sorted(unknown))}", err=True)
                raise typer.Exit(code=2)
            chosen = [(c, s) for c, s in rows if (c.id in wanted if wanted else c.auto_clear)]
            outcomes, failures = clear_each(runtime, chosen, dry_run=dry_run)
            for outcome in outcomes:
                typer.echo(json.dumps(report(outcome)))
            for failure in failures:
                typer.echo(json.dumps(failure.as_dict()), err=True)
            if failures:
                raise typer.Exit(code=1)
        except CalgateError as exc:
            raise _fail(exc) from exc


@app.command(rich_help_panel=SERVER)
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


register_client(app, CLIENT)


def main() -> None:
    app()
