"""The databases: a fresh one per size (migrated, the city loaded with COPY), dropped at the end."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

from .common import BENCH_PASSWORD, BENCH_USER


def admin_dsn(data_dir: Path) -> str:
    url = os.environ.get("SANDAN_DATABASE_URL")
    if url:
        return url
    from catalog.storage.db import embedded_dsn

    return embedded_dsn(data_dir, "postgres")


def with_database(dsn: str, name: str) -> str:
    head, _, tail = dsn.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{tail}" if tail else "")


async def fresh_database(admin: str) -> tuple[str, str]:
    import asyncpg

    from catalog.storage.db import ensure_database
    from catalog.storage.migrate import migrate

    name = f"sandan_bench_{uuid.uuid4().hex[:10]}"
    await ensure_database(admin, name)
    dsn = with_database(admin, name)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return name, dsn


async def drop_database(admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def load(dsn: str, n: int, seed: int) -> dict:
    import asyncpg
    from city_db import load_city

    from catalog.enums import Role
    from catalog.models import AccountIn
    from catalog.oversight.sweep import mark_time_limits
    from catalog.people import accounts
    from catalog.storage.db import _init_connection

    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    try:
        t0 = time.perf_counter()
        counts = await load_city(conn, n, seed=seed)
        counts["load_seconds"] = time.perf_counter() - t0
        # A city with this many open projects has had sweeps before: the previous one ran a
        # quarter of an hour ago (outside the timed run, which then sweeps what changed since, as
        # a cron-driven run does). This first sweep of a database that never had one is timed
        # on its own: it colours every clock and raises every overdue item at once.
        t0 = time.perf_counter()
        await mark_time_limits(conn, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=15))
        counts["first_sweep_seconds"] = time.perf_counter() - t0
        # the county-wide administrator the reader logs in as
        await accounts.create_account(conn, AccountIn(username=BENCH_USER, display_name="联盟管理员",
                                                      password=BENCH_PASSWORD, role=Role.STREET_ADMIN))
    finally:
        await conn.close()
    return counts


async def vacuum(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()
