"""Watching the database under a running service, and starting the embedded one again.

Each service process runs one :class:`DatabaseWatch` (the web app starts it in its
``cleanup_ctx``). Every second it looks at the database: on the embedded server, whether its
postmaster still runs; on any server, whether a ping through the pool answers. Requests meanwhile
answer 503 on their own (the pool cannot connect); the watch is what brings them back:

- an embedded server that stopped under us is started again, with the delay between attempts
  doubling up to a ceiling. With several workers each watch notices, the embedded server's lock
  lets the first one start it and the others find it running;
- once the database answers again, the pool's connections from before the outage are replaced,
  so that none of them fails a request later.

Each change is logged once, as an error while the database is away (with what to look at) and as
a warning when it is back (with how long it was away); an outage that lasts is reported again
every minute.
"""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg

from catalog.oversight import stats
from catalog.storage.embedded import Embedded, NotReaped

log = logging.getLogger(__name__)

OK, UNREACHABLE, RESTARTING = "ok", "unreachable", "restarting"


class _OneLineFloorRetries(logging.Filter):
    """asyncpg logs a full traceback each time it fails to reconnect its pool's idle connections,
    which while the database is away buries the lines that say what happened; one line will do."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.getMessage().startswith("Failed to restore the pool connection floor"):
            exc = record.exc_info[1]
            record.msg, record.args = "%s (%s: %s)", (record.getMessage(), type(exc).__name__, exc)
            record.exc_info = record.exc_text = None
        return True


_floor_filter = _OneLineFloorRetries()


class DatabaseWatch:
    """The database's state as this process sees it, kept current by :meth:`run`."""

    def __init__(self, pool: asyncpg.Pool, server: Embedded | None, *, interval: float = 1.0,
                 max_delay: float = 30.0, ping_timeout: float = 5.0, report_every: float = 60.0):
        self.pool = pool
        self.server = server
        self.interval = interval
        self.max_delay = max_delay
        self.ping_timeout = ping_timeout
        self.report_every = report_every
        self.state = OK
        self._down_since: float | None = None
        self._reported = 0.0
        self._postmaster = server.postmaster_pid() if server is not None else None
        logging.getLogger("asyncpg.pool").addFilter(_floor_filter)  # the same one: added once

    async def run(self) -> None:
        """Check every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the watch must outlive its own surprises
                log.exception("database watch: check failed")

    async def check(self) -> None:
        if self.server is not None:
            pid = self.server.postmaster_pid()
            if pid is None:
                await self._start_again()
            elif pid != self._postmaster:
                log.warning("embedded PostgreSQL in %s was started again by another process "
                            "(postmaster pid %s, was %s)", self.server.pgdata, pid, self._postmaster)
                self._postmaster = pid
                await self.pool.expire_connections()
        await self._ping()

    def _down(self, state: str) -> None:
        if self._down_since is None:
            self._down_since = self._reported = time.monotonic()
        self.state = state

    def _away(self) -> float:
        return 0.0 if self._down_since is None else time.monotonic() - self._down_since

    async def _start_again(self) -> None:
        assert self.server is not None
        server = self.server
        self._down(RESTARTING)
        await self.pool.expire_connections()  # none of them can work again: replace, don't try
        log.error("embedded PostgreSQL in %s has stopped (postmaster pid %s is gone): starting it again; "
                  "until it answers, requests get 503 and /readyz says so. The last lines of its own log, %s:\n%s",
                  server.pgdata, self._postmaster, server.log_file, server.log_tail())
        delay = 1.0
        failed = 0
        waiting: float | None = None
        while True:
            try:
                pid, started = await asyncio.to_thread(server.restart)
            except NotReaped as exc:
                # Not a failed start: the kernel keeps the dead postmaster's PID until its parent
                # reaps it, which an init does within moments. Look again soon.
                now = time.monotonic()
                if waiting is None:
                    waiting = self._reported = now
                    log.warning("embedded PostgreSQL in %s: waiting for the old postmaster to be reaped before "
                                "starting it again", server.pgdata)
                elif now - self._reported >= self.report_every:
                    self._reported = now
                    log.error("embedded PostgreSQL in %s: still waiting after %.0f s: %s", server.pgdata,
                              now - waiting, exc)
                await asyncio.sleep(0.2)
                continue
            except Exception as exc:  # noqa: BLE001 - whatever it was, try again later and say why
                failed += 1
                log.error("embedded PostgreSQL in %s: start attempt %d failed (%s: %s); next attempt in %.0f s; "
                          "the last lines of %s:\n%s", server.pgdata, failed, type(exc).__name__, exc, delay,
                          server.log_file, server.log_tail())
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_delay)
                continue
            break
        self._postmaster = pid
        if started:
            log.warning("embedded PostgreSQL in %s started again by this process (postmaster pid %s, attempt %d, "
                        "%.1f s after it stopped)", server.pgdata, pid, failed + 1, self._away())
        else:
            log.warning("embedded PostgreSQL in %s is running again, started by another process (postmaster pid %s)",
                        server.pgdata, pid)
        await self.pool.expire_connections()

    async def _ping(self) -> None:
        try:
            async with asyncio.timeout(self.ping_timeout):
                await stats.ping(self.pool)
        except Exception as exc:  # noqa: BLE001 - whatever the reason, the database does not answer
            now = time.monotonic()
            if self._down_since is None:
                self._down(UNREACHABLE)
                log.error("database does not answer (%s: %s); requests get 503 until it does, "
                          "checked every %.0f s", type(exc).__name__, exc, self.interval)
            elif now - self._reported >= self.report_every:
                self._reported = now
                log.error("database still does not answer, %.0f s on (%s: %s)", self._away(),
                          type(exc).__name__, exc)
            return
        if self._down_since is not None:
            log.warning("database answers again after %.1f s away; requests are served again", self._away())
            self._down_since = None
            self.state = OK
            await self.pool.expire_connections()
