"""Which server a client command talks to, and with which token.

Sources, first match wins (docs/cli.md "Choosing the server"):

- URL: ``--url``; else the ``--server NAME`` entry (or ``CALGATE_SERVER``); else ``CALGATE_URL``;
  else the config file's ``default`` entry.
- token: ``--token`` or ``--token-file``; else ``CALGATE_TOKEN`` or ``CALGATE_TOKEN_FILE``; else
  the token of the config entry the URL came from. A config entry's token is never sent to a
  URL that came from elsewhere.

The config file is ``$XDG_CONFIG_HOME/calgate/client.toml`` (``~/.config/...`` by default, or
``CALGATE_CLIENT_CONFIG``)::

    default = "work"
    [servers.work]
    url = "https://calgate.example.org"
    token_file = "~/.config/calgate/work.token"   # or token = "cg_..."

A file holding a token that others may read earns a warning on stderr (not a refusal: the
owner decides)."""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calgate.client.http import USAGE, ClientError, Connection


@dataclass(frozen=True)
class Choice:
    """What the command line said (None: not given)."""

    url: str | None = None
    token: str | None = None
    token_file: Path | None = None
    server: str | None = None


def config_path(env: Mapping[str, str]) -> Path:
    if env.get("CALGATE_CLIENT_CONFIG"):
        return Path(env["CALGATE_CLIENT_CONFIG"]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "calgate" / "client.toml"


def _warn_if_readable(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        print(
            f"warning: {path} holds a token and others may read it (chmod 600 {path})",
            file=sys.stderr,
        )


def _read_token_file(path: Path) -> str:
    path = path.expanduser()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ClientError(f"cannot read the token file {path}: {exc.strerror}", USAGE) from exc
    _warn_if_readable(path)
    if not text:
        raise ClientError(f"the token file {path} is empty", USAGE)
    return text


def load_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ClientError(f"cannot read {path}: {exc}", USAGE) from exc
    return data


def _entry(config: Mapping[str, Any], name: str, path: Path) -> Mapping[str, Any]:
    servers = config.get("servers") or {}
    entry = servers.get(name) if isinstance(servers, Mapping) else None
    if not isinstance(entry, Mapping) or not isinstance(entry.get("url"), str):
        known = ", ".join(sorted(servers)) if isinstance(servers, Mapping) else ""
        raise ClientError(
            f"no server {name!r} with a url in {path}" + (f" (known: {known})" if known else ""),
            USAGE,
        )
    return entry


def _entry_token(entry: Mapping[str, Any], path: Path) -> str | None:
    if isinstance(entry.get("token"), str):
        _warn_if_readable(path)
        return str(entry["token"])
    if isinstance(entry.get("token_file"), str):
        return _read_token_file(Path(entry["token_file"]))
    return None


def resolve(choice: Choice, env: Mapping[str, str] | None = None) -> Connection:
    """The connection a command uses, by the rules in the module docstring."""
    env = os.environ if env is None else env
    path = config_path(env)
    config = load_config(path)
    server = choice.server or env.get("CALGATE_SERVER") or None
    entry: Mapping[str, Any] | None = None
    if choice.url:
        url: str | None = choice.url
    elif server:
        entry = _entry(config, server, path)
        url = str(entry["url"])
    elif env.get("CALGATE_URL"):
        url = env["CALGATE_URL"]
    elif isinstance(config.get("default"), str):
        entry = _entry(config, config["default"], path)
        url = str(entry["url"])
    else:
        url = None
    if not url:
        raise ClientError(
            f"no server: give --url, set CALGATE_URL, or name a default in {path}", USAGE
        )
    if not url.startswith(("http://", "https://")):
        raise ClientError(f"the server URL must start with http:// or https://: {url}", USAGE)
    if choice.token:
        token: str | None = choice.token
    elif choice.token_file:
        token = _read_token_file(choice.token_file)
    elif env.get("CALGATE_TOKEN"):
        token = env["CALGATE_TOKEN"]
    elif env.get("CALGATE_TOKEN_FILE"):
        token = _read_token_file(Path(env["CALGATE_TOKEN_FILE"]))
    else:
        token = _entry_token(entry, path) if entry is not None else None
    return Connection(url=url.rstrip("/"), token=token)
