"""The embedded PostgreSQL is shared: the service and the batch job can use it at the same time,
and it stops only when the last of them exits."""

import subprocess
import sys
import textwrap
import time

import asyncpg
import pytest

from catalog.migrate import migrate

WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    import asyncpg
    from catalog.db import embedded_dsn

    dsn = embedded_dsn(Path(sys.argv[1]), "postgres")

    async def main():
        conn = await asyncpg.connect(dsn)
        print("ready", (await conn.fetchval("SELECT pg_backend_pid()")), flush=True)
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            print("answer", await conn.fetchval("SELECT count(*) FROM pg_stat_activity"), flush=True)
        await conn.close()

    asyncio.run(main())
    print("bye", dsn, flush=True)
    """
)


def _start(data_dir):
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(data_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _ask(proc, line):
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return proc.stdout.readline().split()


def _quit(proc):
    if proc.poll() is None:
        proc.stdin.write("quit\n")
        proc.stdin.flush()
    return proc.wait(timeout=60)


def test_two_processes_share_one_embedded_server(tmp_path):
    data_dir = tmp_path / "data"
    with _start(data_dir) as service:
        try:
            assert service.stdout.readline().startswith("ready"), service.stderr.read()
            with _start(data_dir) as batch:
                try:
                    assert batch.stdout.readline().startswith("ready"), batch.stderr.read()
                    assert _ask(service, "ping")[0] == "answer"
                    assert _ask(batch, "ping")[0] == "answer"
                    # the service goes away; the batch job keeps working on the same server
                    assert _quit(service) == 0
                    assert _ask(batch, "ping")[0] == "answer"
                finally:
                    _quit(batch)
        finally:
            if service.poll() is None:
                service.kill()
                service.wait()
    # the last user left: the server has stopped and removed its pid file
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    deadline = time.monotonic() + 30
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not pid_file.exists()


@pytest.fixture
async def empty_database(database_dsn):
    """A second, empty database on the test server."""
    import uuid

    admin = await asyncpg.connect(database_dsn)
    name = f"sandan_empty_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    head, _, tail = database_dsn.partition("?")
    dsn = head.rsplit("/", 1)[0] + f"/{name}" + (f"?{tail}" if tail else "")
    yield dsn
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


async def test_concurrent_starts_apply_each_migration_once(empty_database):
    """Service and batch job starting together on an empty database: one migrates, one waits."""
    import asyncio

    conns = [await asyncpg.connect(empty_database) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c) for c in conns))
        applied = sorted(v for r in results for v in r)
        from catalog.sql import migrations

        assert applied == [n for n, _, _ in migrations()]  # each version applied exactly once
        assert sum(1 for r in results if r) == 1
    finally:
        for c in conns:
            await c.close()
