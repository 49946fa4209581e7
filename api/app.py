"""The aiohttp application factory. Every resource opens and closes in ``cleanup_ctx``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from catalog.cli import demo_if_empty
from catalog.errors import Conflict
from catalog.storage.runtime import DatabaseWatch, ReadCache, database_watch, open_database, ping, read_cache
from catalog.storage.settings import Settings

from . import headers, logsafe, observe, openapi, routes, web as pages
from .errors import DB_UNAVAILABLE, MAX_BODY_BYTES, MIDDLEWARES

log = logging.getLogger(__name__)

POOL = web.AppKey("pool", asyncpg.Pool)
SETTINGS = web.AppKey("settings", Settings)
CACHE = web.AppKey("cache", ReadCache)
WATCH = web.AppKey("database_watch", DatabaseWatch)


def create_app(settings: Settings, *, demo: bool = False, shared_port: bool = False) -> web.Application:
    """The service. ``shared_port``: several worker processes run it, each binding the same
    ports (the metrics port too, when there is one)."""
    app = web.Application(middlewares=[observe.observe_middleware, *MIDDLEWARES, pages.page_middleware],
                          client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[observe.METRICS] = observe.Metrics()

    async def database(app: web.Application) -> AsyncIterator[None]:
        async with open_database(settings) as pool:
            if demo:
                await load_demo_if_empty(pool)
            app[POOL] = pool
            yield

    async def watch(app: web.Application) -> AsyncIterator[None]:
        # Closed before the pool (cleanup_ctx unwinds in reverse), so it never checks a closed one.
        app[WATCH] = database_watch(app[POOL], settings)
        task = asyncio.create_task(app[WATCH].run(), name="database watch")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def cache(app: web.Application) -> AsyncIterator[None]:
        app[CACHE] = read_cache(settings)
        yield
        await app[CACHE].close()

    async def metrics_port(app: web.Application) -> AsyncIterator[None]:
        access = observe.MetricsAccess.from_settings(settings, own_port=True)
        runner = web.AppRunner(observe.metrics_app(app[observe.METRICS], access), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.metrics_host or "127.0.0.1", settings.metrics_port,
                           reuse_port=shared_port or None)
        await site.start()
        yield
        await runner.cleanup()

    async def announce_metrics(app: web.Application) -> AsyncIterator[None]:
        log.info(observe.describe_metrics(settings))
        yield

    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(watch)
    app.cleanup_ctx.append(cache)
    app.cleanup_ctx.append(announce_metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    if settings.metrics_port is None:
        app[observe.METRICS_ACCESS] = observe.MetricsAccess.from_settings(settings)
        app.router.add_get("/metrics", observe.metrics_endpoint)
    else:
        app.cleanup_ctx.append(metrics_port)
    routes.install(app, POOL, CACHE)
    pages.install(app, POOL, CACHE)
    openapi.install(app)
    logsafe.install(app)
    headers.install(app)
    return app


async def load_demo_if_empty(pool: asyncpg.Pool) -> None:
    try:
        summary = await demo_if_empty(pool)
    except Conflict as exc:  # another process loaded it between our check and our load
        log.info("demo not loaded: %s", exc.message)
        return
    if summary is None:
        log.info("database already has data; demo not loaded")
        return
    # the summary lists the closing links' tokens (and the demo password): for the person who
    # started the demo, on standard output, never in the log
    log.info("demo county loaded; its summary with the demo accounts and closing links is on standard output")
    print(summary, flush=True)


async def healthz(request: web.Request) -> web.Response:
    """The process is alive; says nothing about the database."""
    return web.json_response({"status": "ok", "pid": os.getpid()})


async def readyz(request: web.Request) -> web.Response:
    """Ready means the database answers; while it does not, says whether it is being restarted."""
    try:
        await ping(request.app[POOL])
    except (*DB_UNAVAILABLE, asyncpg.PostgresError) as exc:
        log.warning("readiness check failed: %r", exc)
        watch = request.app.get(WATCH)
        state = watch.state if watch is not None and watch.state != "ok" else "unreachable"
        return web.json_response({"status": "unavailable", "database": state, "pid": os.getpid()}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "pid": os.getpid()})
