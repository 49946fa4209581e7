"""The embedded PostgreSQL under ``sandan serve``: it stops with its last user however that user
ends, and when it dies under a running service it comes back by itself.

Every test runs ``sandan serve`` as an operator would, in a subprocess on this module's own data
directory and port (never the suite's shared test server), and looks at the real postmaster.
Nothing here measures speed: recovery is polled against the one deadline the service promises.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections import Counter
from pathlib import Path

import aiohttp
import psutil
import pytest

from catalog.storage.embedded import HANDLE_FILE, STARTS_FILE, users
from tests.conftest import own_data_dir

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
STARTUP = 180.0  # generous: a busy two-core machine
RECOVERY = 30.0  # the service's promise: 200 again within 30 s of the database dying

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from catalog.storage.db import embedded_dsn

    embedded_dsn(Path(sys.argv[1]))
    print("joined", flush=True)
    sys.stdin.readline()
    """
)

# `python3 dev.py serve`, minus the environment set-up: the service in the foreground of a terminal
DEV = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import dev; sys.exit(dev.run_foreground(sys.argv[1:]))"


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SANDAN_DATABASE_URL"}
    env.update(SANDAN_DATA_DIR=str(data_dir), SANDAN_LOG_LEVEL="INFO", **extra)
    return env


def _sandan(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], env=_env(data_dir, **env), cwd=ROOT,
                          capture_output=True, text=True, timeout=STARTUP, check=False)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _postmaster(pgdata: Path) -> int | None:
    """The running postmaster on ``pgdata``, if any."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if _running(pid) else None


def _server_processes(pgdata: Path) -> list[int]:
    """Live processes whose command line names ``pgdata``: ``pgrep -f <pgdata>``."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        if proc.info["status"] != psutil.STATUS_ZOMBIE and str(pgdata) in " ".join(proc.info["cmdline"] or ()):
            found.append(proc.pid)
    return found


