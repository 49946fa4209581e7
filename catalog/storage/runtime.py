"""Opening the database for a process: find or start the server, migrate, pool; and what a service
process keeps open beside the pool (the database watch, the read cache), which the web app's
start-up opens and closes through here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from catalog.oversight import stats
from catalog.storage import embedded
from catalog.storage.cache import ReadCache, json_ready
from catalog.storage.db import create_pool, resolve_dsn
from catalog.storage.dbwatch import DatabaseWatch
from catalog.storage.migrate import migrate
from catalog.storage.settings import Settings

# The web app's door into storage; ``json_ready`` too, since the routing sends an answer as the
# JSON data the cache stores.
__all__ = ["DatabaseWatch", "ReadCache", "database_watch", "describe_dsn", "json_ready", "open_database", "ping",
           "read_cache"]

log = logging.getLogger(__name__)


def describe_dsn(dsn: str) -> str:
    """The DSN without a password, for logs."""
    head, sep, tail = dsn.partition("@")
    if not sep:
        return dsn
    scheme, _, creds = head.partition("://")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{tail}"


@asynccontextmanager
async def open_database(settings: Settings, *, run_migrations: bool = True) -> AsyncIterator[asyncpg.Pool]:
    """A migrated pool for this process; with no URL configured, on the embedded server."""
    dsn = await resolve_dsn(settings)
    log.info("database: %s", describe_dsn(dsn))
    if run_migrations:
        conn = await asyncpg.connect(dsn)
        try:
            applied = await migrate(conn)
            if applied:
                log.info("migrations applied: %s", applied)
        finally:
            await conn.close()
    pool = await create_pool(dsn, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
    try:
        yield pool
    finally:
        await pool.close()


# ---------------------------------------------------------------- beside the pool, in a service


def database_watch(pool: asyncpg.Pool, settings: Settings) -> DatabaseWatch:
    """The watch over this process's database (:meth:`DatabaseWatch.run` runs it): on the embedded
    server, which it starts again if it stops, when no URL is configured."""
    server = None if settings.database_url else embedded.find(settings.data_dir)
    return DatabaseWatch(pool, server)


def read_cache(settings: Settings) -> ReadCache:
    """The cache of read-mostly data: in Redis when a URL is configured, else in this process."""
    return ReadCache(settings.redis_url)


async def ping(pool: asyncpg.Pool) -> None:
    """Raises unless the database answers through ``pool`` (readiness)."""
    await stats.ping(pool)
