"""Running the service: listen, say where, shut down gracefully on SIGTERM or Ctrl-C.

With more than one worker the parent prepares once (embedded server, migrations, demo data) and
then starts the workers, which share the port (SO_REUSEPORT) and only open their own pools. The
parent keeps its handle on the embedded server, so the database outlives any single worker, and
passes SIGTERM/SIGINT on to the workers, each of which finishes its in-flight requests.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
import urllib.request

from aiohttp import web

from catalog.storage.runtime import open_database
from catalog.storage.settings import ENV_PREFIX, get_settings

from .app import create_app, load_demo_if_empty
from .observe import configure_access_log, configure_logging

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 10.0
# How the HTTP server runs every app (tests start theirs with the same): aiohttp's own access log
# is off, since it copies the raw request line, tokens included; the app writes its own.
RUNNER_OPTIONS: dict = {"access_log": None}


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _announce(host: str, port: int, workers: int) -> None:
    extra = f"，{workers} 个工作进程" if workers > 1 else ""
    print(f"三单联动 sandan 已启动: http://{host}:{port}/  (Ctrl-C 停止{extra})", flush=True)


def serve(*, host: str | None = None, port: int | None = None, demo: bool = False,
          workers: int | None = None) -> int:
    settings = get_settings()
    host = host or settings.host
    port = settings.port if port is None else port
    if (host, port) != (settings.host, settings.port):
        # --host and --port stand for SANDAN_HOST and SANDAN_PORT, here and in the workers: links
        # in messages default to the address the service listens on
        os.environ[f"{ENV_PREFIX}HOST"], os.environ[f"{ENV_PREFIX}PORT"] = host, str(port)
        get_settings.cache_clear()
        settings = get_settings()
    workers = settings.workers if workers is None else workers
    if workers < 1:
        log.error("workers must be at least 1 (got %s)", workers)
        return 2
    if port and not _port_free(host, port):
        log.error("port %s on %s is in use; set SANDAN_PORT or pass --port", port, host)
        return 2
    if settings.metrics_port is not None:
        metrics_host = settings.metrics_host or "127.0.0.1"
        if settings.metrics_port == port:
            log.error("SANDAN_METRICS_PORT must differ from the service's port (%s)", port)
            return 2
        if not _port_free(metrics_host, settings.metrics_port):
            log.error("SANDAN_METRICS_PORT: port %s on %s is in use", settings.metrics_port, metrics_host)
            return 2
    configure_access_log()
    if workers > 1 and not hasattr(socket, "SO_REUSEPORT"):
        log.warning("this system cannot share a port between processes; running one worker")
        workers = 1
    if workers == 1:
        # run_app handles SIGINT and SIGTERM: it stops accepting, lets in-flight requests finish
        # (up to shutdown_timeout), then runs cleanup_ctx, which closes the pool.
        web.run_app(create_app(settings, demo=demo), host=host, port=port, shutdown_timeout=SHUTDOWN_TIMEOUT,
                    print=lambda _: _announce(host, port, 1), **RUNNER_OPTIONS)
        return 0
    return _serve_many(host, port, workers, demo)


async def _prepare(demo: bool) -> None:
    async with open_database(get_settings()) as pool:
        if demo:
            await load_demo_if_empty(pool)


def _worker(host: str, port: int) -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    configure_access_log()
    app = create_app(settings, shared_port=True)
    app.on_startup.append(_stop_on_the_first_signal)
    web.run_app(app, host=host, port=port, reuse_port=True, handle_signals=False,
                shutdown_timeout=SHUTDOWN_TIMEOUT, print=None, **RUNNER_OPTIONS)


async def _stop_on_the_first_signal(app: web.Application) -> None:
    """A worker shuts down on the first SIGINT or SIGTERM and ignores the ones after it.

    Ctrl-C in a terminal reaches a worker twice, from the terminal and forwarded by the parent;
    aiohttp's own handling would raise a second GracefulExit in the middle of the shutdown the
    first one began, cutting it short and ending the worker with status 1."""
    loop = asyncio.get_running_loop()
    stopping = False

    def stop() -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise web.GracefulExit()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)


def _serve_many(host: str, port: int, workers: int, demo: bool) -> int:
    asyncio.run(_prepare(demo))
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(host, port), name=f"sandan-worker-{i}") for i in range(workers)]
    for p in procs:
        p.start()

    def forward(signum: int, _frame: object) -> None:
        for p in procs:
            if p.is_alive() and p.pid is not None:
                p.terminate()  # SIGTERM: the worker drains its requests and exits

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    if _wait_until_listening(host, port, procs):
        _announce(host, port, workers)
    for p in procs:
        p.join()
    codes = [p.exitcode or 0 for p in procs]
    return 0 if all(c in (0, -signal.SIGTERM) for c in codes) else 1


def _wait_until_listening(host: str, port: int, procs: list, timeout: float = 60.0) -> bool:
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and all(p.is_alive() for p in procs):
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    print("sandan: workers did not start listening", file=sys.stderr, flush=True)
    return False
