"""Opening the database for a process: find or start the server, migrate, pool."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from catalog.storage.db import create_pool, resolve_dsn
from catalog.storage.migrate import migrate
from catalog.storage.settings import Settings

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
