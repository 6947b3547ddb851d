"""calgate's one settings object. Built once (``Settings()`` reads ``CALGATE_*`` environment
variables and an optional ``.env``), then passed in; nothing here touches the disk or network.

The configuration table in docs/configuration.md is generated from this model
(``python -m calgate.docs``) and a test fails when they drift apart.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    max_window_days: int = Field(
        366, gt=0, description="Longest time window one listing may ask for, in days."
    )
    log_level: str = Field("INFO", description="Python log level of calgate's own loggers.")

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
