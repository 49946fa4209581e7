"""Where the database comes from, and the pool every command runs on.

With ``SANDAN_DATABASE_URL`` set we use that server. Without it we start (or join) an embedded
PostgreSQL under the per-user data directory, so a newcomer needs nothing but Python. The
embedded server is shared: the web service and the batch job each register with it, and it stops
when the last of them exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
from pathlib import Path

import asyncpg

from catalog.local_time import TIME_ZONE_NAME
from catalog.storage import embedded
from catalog.storage.settings import Settings
from catalog.storage.sql import q

log = logging.getLogger(__name__)


def embedded_dsn(data_dir: Path, database: str = "postgres") -> str:
    """Start the embedded server under ``data_dir/pgdata`` if needed and return its DSN."""
    return embedded.join(data_dir).uri(database)


async def ensure_database(admin_dsn: str, name: str) -> None:
    """Create database ``name`` on the server behind ``admin_dsn`` if it does not exist."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval(q("database_exists"), name)
        if not exists:
            # another process may create it between our check and our create
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                # identifiers cannot be parameters; the name is checked above to be a plain one
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def resolve_dsn(settings: Settings) -> str:
    """The DSN to connect to: the configured one, or the embedded server's ``sandan`` database."""
    if settings.database_url:
        return settings.database_url
    admin = await asyncio.to_thread(embedded_dsn, settings.data_dir, "postgres")
    await ensure_database(admin, "sandan")
    return admin.replace("/postgres?", "/sandan?", 1)


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await share_niceness(conn)


def _parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis
    fields = stat[stat.rfind(")") + 2:].split()
    return int(fields[1]) if len(fields) > 1 else None


async def share_niceness(conn: asyncpg.Connection) -> bool:
    """Give the embedded server's process for ``conn`` this process's lowered CPU priority.

    ``sandan batch`` runs niced so that the web service keeps answering on a small machine; the
    database work it asks for would otherwise run at full priority in the server. Only a backend
    of an embedded server this process uses is touched (its parent is that server's postmaster),
    never an external server's; where the system does not allow it, nothing changes.
    Returns whether the backend's priority was lowered."""
    servers = embedded.joined()
    if not servers or not hasattr(os, "setpriority"):
        return False
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    if mine <= 0:
        return False
    # read afresh: the server may have been started again since this process joined it
    postmasters = {server.postmaster_pid() for server in servers} - {None}
    pid = await conn.fetchval(q("backend_pid"))
    parent = _parent_pid(pid)
    if parent is None or parent not in postmasters:
        return False
    try:
        if os.getpriority(os.PRIO_PROCESS, pid) < mine:
            os.setpriority(os.PRIO_PROCESS, pid, mine)
    except OSError as exc:
        log.debug("could not lower the priority of database process %s: %s", pid, exc)
        return False
    return True


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        server_settings={"application_name": "sandan", "timezone": TIME_ZONE_NAME},
    )
    assert pool is not None
    return pool
