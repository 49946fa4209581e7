"""Forward-only numbered migrations, applied under an advisory lock.

The service and the batch job may start at the same moment; the advisory lock makes one of them
apply the pending migrations while the other waits and then finds nothing left to do. Each
migration runs in its own transaction together with its bookkeeping row, so a failed migration
leaves the schema exactly at the previous version.
"""

from __future__ import annotations

import logging

import asyncpg

from .sql import migrations

log = logging.getLogger(__name__)

# An arbitrary constant that identifies "sandan schema migrations" among advisory locks.
MIGRATION_LOCK_KEY = 0x5A4D_0001

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def applied_versions(conn: asyncpg.Connection) -> list[int]:
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return []
    rows = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
    return [r["version"] for r in rows]


async def migrate(conn: asyncpg.Connection) -> list[int]:
    """Apply every pending migration; return the versions applied by this call."""
    done: list[int] = []
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(_BOOKKEEPING)
        have = set(await applied_versions(conn))
        for version, name, sql in migrations():
            if version in have:
                continue
            log.info("applying migration %04d_%s", version, name)
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name
                )
            done.append(version)
        known = {v for v, _, _ in migrations()}
        unknown = sorted(have - known)
        if unknown:
            log.warning("database has migrations this code does not know: %s", unknown)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    return done
