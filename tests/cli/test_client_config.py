"""Choosing the server: --url/--token, CALGATE_URL/CALGATE_TOKEN, the config file with several
servers (--server, CALGATE_SERVER, default), token files; against a real calgate serve with two
tokens that see different calendars. resolve() alone is pure code, tested as such."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx2 as httpx
import pytest

from calgate.client.config import Choice, resolve
from calgate.client.http import USAGE, ClientError
from tests.cli.conftest import CALENDAR, client_env, run_cli
from tests.robustness.process import ADMIN_TOKEN


@pytest.fixture(scope="module")
def room_token(server) -> str:
    """A read token that sees only the calendar ``room``."""
    answer = httpx.post(
        f"{server.base}/api/v1/tokens",
        json={"role": "read", "calendars": [CALENDAR]},
        headers=server.headers,
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def _config(tmp_path: Path, server, room_token: str) -> dict[str, str]:
    home = tmp_path / "xdg"
    (home / "calgate").mkdir(parents=True)
    token_file = tmp_path / "room.token"
    token_file.write_text(room_token + "\n")
    token_file.chmod(0o600)
    config = home / "calgate" / "client.toml"
    config.write_text(
        'default = "admin"\n'
        f'[servers.admin]\nurl = "{server.base}"\ntoken = "{ADMIN_TOKEN}"\n'
        f'[servers.room]\nurl = "{server.base}/"\ntoken_file = "{token_file}"\n'
    )
    config.chmod(0o600)
    return client_env(home)


def _ids(done) -> list[str]:
    assert done.code == 0, done.err
    return sorted(c["id"] for c in json.loads(done.out))


def test_config_file_with_two_servers(server, room_token, tmp_path):
    env = _config(tmp_path, server, room_token)
    assert _ids(run_cli("calendars", "--json", env=env)) == ["default", CALENDAR]
    assert _ids(run_cli("calendars", "--json", "--server", "room", env=env)) == [CALENDAR]
    assert _ids(run_cli("calendars", "--json", env={**env, "CALGATE_SERVER": "room"})) == [CALENDAR]
    unknown = run_cli("calendars", "--server", "nope", env=env)
    assert unknown.code == 2 and "known: admin, room" in unknown.err


def test_env_url_and_token(server, room_token, tmp_path):
    env = client_env(tmp_path / "empty", CALGATE_URL=server.base, CALGATE_TOKEN=room_token)
    assert _ids(run_cli("calendars", "--json", env=env)) == [CALENDAR]
    flags = run_cli("calendars", "--json", "--url", server.base, "--token", ADMIN_TOKEN, env=env)
    assert _ids(flags) == ["default", CALENDAR]  # flags win over the environment
    none = run_cli("calendars", env=client_env(tmp_path / "empty"))
    assert none.code == 2 and "no server" in none.err


def test_token_file_and_its_permissions_warning(server, room_token, tmp_path):
    token_file = tmp_path / "t"
    token_file.write_text(room_token)
    token_file.chmod(0o644)
    env = client_env(tmp_path / "empty", CALGATE_URL=server.base)
    done = run_cli("calendars", "--json", "--token-file", str(token_file), env=env)
    assert _ids(done) == [CALENDAR]
    assert "others may read it" in done.err and room_token not in done.err
    token_file.chmod(0o600)
    quiet = run_cli("calendars", "--json", env={**env, "CALGATE_TOKEN_FILE": str(token_file)})
    assert _ids(quiet) == [CALENDAR] and quiet.err == ""


def _write(tmp_path: Path, text: str) -> dict[str, str]:
    (tmp_path / "calgate").mkdir(exist_ok=True)
    (tmp_path / "calgate" / "client.toml").write_text(text)
    return {"XDG_CONFIG_HOME": str(tmp_path)}


def test_a_config_token_goes_only_to_its_own_url(tmp_path):
    env = _write(
        tmp_path, 'default = "a"\n[servers.a]\nurl = "https://a.example"\ntoken = "cg_a"\n'
    )
    assert resolve(Choice(), env).token == "cg_a"
    other = resolve(Choice(), {**env, "CALGATE_URL": "https://b.example"})
    assert (other.url, other.token) == ("https://b.example", None)
    flagged = resolve(Choice(url="https://c.example"), env)
    assert flagged.token is None
    with_token = resolve(Choice(server="a", token="cg_flag"), env)
    assert (with_token.url, with_token.token) == ("https://a.example", "cg_flag")


def test_bad_config_is_a_usage_error(tmp_path):
    env = _write(tmp_path, "default = [broken\n")
    with pytest.raises(ClientError) as caught:
        resolve(Choice(), env)
    assert caught.value.code == USAGE
    env = _write(tmp_path, '[servers.a]\nurl = "ftp://a"\n')
    with pytest.raises(ClientError):
        resolve(Choice(server="a"), env)


def test_xdg_default_location(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    env = {"HOME": os.environ["HOME"]}
    (tmp_path / ".config" / "calgate").mkdir(parents=True)
    (tmp_path / ".config" / "calgate" / "client.toml").write_text(
        'default = "x"\n[servers.x]\nurl = "http://x.example"\n'
    )
    assert resolve(Choice(), env).url == "http://x.example"