def _stop_leftover(pgdata: Path) -> None:
    """A failed test must not leave its server running (to the next test, or to the machine)."""
    pid = _postmaster(pgdata)
    if pid is not None:
        os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
        psutil.Process(pid).wait(timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """``sandan serve`` in its own session (so that a signal can reach all of it, like a terminal's
    Ctrl-C), its output in a file beside the data."""

    def __init__(self, data_dir: Path, *args: str, workers: int = 1, under_dev_py: bool = False):
        self.pgdata = data_dir / "pgdata"
        self.port = _free_port()
        self.log = data_dir / f"serve-{self.port}.log"
        cmd = [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port), *args]
        if under_dev_py:
            cmd = [sys.executable, "-c", DEV, *cmd]
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(cmd, env=_env(data_dir, SANDAN_WORKERS=str(workers)), cwd=ROOT,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_started(self) -> None:
        deadline = time.monotonic() + STARTUP
        while "已启动" not in self.text():
            assert self.proc.poll() is None, self.text()
            assert time.monotonic() < deadline, self.text()
            time.sleep(0.1)

    def signal_all(self, signum: int) -> None:
        os.killpg(self.proc.pid, signum)

    def wait(self) -> int:
        return self.proc.wait(timeout=120)

    def assert_exits_cleanly(self) -> None:
        code = self.wait()
        assert code == 0, f"exit status {code}; its output ends:\n{self.text()[-5000:]}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def login(self) -> str:
        body = json.dumps({"username": "watcher", "password": PASSWORD}).encode()
        req = urllib.request.Request(self.url("/api/v1/auth/login"), data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["token"]


@pytest.fixture(scope="module")
def data_dir():
    """One data directory for the module: created, migrated and given an account once; every
    test starts its own service on it and must leave the server stopped."""
    with own_data_dir() as data_dir:
        made = _sandan(data_dir, "account", "create", "watcher", "--role", "street_admin",
                       SANDAN_ACCOUNT_PASSWORD=PASSWORD)
        assert made.returncode == 0, made.stderr
        assert _postmaster(data_dir / "pgdata") is None  # its only user has gone: stopped
        yield data_dir


@pytest.fixture
def serve(data_dir):
    started: list[Service] = []

    def start(**kwargs) -> Service:
        service = Service(data_dir, **kwargs)
        started.append(service)
        return service

    yield start
    for service in started:
        service.kill()
    _stop_leftover(data_dir / "pgdata")


def _assert_stopped(pgdata: Path) -> None:
    assert _server_processes(pgdata) == []
    assert users(pgdata) == []


# --- the last user stops it -------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_service_stops_the_database_when_it_ends(serve, data_dir, signum):
    service = serve()
    service.wait_started()
    assert _postmaster(service.pgdata) is not None
    if signum == signal.SIGINT:
        service.signal_all(signum)  # a terminal's Ctrl-C reaches every process of the command
    else:
        service.proc.send_signal(signum)  # kill, or systemd stopping the service
    service.assert_exits_cleanly()
    _assert_stopped(service.pgdata)


def test_ctrl_c_on_dev_py_serve_stops_the_database():
    """`python3 dev.py serve` on a fresh data directory (so the demo county is loaded, and its
    first batch run solves in the service) and Ctrl-C, with a browser still connected: the wrapper
    waits for the service, and the service still shuts down on Ctrl-C after that solve."""
    with own_data_dir() as data_dir:
        service = Service(data_dir, "--demo", under_dev_py=True)
        try:
            service.wait_started()
            assert "demo county loaded" in service.text()
            browser = http.client.HTTPConnection("127.0.0.1", service.port, timeout=60)
            browser.request("GET", "/healthz")
            assert browser.getresponse().read()  # and the connection stays open, as a browser's does
            try:
                service.signal_all(signal.SIGINT)
                service.assert_exits_cleanly()
            finally:
                browser.close()
            _assert_stopped(service.pgdata)
        finally:
            service.kill()


def test_two_workers_stop_the_database_on_ctrl_c(serve, data_dir):
    service = serve(workers=2)
    service.wait_started()
    deadline = time.monotonic() + STARTUP
    while len(users(service.pgdata)) < 3:  # the parent and both workers (one may still be starting)
        assert time.monotonic() < deadline, users(service.pgdata)
        time.sleep(0.1)
    service.signal_all(signal.SIGINT)
    service.assert_exits_cleanly()
    _assert_stopped(service.pgdata)


def test_a_killed_service_is_dropped_by_the_next_start(serve, data_dir):
    service = serve()
    service.wait_started()
    os.kill(service.proc.pid, signal.SIGKILL)  # no handler runs: its PID stays in the handle file
    service.wait()
    pgdata = service.pgdata
    assert _postmaster(pgdata) is not None
    assert users(pgdata) == [service.proc.pid]

    migrate = _sandan(data_dir, "migrate")  # the next start, however short
    assert migrate.returncode == 0, migrate.stderr
    assert f"dropped users that ended without leaving: [{service.proc.pid}]" in migrate.stderr
    _assert_stopped(pgdata)  # and, the last user, it stopped the server on its way out


def test_a_killed_service_is_dropped_by_the_user_that_leaves_last(serve, data_dir):
    """Service and batch job on one server: the service is killed, the batch job still stops it."""
    service = serve()
    service.wait_started()
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)], env=_env(data_dir), cwd=ROOT,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as other:
        assert other.stdout.readline().strip() == "joined", other.stderr.read()
        os.kill(service.proc.pid, signal.SIGKILL)
        service.wait()
        assert _postmaster(service.pgdata) is not None  # still in use
        _, err = other.communicate("\n", timeout=120)
    assert other.returncode == 0, err
    _assert_stopped(service.pgdata)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="start times come from /proc")
def test_a_pid_now_held_by_another_process_is_no_user(data_dir):
    """PIDs are reused: a registered user that died may come back as someone else's process."""
    pgdata = data_dir / "pgdata"
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)], env=_env(data_dir), cwd=ROOT,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as user:
        try:
            assert user.stdout.readline().strip() == "joined", user.stderr.read()
            # a user that registered long ago under the PID this test process has now
            handles = json.loads((pgdata / HANDLE_FILE).read_text())
            starts = json.loads((pgdata / STARTS_FILE).read_text())
            (pgdata / HANDLE_FILE).write_text(json.dumps([os.getpid(), *handles]))
            (pgdata / STARTS_FILE).write_text(json.dumps({**starts, str(os.getpid()): 1}))
            _, err = user.communicate("\n", timeout=120)
        finally:
            if user.poll() is None:
                user.kill()
    assert user.returncode == 0, err
    try:
        _assert_stopped(pgdata)
    finally:
        _stop_leftover(pgdata)


# --- it comes back by itself ------------------------------------------------------------------


def _check_503(path: str, body: str) -> None:
    """An outage answers a clean 503: the JSON envelope, or a Chinese page."""
    if path == "/readyz":
        assert json.loads(body)["database"] in ("unreachable", "restarting"), body
    elif path.startswith("/api/"):
        assert json.loads(body)["error"] == {"code": "database_unavailable", "message": "数据库暂不可用，请稍后再试",
                                             "details": {}}, body
    else:
        assert "数据库暂不可用" in body, body


