"""calgate calendars / events against a real calgate serve process: output for people and
--json for scripts, and the documented exit codes."""

from __future__ import annotations

import json

from tests.cli.conftest import CALENDAR, run_cli


def test_help_shows_the_two_halves(env):
    done = run_cli("--help", env=env)
    assert done.code == 0
    assert "Run a server" in done.out and "Talk to a server" in done.out
    server_part, client_part = done.out.split("Talk to a server")
    for name in ("serve", "worker", "reindex", "token"):
        assert f" {name} " in server_part
    assert "calendars" in client_part and "import" in client_part and "export" in client_part
    assert "4 auth" in " ".join(done.out.split())


def test_calendars_table_and_json(env):
    people = run_cli("calendars", env=env)
    assert people.code == 0, people.err
    assert people.out.splitlines()[0].split()[:2] == ["ID", "NAME"]
    assert any(line.startswith(CALENDAR + " ") for line in people.out.splitlines())
    machine = run_cli("calendars", "--json", env=env)
    assert machine.code == 0
    assert CALENDAR in [c["id"] for c in json.loads(machine.out)]
    assert machine.err == ""


def test_event_create_get_list_delete(env):
    made = run_cli(
        "events",
        "create",
        "-c",
        CALENDAR,
        "--title",
        "Planning",
        "--start",
        "2026-12-07T10:00:00Z",
        "--end",
        "2026-12-07T11:00:00Z",
        "--json",
        env=env,
    )
    assert made.code == 0, made.err
    event = json.loads(made.out)
    assert event["title"] == "Planning"

    got = run_cli("events", "get", event["id"], "-c", CALENDAR, "--json", env=env)
    assert got.code == 0 and json.loads(got.out)["id"] == event["id"]

    listed = run_cli(
        "events",
        "list",
        "-c",
        CALENDAR,
        "--start",
        "2026-12-01",
        "--end",
        "2027-01-01",
        "--json",
        env=env,
    )
    assert listed.code == 0
    assert event["id"] in [e["id"] for e in json.loads(listed.out)]
    table = run_cli(
        "events", "list", "-c", CALENDAR, "--start", "2026-12-01", "--end", "2027-01-01", env=env
    )
    assert "Planning" in table.out and event["id"] in table.out

    gone = run_cli("events", "delete", event["id"], "-c", CALENDAR, env=env)
    assert gone.code == 0, gone.err
    again = run_cli("events", "get", event["id"], "-c", CALENDAR, env=env)
    assert again.code == 5


def test_create_from_a_json_file_on_stdin(env):
    body = {"title": "From stdin", "start": "2026-12-08T09:00:00Z", "duration": "PT30M"}
    made = run_cli(
        "events",
        "create",
        "-c",
        CALENDAR,
        "--data",
        "-",
        env=env,
        stdin=json.dumps(body).encode(),
    )
    assert made.code == 0, made.err
    event_id = made.out.strip()
    got = run_cli("events", "get", event_id, "-c", CALENDAR, "--json", env=env)
    assert json.loads(got.out)["title"] == "From stdin"


def test_every_page_of_a_listing(env, server):
    """More events than one page: the CLI follows nextPageToken to the end."""
    import httpx2 as httpx

    for i in range(7):
        answer = httpx.post(
            f"{server.base}/api/v1/calendars/{CALENDAR}/events",
            json={"title": f"paged {i}", "start": f"2027-02-{i + 1:02d}T10:00:00Z"},
            headers=server.headers,
            timeout=30,
        )
        assert answer.status_code == 201
    one_page = httpx.get(
        f"{server.base}/api/v1/calendars/{CALENDAR}/events",
        params={"start": "2027-02-01", "end": "2027-03-01", "limit": "3"},
        headers=server.headers,
        timeout=30,
    ).json()
    assert one_page["nextPageToken"]  # the server does page at 3
    listed = run_cli(
        "events",
        "list",
        "-c",
        CALENDAR,
        "--start",
        "2027-02-01",
        "--end",
        "2027-03-01",
        "--page-size",
        "3",
        "--json",
        env=env,
    )
    assert listed.code == 0, listed.err
    titles = sorted(e["title"] for e in json.loads(listed.out))
    assert titles == [f"paged {i}" for i in range(7)]


def test_exit_codes(env):
    unknown = run_cli("events", "list", "-c", "no-such-calendar", env=env)
    assert unknown.code == 5
    assert unknown.err.startswith("error: Not found: ") and unknown.out == ""

    bad_token = run_cli("calendars", "--token", "cg_wrong-token-000000000000", env=env)
    assert bad_token.code == 4
    assert "cg_wrong" not in bad_token.err  # the token is never printed

    invalid = run_cli("events", "create", "-c", CALENDAR, "--start", "nonsense", env=env)
    assert invalid.code == 1
    assert "#/start" in invalid.err and len(invalid.err.strip().splitlines()) == 1

    usage = run_cli("events", "list", env=env)  # --calendar missing
    assert usage.code == 2

    no_start = run_cli("events", "create", "-c", CALENDAR, "--title", "x", env=env)
    assert no_start.code == 2


def test_unreachable_server_is_exit_1(env):
    env = {**env, "CALGATE_URL": "http://127.0.0.1:9"}
    done = run_cli("calendars", env=env)
    assert done.code == 1
    assert done.err.startswith("error: cannot reach http://127.0.0.1:9")


def test_create_with_an_idempotency_key_runs_once(env):
    args = (
        "events",
        "create",
        "-c",
        CALENDAR,
        "--title",
        "Once",
        "--start",
        "2026-12-09T10:00:00Z",
        "--idempotency-key",
        "cli-test-once-1",
    )
    first = run_cli(*args, env=env)
    again = run_cli(*args, env=env)
    assert first.code == again.code == 0, (first.err, again.err)
    assert first.out == again.out  # the same event, created once
    listed = run_cli(
        "events",
        "list",
        "-c",
        CALENDAR,
        "--start",
        "2026-12-09",
        "--end",
        "2026-12-10",
        "--json",
        env=env,
    )
    assert [e["title"] for e in json.loads(listed.out)].count("Once") == 1
