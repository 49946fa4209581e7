"""Forward-only numbered migrations, applied under an advisory lock.

The service and the batch job may start at the same moment; the advisory lock makes one of them
apply the pending migrations while the other waits and then finds nothing left to do. Each
migration runs in its own transaction together with its bookkeeping row, so a failed migration
leaves the schema exactly at the previous version.
"""

from __future__ import annotations

import logging

import asyncpg

from catalog.storage.sql import migrations, q

log = logging.getLogger(__name__)

# An arbitrary constant that identifies "sandan schema migrations" among advisory locks.
MIGRATION_LOCK_KEY = 0x5A4D_0001



async def applied_versions(conn: asyncpg.Connection) -> list[int]:
    exists = await conn.fetchval(q("migrations_table_exists"))
    if not exists:
        return []
    rows = await conn.fetch(q("migrations_applied"))
    return [r["version"] for r in rows]


async def migrate(conn: asyncpg.Connection) -> list[int]:
    """Apply every pending migration; return the versions applied by this call."""
    done: list[int] = []
    await conn.execute(q("advisory_lock"), MIGRATION_LOCK_KEY)
    try:
        await conn.execute(q("migrations_bookkeeping"))
        have = set(await applied_versions(conn))
        for version, name, sql in migrations():
            if version in have:
                continue
            log.info("applying migration %04d_%s", version, name)
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(q("migrations_record"), version, name)
            done.append(version)
        known = {v for v, _, _ in migrations()}
        unknown = sorted(have - known)
        if unknown:
            log.warning("database has migrations this code does not know: %s", unknown)
    finally:
        await conn.execute(q("advisory_unlock"), MIGRATION_LOCK_KEY)
    return done
