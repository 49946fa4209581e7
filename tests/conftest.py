"""Shared fixtures. Database fixtures start PostgreSQL only for tests that ask for them.

The database is real: ``SANDAN_DATABASE_URL`` when set, otherwise an embedded PostgreSQL in a
per-user temporary directory. Each test run gets a fresh database, migrated from empty.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psutil
import pytest
from hypothesis import HealthCheck, settings

from catalog.storage.db import create_pool, embedded_dsn, ensure_database
from catalog.storage.migrate import migrate
from catalog.storage.sql import migrations

REPO = Path(__file__).resolve().parent.parent

# Property tests judge what the code answers, never how fast: on a loaded machine Hypothesis'
# per-example deadline and its "input generation is slow" check fail tests that are right.
settings.register_profile("sandan", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sandan")



def _admin_dsn() -> str:
    url = os.environ.get("SANDAN_DATABASE_URL")
    if url:
        return url
    return embedded_dsn(Path(tempfile.gettempdir()) / f"sandan-test-{os.getuid()}", "postgres")


@contextlib.contextmanager
def own_data_dir() -> Iterator[Path]:
    """A data directory for an embedded server of a test's own, outside pytest's temporary root:
    run as root the server runs as another user, and every pytest session on the machine takes
    others' access to /tmp/pytest-of-root away again (initdb then fails, "Permission denied").
    Afterwards a server left running there is stopped and the directory removed."""
    data_dir = Path(tempfile.mkdtemp(prefix="sandan-embedded-test-"))
    try:
        yield data_dir
    finally:
        try:
            pid = int((data_dir / "pgdata" / "postmaster.pid").read_text().split("\n", 1)[0])
            os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
            psutil.Process(pid).wait(timeout=60)
        except (OSError, ValueError, psutil.Error):
            pass  # none was running
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def embedded_data_dir() -> Iterator[Path]:
    with own_data_dir() as data_dir:
        yield data_dir


def _with_database(dsn: str, name: str) -> str:
    # Replace only the path component: both DSN shapes we produce are postgresql://…/<db>[?…]
    head, _, tail = dsn.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{tail}" if tail else "")


async def migrated_database(admin: str, name: str) -> str:
    """Create database ``name`` beside ``admin``'s, migrate it to head and return its DSN."""
    await ensure_database(admin, name)
    dsn = _with_database(admin, name)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return dsn


@pytest.fixture(scope="session")
async def database_dsn():
    admin = _admin_dsn()
    name = f"sandan_test_{uuid.uuid4().hex[:12]}"
    dsn = await migrated_database(admin, name)
    yield dsn
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def pool(database_dsn):
    p = await create_pool(database_dsn, min_size=2, max_size=60)
    yield p
    await p.close()


# Data migrations (the seeded categories) are replayed after each truncation.
_SEED = [sql for _, name, sql in migrations() if name.startswith("seed_")]


async def data_tables(conn) -> list[str]:
    """Every table but the migration bookkeeping, so a new table never leaks between tests."""
    rows = await conn.fetch(
        "SELECT quote_ident(tablename) AS t FROM pg_tables"
        " WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY tablename"
    )
    return [r["t"] for r in rows]


async def empty_database(conn) -> None:
    """Remove all data, then put back what the data migrations seed (the categories)."""
    await conn.execute(f"TRUNCATE {', '.join(await data_tables(conn))} RESTART IDENTITY CASCADE")
    for sql in _SEED:
        await conn.execute(sql)


@pytest.fixture
async def db(pool):
    """An empty database (but for the seeded categories) for each test."""
    async with pool.acquire() as conn:
        await empty_database(conn)
    return pool
