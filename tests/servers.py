"""Real CalDAV servers for tests: Radicale and Xandikos (PyPI), and the "interop" tier, Cyrus
IMAP 3.6 and SabreDAV 1.8 (Debian packages: ``scripts/install-interop-servers.sh``), as
subprocesses on 127.0.0.1.

Each server gets an ephemeral port and a temporary storage folder, is polled until it answers
(bounded), and is stopped by its own process id at teardown (Cyrus' master together with the
children it forked). Fixtures (import these names into a conftest.py): ``radicale_server``,
``xandikos_server``, ``cyrus_server``, ``sabredav_server`` (session scope) and ``caldav_server``
(parametrized over all four, ids ``radicale``, ``xandikos``, ``cyrus`` and ``sabredav``; the last
two carry ``pytest.mark.interop``, so ``-m interop`` selects them and ``-m "not interop"`` leaves
them out). When the interop servers are not installed their tests skip, or fail on CI.

How they authenticate:

- Radicale: htpasswd with ``plain`` encryption, user ``alice`` / ``password``. It answers 401 with
  ``WWW-Authenticate: Basic`` to a missing or wrong password (``auth.delay`` is set to 0 so a wrong
  password does not cost a second).
- Xandikos: no authentication at all. Without ``--htpasswd`` (which it only allows together with
  ``--autocert`` TLS) it ignores any ``Authorization`` header and serves everything as the one
  ``--current-user-principal``; so it accepts every password (``checks_password`` is False).
- Cyrus: SASL ``auxprop``/``sasldb`` from a private sasldb, HTTP Basic for ``alice`` /
  ``password`` (plus a private IMAP admin used once, to create alice's mailbox).
- SabreDAV: HTTP Digest (realm ``SabreDAV``) for ``alice`` / ``password``, from the SQLite users
  table: ``auth_type`` is ``"digest"``, so clients must not send Basic.

Server differences worth knowing (see also ``tests.server_behaviour``): Cyrus refuses a VEVENT
without DTEND and creates a ``Default`` calendar of its own next to ``work``; SabreDAV 1.8 has no
sync-collection and no scheduling.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import imaplib
import os
import pwd
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

__all__ = [
    "RunningServer",
    "caldav_server",
    "cyrus_missing",
    "cyrus_server",
    "free_port",
    "radicale_server",
    "require_or_skip",
    "run_cyrus",
    "run_radicale",
    "run_sabredav",
    "run_xandikos",
    "sabredav_missing",
    "sabredav_server",
    "xandikos_server",
]

HOST = "127.0.0.1"
USERNAME = "alice"
PASSWORD = "password"  # a throwaway test account
READY_TIMEOUT = 20.0


@dataclass(frozen=True)
class RunningServer:
    name: str
    url: str  # server root, e.g. http://127.0.0.1:PORT/
    principal_url: str
    home_url: str  # calendar home (where MKCALENDAR goes)
    calendar_url: str  # one calendar that holds events
    username: str = USERNAME
    password: str = field(default=PASSWORD, repr=False)
    checks_password: bool = True
    pid: int = 0
    auth_type: Literal["basic", "digest"] = "basic"  # how the server wants credentials


def require_or_skip(reason: str) -> None:
    """Skip the test; on CI (env ``CI=true``), where nothing may be missing, fail it instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _request(
    port: int, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request(method, path, body=body.encode() or None, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _stderr_tail(log: Path, limit: int = 4000) -> str:
    try:
        return log.read_text(errors="replace")[-limit:]
    except OSError:
        return "(no output captured)"


def _wait_ready(
    proc: subprocess.Popen[bytes],
    name: str,
    port: int,
    log: Path,
    extra_ports: tuple[int, ...] = (),
) -> None:
    """Poll until the server answers HTTP on ``port`` (and accepts connections on each of
    ``extra_ports``); raise with its output when it does not."""
    deadline = time.monotonic() + READY_TIMEOUT
    waiting = [port, *extra_ports]
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{name} exited with code {proc.returncode} before it was ready:\n"
                f"{_stderr_tail(log)}"
            )
        try:
            if waiting[0] == port:
                _request(port, "OPTIONS", "/")
            else:
                socket.create_connection((HOST, waiting[0]), timeout=5).close()
            waiting.pop(0)
            if not waiting:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(
        f"{name} did not answer on {HOST}:{waiting[0]} within {READY_TIMEOUT:.0f} s:\n"
        f"{_stderr_tail(log)}"
    )


def _group_members(pgid: int) -> list[int]:
    """The live processes in process group ``pgid`` (Linux ``/proc``; empty elsewhere)."""
    members = []
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else []:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()  # state ppid pgrp ...
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _stop(proc: subprocess.Popen[bytes], own_group: bool = False) -> None:
    """Stop ``proc`` (SIGTERM, then SIGKILL after 10 s). With ``own_group`` (it was started as the
    leader of a new process group) also kill whatever it forked and left behind in that group."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if not own_group:
        return
    # The group's id stays reserved while any member lives, so these are ours.
    deadline = time.monotonic() + 5
    while (left := _group_members(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def _process(
    name: str,
    argv: list[str],
    port: int,
    folder: Path,
    *,
    cwd: Path | None = None,
    extra_ports: tuple[int, ...] = (),
    own_group: bool = False,
) -> Iterator[int]:
    """Run ``argv`` with its output in ``folder/NAME.log``; yield its pid once it is ready."""
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd or folder,
            start_new_session=own_group,
        )
    try:
        _wait_ready(proc, name, port, log, extra_ports)
        yield proc.pid
    finally:
        _stop(proc, own_group)


MKCALENDAR_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>Work</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"""


@contextmanager
def run_radicale(folder: Path) -> Iterator[RunningServer]:
    """Radicale with htpasswd (plain) auth and one calendar, ``/alice/work/`` (MKCALENDAR)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    htpasswd = folder / "htpasswd"
    htpasswd.write_text(f"{USERNAME}:{PASSWORD}\n")
    config = folder / "config"
    config.write_text(
        "[server]\n"
        f"hosts = {HOST}:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {htpasswd}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[storage]\n"
        f"filesystem_folder = {folder / 'collections'}\n"
        "[web]\ntype = none\n"
        "[logging]\nlevel = warning\n"
    )
    argv = [sys.executable, "-m", "radicale", "--config", str(config)]
    with _process("radicale", argv, port, folder) as pid:
        status, body = _request(
            port,
            "MKCALENDAR",
            "/alice/work/",
            MKCALENDAR_BODY,
            {"Content-Type": "application/xml", **_basic(USERNAME, PASSWORD)},
        )
        if status != 201:
            raise RuntimeError(f"Radicale refused MKCALENDAR: {status} {body[:500]!r}")
        root = f"http://{HOST}:{port}/"
        yield RunningServer(
            name="radicale",
            url=root,
            principal_url=root + "alice/",
            home_url=root + "alice/",
            calendar_url=root + "alice/work/",
            pid=pid,
        )


def xandikos_command() -> str | None:
    """The ``xandikos`` script next to this Python (the venv's), else on PATH."""
    return shutil.which("xandikos", path=str(Path(sys.executable).parent)) or shutil.which(
        "xandikos"
    )


@contextmanager
def run_xandikos(folder: Path) -> Iterator[RunningServer]:
    """Xandikos with its default calendar, ``/alice/calendars/calendar/``; no authentication."""
    exe = xandikos_command()
    if exe is None:
        raise FileNotFoundError("xandikos")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [
        exe, "serve", "-d", str(folder / "data"), "--defaults", "-l", HOST, "-p", str(port),
        "--current-user-principal", "/alice/", "--no-detect-systemd",
    ]  # fmt: skip
    with _process("xandikos", argv, port, folder) as pid:
        root = f"http://{HOST}:{port}/"
        yield RunningServer(
            name="xandikos",
            url=root,
            principal_url=root + "alice/",
            home_url=root + "alice/calendars/",
            calendar_url=root + "alice/calendars/calendar/",
            checks_password=False,
            pid=pid,
        )


INSTALL_HINT = "run scripts/install-interop-servers.sh"
CYRUS_BIN = Path("/usr/lib/cyrus/bin")
SASLPASSWD2 = Path("/usr/sbin/saslpasswd2")
SABRE_AUTOLOAD = Path("/usr/share/php/Sabre/autoload.php")
SABRE_SQL = Path("/usr/share/doc/php-sabre-dav/examples/sql")
SABRE_SCHEMAS = ("calendars", "principals", "users", "locks")
SABRE_REALM = "SabreDAV"


def cyrus_missing() -> str | None:
    """What of Cyrus (Debian ``cyrus-imapd cyrus-caldav sasl2-bin``) is missing, else None."""
    for exe in (CYRUS_BIN / "master", CYRUS_BIN / "imapd", CYRUS_BIN / "httpd", SASLPASSWD2):
        if not os.access(exe, os.X_OK):
            return str(exe)
    return None


def sabredav_missing() -> str | None:
    """What of SabreDAV (Debian ``php-cli php-sqlite3 php-sabre-dav``) is missing, else None."""
    php = shutil.which("php")
    if php is None:
        return "php"
    for path in (SABRE_AUTOLOAD, *(SABRE_SQL / f"sqlite.{n}.sql" for n in SABRE_SCHEMAS)):
        if not path.exists():
            return str(path)
    probe = subprocess.run(
        [php, "-r", 'exit(extension_loaded("pdo_sqlite") ? 0 : 1);'], capture_output=True
    )
    return None if probe.returncode == 0 else "the pdo_sqlite PHP extension (php-sqlite3)"


def _cyrus_user() -> pwd.struct_passwd:
    """Who the Cyrus processes run as: started by root, master drops to ``cyrus``; started by
    anyone else, it must be told to stay that user."""
    if os.geteuid() == 0:
        return pwd.getpwnam("cyrus")
    return pwd.getpwuid(os.geteuid())


def _chown_tree(top: Path, uid: int, gid: int) -> None:
    os.chown(top, uid, gid)
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


@contextmanager
def run_cyrus(folder: Path) -> Iterator[RunningServer]:
    """Cyrus IMAP with its CalDAV module (``httpd``), private in every respect: imapd.conf,
    cyrus.conf (``-C`` on every command), sasldb, spool, sockets, pid file, two ephemeral ports
    (HTTP, and IMAP for creating alice's mailbox). Calendar ``/dav/calendars/user/alice/work/``.

    Run as root, master switches to the ``cyrus`` user, which cannot enter pytest's private
    temporary folders: the data then lives in a folder of its own under the system temporary
    folder, owned by ``cyrus`` and removed at the end. The log (Cyrus logs to syslog; this has
    master's own output only) stays in ``folder``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    user = _cyrus_user()
    as_root = os.geteuid() == 0
    data = Path(tempfile.mkdtemp(prefix="calgate-cyrus-")) if as_root else folder / "data"
    try:
        data.mkdir(exist_ok=True)
        # What Debian's cyrus-makedirs creates for a config directory (ctl_cyrusdb needs db/,
        # imapd binds socket/idle.PID), plus the places imapd.conf below points at.
        config_subdirs = ("db", "socket", "log", "msg", "user", "quota", "lock", "proc")
        for sub in ("config", *(f"config/{d}" for d in config_subdirs), "spool", "sieve"):
            (data / sub).mkdir()
        for sub in ("proc", "lock", "socket"):
            (data / sub).mkdir()
        http_port = free_port()
        imap_port = free_port()
        while imap_port == http_port:
            imap_port = free_port()
        admin, admin_password = "calgateadmin", secrets.token_hex(16)
        imapd_conf = data / "imapd.conf"
        imapd_conf.write_text(
            f"configdirectory: {data / 'config'}\n"
            "defaultpartition: default\n"
            f"partition-default: {data / 'spool'}\n"
            f"sievedir: {data / 'sieve'}\n"
            f"proc_path: {data / 'proc'}\n"
            f"mboxname_lockpath: {data / 'lock'}\n"
            f"lmtpsocket: {data / 'socket' / 'lmtp'}\n"
            f"idlesocket: {data / 'socket' / 'idle'}\n"
            f"notifysocket: {data / 'socket' / 'notify'}\n"
            f"cyrus_user: {user.pw_name}\n"
            "servername: localhost\n"
            f"admins: {admin}\n"
            "unixhierarchysep: yes\n"
            "allowplaintext: yes\n"
            "sasl_pwcheck_method: auxprop\n"
            "sasl_auxprop_plugin: sasldb\n"
            f"sasl_sasldb_path: {data / 'sasldb2'}\n"
            "sasl_mech_list: PLAIN LOGIN\n"
            "httpmodules: caldav\n"
            "syslog_prefix: calgate-cyrus\n"
        )
        cyrus_conf = data / "cyrus.conf"
        cmd = f"-C {imapd_conf}"
        cyrus_conf.write_text(
            "START {\n"
            f'  recover cmd="{CYRUS_BIN / "ctl_cyrusdb"} {cmd} -r"\n'
            "}\n"
            "SERVICES {\n"
            f'  imap cmd="{CYRUS_BIN / "imapd"} {cmd}" listen="{HOST}:{imap_port}" prefork=0\n'
            f'  http cmd="{CYRUS_BIN / "httpd"} {cmd}" listen="{HOST}:{http_port}" prefork=0\n'
            "}\n"
            "EVENTS {\n}\n"
        )
        for name, secret in ((USERNAME, PASSWORD), (admin, admin_password)):
            sasldb = str(data / "sasldb2")
            subprocess.run(
                [str(SASLPASSWD2), "-p", "-c", "-f", sasldb, "-u", "localhost", name],
                input=secret.encode(),
                check=True,
                capture_output=True,
            )
        if as_root:
            _chown_tree(data, user.pw_uid, user.pw_gid)
            data.chmod(0o700)
        argv = [
            str(CYRUS_BIN / "master"), "-C", str(imapd_conf), "-M", str(cyrus_conf),
            "-p", str(data / "master.pid"), "-D",
        ]  # fmt: skip
        with _process(
            "cyrus", argv, http_port, folder, cwd=data, extra_ports=(imap_port,), own_group=True
        ) as pid:
            imap = imaplib.IMAP4(HOST, imap_port, timeout=10)
            try:
                imap.login(admin, admin_password)
                answer, reply = imap.create(f"user/{USERNAME}")
                if answer != "OK":
                    raise RuntimeError(f"Cyrus refused to create alice's mailbox: {reply!r}")
            finally:
                imap.logout()
            home = f"/dav/calendars/user/{USERNAME}/"
            status, body = _request(
                http_port,
                "MKCALENDAR",
                home + "work/",
                MKCALENDAR_BODY,
                {"Content-Type": "application/xml", **_basic(USERNAME, PASSWORD)},
            )
            if status != 201:
                raise RuntimeError(f"Cyrus refused MKCALENDAR: {status} {body[:500]!r}")
            root = f"http://{HOST}:{http_port}/"
            yield RunningServer(
                name="cyrus",
                url=root,
                principal_url=root + f"dav/principals/user/{USERNAME}/",
                home_url=root + home.lstrip("/"),
                calendar_url=root + home.lstrip("/") + "work/",
                pid=pid,
            )
    finally:
        if as_root:
            shutil.rmtree(data, ignore_errors=True)


# Written after the package's examples/calendarserver.php: PDO (SQLite) backends for auth,
# principals and calendars, Digest auth, ACL and CalDAV plugins; no HTML browser plugin.
SABRE_SERVER_PHP = """<?php
date_default_timezone_set('UTC');
$pdo = new \\PDO('sqlite:' . __DIR__ . '/db.sqlite');
$pdo->setAttribute(\\PDO::ATTR_ERRMODE, \\PDO::ERRMODE_EXCEPTION);
require_once '%(autoload)s';
$authBackend = new \\Sabre\\DAV\\Auth\\Backend\\PDO($pdo);
$calendarBackend = new \\Sabre\\CalDAV\\Backend\\PDO($pdo);
$principalBackend = new \\Sabre\\DAVACL\\PrincipalBackend\\PDO($pdo);
$tree = array(
    new \\Sabre\\CalDAV\\Principal\\Collection($principalBackend),
    new \\Sabre\\CalDAV\\CalendarRootNode($principalBackend, $calendarBackend),
);
$server = new \\Sabre\\DAV\\Server($tree);
$server->setBaseUri('/');
$server->addPlugin(new \\Sabre\\DAV\\Auth\\Plugin($authBackend, '%(realm)s'));
$server->addPlugin(new \\Sabre\\DAVACL\\Plugin());
$server->addPlugin(new \\Sabre\\CalDAV\\Plugin());
$server->exec();
"""


def _sabredav_database(path: Path) -> None:
    """The package's SQLite schemas, with alice (and only her) as user and principal, and her
    calendar ``work``."""
    db = sqlite3.connect(path)
    try:
        for name in SABRE_SCHEMAS:
            db.executescript((SABRE_SQL / f"sqlite.{name}.sql").read_text())
        # The schemas insert a sample ``admin``; this server has alice only.
        db.execute("DELETE FROM users")
        db.execute("DELETE FROM principals")
        digest = hashlib.md5(f"{USERNAME}:{SABRE_REALM}:{PASSWORD}".encode()).hexdigest()
        db.execute("INSERT INTO users (username, digesta1) VALUES (?, ?)", (USERNAME, digest))
        principal = f"principals/{USERNAME}"
        db.executemany(
            "INSERT INTO principals (uri, email, displayname) VALUES (?, ?, ?)",
            [
                (principal, f"{USERNAME}@example.org", USERNAME.title()),
                (principal + "/calendar-proxy-read", None, None),
                (principal + "/calendar-proxy-write", None, None),
            ],
        )
        db.execute(
            "INSERT INTO calendars (principaluri, displayname, uri, ctag, components) "
            "VALUES (?, 'Work', 'work', 1, 'VEVENT')",
            (principal,),
        )
        db.commit()
    finally:
        db.close()


@contextmanager
def run_sabredav(folder: Path) -> Iterator[RunningServer]:
    """SabreDAV 1.8 under ``php -S`` (one worker), SQLite storage, Digest auth; calendar
    ``/calendars/alice/work/``. PHP warnings go to ``php-errors.log``, never into a response."""
    php = shutil.which("php")
    if php is None:
        raise FileNotFoundError("php")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    _sabredav_database(folder / "db.sqlite")
    server_php = folder / "server.php"
    server_php.write_text(SABRE_SERVER_PHP % {"autoload": SABRE_AUTOLOAD, "realm": SABRE_REALM})
    argv = [
        php, "-d", "display_errors=0", "-d", "log_errors=1",
        "-d", f"error_log={folder / 'php-errors.log'}",
        "-S", f"{HOST}:{port}", str(server_php),
    ]  # fmt: skip
    with _process("sabredav", argv, port, folder, own_group=True) as pid:
        root = f"http://{HOST}:{port}/"
        yield RunningServer(
            name="sabredav",
            url=root,
            principal_url=root + f"principals/{USERNAME}/",
            home_url=root + f"calendars/{USERNAME}/",
            calendar_url=root + f"calendars/{USERNAME}/work/",
            pid=pid,
            auth_type="digest",
        )


@pytest.fixture(scope="session")
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    try:
        import radicale  # noqa: F401
    except ImportError:
        require_or_skip("radicale is not installed (pip install radicale)")
    with run_radicale(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture(scope="session")
def xandikos_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    if xandikos_command() is None:
        require_or_skip("the xandikos command is not installed (pip install xandikos)")
    with run_xandikos(tmp_path_factory.mktemp("xandikos")) as server:
        yield server


@pytest.fixture(scope="session")
def cyrus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    if (missing := cyrus_missing()) is not None:
        require_or_skip(f"Cyrus is not installed ({missing} is missing): {INSTALL_HINT}")
    with run_cyrus(tmp_path_factory.mktemp("cyrus")) as server:
        yield server


@pytest.fixture(scope="session")
def sabredav_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    if (missing := sabredav_missing()) is not None:
        require_or_skip(f"SabreDAV is not installed ({missing} is missing): {INSTALL_HINT}")
    with run_sabredav(tmp_path_factory.mktemp("sabredav")) as server:
        yield server


@pytest.fixture(
    params=[
        "radicale",
        "xandikos",
        pytest.param("cyrus", marks=pytest.mark.interop),
        pytest.param("sabredav", marks=pytest.mark.interop),
    ]
)
def caldav_server(request: pytest.FixtureRequest) -> RunningServer:
    """Each real CalDAV server in turn, for contract tests. The conftest.py that imports this
    fixture must import ``cyrus_server`` and ``sabredav_server`` too."""
    server: RunningServer = request.getfixturevalue(f"{request.param}_server")
    return server
