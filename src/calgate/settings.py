"""calgate's one settings object. Built once (``Settings()`` reads ``CALGATE_*`` environment
variables and an optional ``.env``), then passed in; nothing here touches the disk or network.

The configuration table in docs/configuration.md is generated from this model
(``python -m calgate.docs``) and a test fails when they drift apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from calgate.domain.addresses import address_problem


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALGATE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path("calgate-data"),
        description="Folder for the SQLite database, the embedded CalDAV store and the generated "
        "secret key.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the metadata database, e.g. "
        "`postgresql+psycopg://user@host/db`. Default: SQLite in the data folder.",
    )
    host: str = Field("127.0.0.1", description="Address `calgate serve` listens on.")
    port: int = Field(8000, ge=0, le=65535, description="Port `calgate serve` listens on.")
    public_url: str | None = Field(
        None,
        description="Base URL clients use to reach calgate (for printed URLs and links). "
        "Default: `http://HOST:PORT`.",
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Fix the admin token instead of generating one on first start "
        "(for automation).",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Fernet key that encrypts upstream credentials at rest. "
        "Default: generated once into `DATA_DIR/secret.key`.",
    )
    embedded: bool = Field(
        True,
        description="Run the embedded Radicale CalDAV store (served at `/dav/`) and its `default` "
        "calendar.",
    )
    default_time_zone: str = Field(
        "UTC",
        description="Time zone for new calendars, used for local times sent without a `timeZone`.",
    )
    upstream_timeout: float = Field(
        30.0, gt=0, description="Seconds to wait for a CalDAV server before answering 504."
    )
    upstream_concurrency: int = Field(
        8,
        gt=0,
        description="Requests calgate has in flight to one source's CalDAV server at most (its "
        "bulkhead); more wait for a slot.",
    )
    upstream_queue_wait: float = Field(
        1.0,
        ge=0,
        description="Seconds a request waits for one of its source's slots before it is answered "
        "503 (the server is not keeping up), or read from the index.",
    )
    upstream_read_deadline: float = Field(
        3.0,
        gt=0,
        description="Seconds a read waits for its calendar's sync before it is answered from the "
        "index as it stands, marked `CalGate-Stale`.",
    )
    worker_threads: int = Field(
        200,
        gt=0,
        description="Threads serving requests (and waiting on CalDAV servers) in one process.",
    )
    max_expansion: int = Field(
        5000,
        gt=0,
        description="Most occurrences one `expand=true` listing may produce before it is refused "
        "with a 422.",
    )
    index_max_age: float = Field(
        5.0,
        ge=0,
        description="Seconds a calendar's index may be old before a read syncs it with the "
        "server first; the background loop keeps recently read calendars this fresh.",
    )
    background_sync: bool = Field(
        True, description="Keep recently read calendars in sync from a background thread."
    )
    background_jobs: bool = Field(
        True,
        description="Run the background jobs (webhook delivery, mail, the background sync, the "
        "clearing schedule) in this process; `false` for API-only processes beside `calgate "
        'worker` processes (docs/operations.md, "Several processes on one PostgreSQL").',
    )
    max_window_days: int = Field(
        366, gt=0, description="Longest time window one listing may ask for, in days."
    )
    log_level: str = Field("INFO", description="Python log level of calgate's own loggers.")
    clear_interval: float = Field(
        300.0,
        ge=0,
        description="Seconds between clearing passes over the calendars marked `autoClear` "
        "(docs/booking.md); 0 turns the schedule off.",
    )

    # -- input limits (docs/operations.md, "Input limits") ----------------------------------
    max_body_bytes: int = Field(
        1_048_576,
        ge=1024,
        description="Largest request body the API reads (JSON or `text/calendar`), in bytes; a "
        "larger one is a 413 before anything is parsed.",
    )
    max_json_depth: int = Field(
        32,
        ge=8,
        le=256,
        description="Deepest nesting of arrays and objects in a JSON body; deeper is a 422 before "
        "the body is parsed (a JSCalendar Event with overrides needs about 8).",
    )
    max_text_chars: int = Field(
        1000,
        ge=1,
        description="Longest title, location, name or category of an event, in characters; "
        "longer is a 422 naming the field.",
    )
    max_long_text_chars: int = Field(
        65_536,
        ge=1,
        description="Longest description, alert text or URL of an event, in characters; "
        "longer is a 422 naming the field.",
    )
    max_attendees: int = Field(
        1000,
        ge=1,
        description="Most attendees (JSCalendar participants) one event may have; more is a 422.",
    )
    max_categories: int = Field(
        100,
        ge=1,
        description="Most categories (JSCalendar keywords and categories) one event may have; "
        "more is a 422.",
    )
    max_alerts: int = Field(
        50, ge=1, description="Most alerts (VALARMs) one event may have; more is a 422."
    )
    dav_max_body_bytes: int = Field(
        10_485_760,
        ge=1024,
        description="Largest request body `/dav/` accepts, in bytes (Radicale's "
        "`max_content_length`); a larger one is a 413.",
    )

    dav_login_failures: int = Field(
        10,
        ge=1,
        description="Failed logins (a wrong token) one client address may make on `/dav/` in a "
        "minute; more are a 429 with Retry-After. A valid token is never slowed.",
    )

    webhook_sync_interval: float = Field(
        60.0,
        ge=1.0,
        description="Seconds between syncs of the calendars a webhook endpoint watches, so "
        "changes made on their CalDAV servers are seen (and delivered) within this time.",
    )
    webhook_interval: float = Field(
        0.5,
        gt=0,
        description="Seconds between rounds of the webhook worker (new changes become "
        "messages, due messages are sent).",
    )
    import_max_bytes: int = Field(
        52_428_800,
        ge=1024,
        description="Largest `.ics` file `POST .../imports` accepts, in bytes (about 10,000 events "
        "take 5 MB); a larger one is a 413.",
    )
    import_interval: float = Field(
        1.0,
        gt=0,
        description="Seconds between rounds of the import worker (queued imports are run).",
    )
    import_lease: float = Field(
        120.0,
        gt=0,
        description="Seconds an import worker holds the import it runs (renewed after each batch "
        "of objects); an import held by a process that was killed is continued by another once "
        "this has passed.",
    )
    import_threads: int = Field(
        8,
        gt=0,
        le=64,
        description="Objects one import writes to its CalDAV server at once (within the source's "
        "`upstream_concurrency`).",
    )
    webhook_retry_scale: float = Field(
        1.0,
        gt=0,
        le=1.0,
        description="Multiplies the waits of the webhook retry schedule (tests shorten it; 1 is "
        "Standard Webhooks' schedule).",
    )
    webhook_lease: float = Field(
        60.0,
        gt=0,
        description="Seconds a webhook worker holds the messages it claimed (renewed before each "
        "attempt); a message held by a process that was killed is sent by another once this "
        "has passed. Keep it above the 15 s an attempt may take.",
    )
    webhook_allow_http: bool = Field(
        False,
        description="Let webhook endpoints use http (tests, local networks); else https only.",
    )
    webhook_allow_private: bool = Field(
        False,
        description="Let webhook endpoints be loopback, private, link-local or CGNAT addresses "
        "(tests, local networks); cloud metadata addresses stay refused.",
    )
    ics_allow_http: bool = Field(
        True,
        description="Let subscribed iCalendar feeds use plain http (many public feeds do); "
        "false: https (and webcal://, read as https) only.",
    )
    ics_allow_private: bool = Field(
        False,
        description="Let subscribed iCalendar feeds be on loopback, private, link-local or "
        "CGNAT addresses (tests, intranet feeds); cloud metadata addresses stay refused.",
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("CALGATE_ADMIN_TOKEN must be at least 16 characters")
        return value

    @field_validator("default_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'calgate.db'}"

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    # -- notification mail (docs/notifications.md) ------------------------------------------
    # Each also reads the bare name the room-booking tool uses (``SMTP_SERVER``...).
    smtp_server: str | None = Field(
        None,
        validation_alias=AliasChoices("CALGATE_SMTP_SERVER", "SMTP_SERVER", "smtp_server"),
        description="SMTP server for notification mails (also `SMTP_SERVER`). Unset: "
        "notifications are off and nothing is queued.",
    )
    smtp_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("CALGATE_SMTP_PORT", "SMTP_PORT", "smtp_port"),
        description="SMTP port (also `SMTP_PORT`). Unset: 465 with implicit TLS, 587 with "
        "STARTTLS, 25 for a plain relay.",
    )
    smtp_email: str | None = Field(
        None,
        validate_default=True,
        validation_alias=AliasChoices("CALGATE_SMTP_EMAIL", "SMTP_EMAIL", "smtp_email"),
        description="Sender address of notification mails (also `SMTP_EMAIL`); required with "
        "an SMTP server.",
    )
    smtp_user_name: str | None = Field(
        None,
        validation_alias=AliasChoices("CALGATE_SMTP_USER_NAME", "SMTP_USER_NAME", "smtp_user_name"),
        description="SMTP AUTH user name (also `SMTP_USER_NAME`). Unset: no AUTH.",
    )
    smtp_password: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("CALGATE_SMTP_PASSWORD", "SMTP_PASSWORD", "smtp_password"),
        description="SMTP AUTH password (also `SMTP_PASSWORD`).",
    )
    smtp_sender_name: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "CALGATE_SMTP_SENDER_NAME", "SMTP_SENDER_NAME", "smtp_sender_name"
        ),
        description="Display name in the `From` header (also `SMTP_SENDER_NAME`).",
    )
    smtp_bcc: str | None = Field(
        None,
        validation_alias=AliasChoices("CALGATE_SMTP_BCC", "SMTP_BCC", "smtp_bcc"),
        description="Blind copy of every notification to these addresses, comma-separated "
        "(also `SMTP_BCC`).",
    )
    smtp_starttls: bool = Field(
        False,
        validation_alias=AliasChoices("CALGATE_SMTP_STARTTLS", "SMTP_STARTTLS", "smtp_starttls"),
        description="Connect in plain text and upgrade with STARTTLS (port 587) instead of "
        "implicit TLS (also `SMTP_STARTTLS`).",
    )
    smtp_ssl: bool = Field(
        True,
        validation_alias=AliasChoices("CALGATE_SMTP_SSL", "SMTP_SSL", "smtp_ssl"),
        description="Implicit TLS (port 465). `false` with STARTTLS off: a plain relay "
        "without TLS, e.g. a local MTA (also `SMTP_SSL`).",
    )
    smtp_ca_file: Path | None = Field(
        None,
        description="PEM file of extra CA certificates to trust for the SMTP server (a private "
        "CA or a self-signed certificate). Certificates are always verified.",
    )
    smtp_timeout: float = Field(
        30.0, gt=0, description="Seconds to wait for the SMTP server in each step."
    )
    outbox_interval: float = Field(
        5.0, gt=0, description="Seconds between rounds of the mail delivery thread."
    )
    outbox_retry_base: float = Field(
        30.0,
        gt=0,
        description="Seconds before the first retry of a mail that could not be sent; the wait "
        "doubles with each failure.",
    )
    outbox_retry_max: float = Field(
        3600.0, gt=0, description="Longest wait between two tries of one mail, in seconds."
    )
    outbox_keep_days: int = Field(
        30, ge=1, description="Days a sent mail stays in the outbox before it is purged."
    )
    admin_emails: str | None = Field(
        None,
        description="Addresses told by mail about trouble that needs an administrator (a "
        "webhook endpoint disabled after failing for 5 days), comma-separated. Needs an SMTP "
        "server.",
    )

    @field_validator("smtp_email")
    @classmethod
    def _smtp_sender(cls, value: str | None, info: ValidationInfo) -> str | None:
        # a field validator, not a model one: its error shows this value only, never the
        # password among the other inputs
        if info.data.get("smtp_server") and not value:
            raise ValueError("SMTP_EMAIL (the sender address) is required with SMTP_SERVER")
        return value

    @field_validator("smtp_bcc")
    @classmethod
    def _bcc_addresses(cls, value: str | None) -> str | None:
        return _checked_addresses("SMTP_BCC", value)

    @field_validator("admin_emails")
    @classmethod
    def _admin_addresses(cls, value: str | None) -> str | None:
        return _checked_addresses("CALGATE_ADMIN_EMAILS", value)

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_server)

    @property
    def smtp_security(self) -> Literal["starttls", "ssl", "plain"]:
        if self.smtp_starttls:
            return "starttls"
        return "ssl" if self.smtp_ssl else "plain"

    @property
    def effective_smtp_port(self) -> int:
        if self.smtp_port is not None:
            return self.smtp_port
        return {"starttls": 587, "ssl": 465, "plain": 25}[self.smtp_security]

    @property
    def smtp_bcc_list(self) -> list[str]:
        return _address_list(self.smtp_bcc)

    @property
    def admin_email_list(self) -> list[str]:
        return _address_list(self.admin_emails)


def _address_list(value: str | None) -> list[str]:
    """The addresses of a comma-separated setting, blanks dropped."""
    return [a.strip() for a in (value or "").split(",") if a.strip()]


def _checked_addresses(name: str, value: str | None) -> str | None:
    for address in _address_list(value):
        problem = address_problem(address)
        if problem is not None:
            raise ValueError(f"{name}: {problem}")
    return value