class Load:
    """Readers that keep asking, each on new connections (so that with several workers every
    worker gets its share), counting what they get."""

    def __init__(self, service: Service, token: str):
        self.service = service
        self.statuses: Counter[int] = Counter()
        self.unexpected: list[tuple[str, object, str]] = []
        self._stop = asyncio.Event()
        bearer = {"Authorization": f"Bearer {token}"}
        page = {"Cookie": f"sandan_session={token}", "Accept": "text/html"}
        # each of these reads the database on every request (the token is looked up)
        self.routes = [("/api/v1/needs", bearer), ("/api/v1/projects", bearer), ("/account", page), ("/readyz", {})]

    async def __aenter__(self) -> Load:
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True),
                                           timeout=aiohttp.ClientTimeout(total=RECOVERY))
        self._tasks = [asyncio.create_task(self._read(path, headers)) for path, headers in self.routes]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        await self._http.close()

    async def _read(self, path: str, headers: dict[str, str]) -> None:
        while not self._stop.is_set():
            try:
                async with self._http.get(self.service.url(path), headers=headers, allow_redirects=False) as r:
                    body = await r.text()
                    self.statuses[r.status] += 1
                    if r.status == 503:
                        _check_503(path, body)
                    elif r.status != 200:
                        self.unexpected.append((path, r.status, body[:500]))
            except (TimeoutError, aiohttp.ClientError) as exc:
                self.unexpected.append((path, repr(exc), ""))
            await asyncio.sleep(0.02)

    async def get(self, path: str) -> tuple[int, dict]:
        async with self._http.get(self.service.url(path)) as r:
            return r.status, await r.json()


async def _wait_for(condition, what: str, timeout: float) -> float:
    start = time.monotonic()
    while not await condition():
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout:.0f} s"
        await asyncio.sleep(0.1)
    return time.monotonic() - start


async def test_a_killed_database_comes_back_by_itself_under_load(serve, data_dir):
    service = serve()
    service.wait_started()
    async with Load(service, service.login()) as load:
        async def warmed() -> bool:
            return load.statuses[200] >= 20

        await _wait_for(warmed, "first answers", STARTUP)
        old = _postmaster(service.pgdata)
        assert old is not None
        os.kill(old, signal.SIGKILL)
        before = load.statuses[200]

        async def answers_again() -> bool:
            new = _postmaster(service.pgdata)
            if new is None or new == old:
                return False
            status, _ = await load.get("/readyz")
            return status == 200 and load.statuses[200] > before + 4

        took = await _wait_for(answers_again, "200 again after the database was killed", RECOVERY)
        print(f"\nback after {took:.1f} s; answers during the test: {dict(load.statuses)}")
    assert load.unexpected == []  # in particular no 500, and no request left hanging
    assert 500 not in load.statuses

    async def said_so() -> bool:  # the watch's own next ping may come a moment after the requests'
        return "database answers again after" in service.text()

    await _wait_for(said_so, "the log line that says the database is back", RECOVERY)
    log = service.text()
    assert f"has stopped (postmaster pid {old} is gone)" in log, log
    assert "started again by this process" in log, log

    service.signal_all(signal.SIGINT)  # and the server it started again stops with it
    service.assert_exits_cleanly()
    _assert_stopped(service.pgdata)


async def test_with_two_workers_one_starts_it_again_and_both_reconnect(serve, data_dir):
    service = serve(workers=2)
    service.wait_started()
    async with Load(service, service.login()) as load:
        workers: set[int] = set()

        async def both_answered() -> bool:
            status, body = await load.get("/readyz")
            if status == 200:
                workers.add(body["pid"])
            return len(workers) == 2

        await _wait_for(both_answered, "both workers ready", STARTUP)
        old = _postmaster(service.pgdata)
        assert old is not None
        os.kill(old, signal.SIGKILL)
        workers.clear()

        async def both_back() -> bool:
            new = _postmaster(service.pgdata)
            return new is not None and new != old and await both_answered()

        took = await _wait_for(both_back, "both workers answering again", RECOVERY)
        print(f"\nboth workers back after {took:.1f} s; answers during the test: {dict(load.statuses)}")
    assert load.unexpected == []
    assert 500 not in load.statuses
    assert service.text().count("started again by this process") == 1, service.text()

    service.signal_all(signal.SIGINT)
    service.assert_exits_cleanly()
    _assert_stopped(service.pgdata)
