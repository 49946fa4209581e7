"""The embedded PostgreSQL is shared: the service and the batch job can use it at the same time,
and it stops only when the last of them exits."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import asyncpg
import pytest

from catalog.storage.migrate import migrate

WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    import asyncpg
    from catalog.storage.db import embedded_dsn

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


def test_two_processes_share_one_embedded_server(embedded_data_dir):
    data_dir = embedded_data_dir
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
        from catalog.storage.sql import migrations

        assert applied == [n for n, _, _ in migrations()]  # each version applied exactly once
        assert sum(1 for r in results if r) == 1
    finally:
        for c in conns:
            await c.close()


NICED = textwrap.dedent(
    """
    import asyncio, os, sys
    from pathlib import Path
    from catalog.storage.db import create_pool, embedded_dsn

    os.nice(int(sys.argv[2]))
    dsn = embedded_dsn(Path(sys.argv[1]), "postgres")

    async def main():
        pool = await create_pool(dsn, min_size=2, max_size=2)
        async with pool.acquire() as a, pool.acquire() as b:
            pids = [await c.fetchval("SELECT pg_backend_pid()") for c in (a, b)]
            print(" ".join(str(os.getpriority(os.PRIO_PROCESS, p)) for p in pids), flush=True)
        await pool.close()

    asyncio.run(main())
    """
)


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no process priorities on this system")
def test_a_niced_batch_run_lowers_its_own_database_processes_only(embedded_data_dir):
    """`sandan batch` runs niced so the web service keeps answering; on the embedded server the
    database processes doing the run's work take the same lower priority, and nobody else's."""
    data_dir = embedded_data_dir
    with _start(data_dir) as service:
        try:
            ready = service.stdout.readline().split()
            assert ready[0] == "ready", service.stderr.read()
            service_backend = int(ready[1])
            run = subprocess.run([sys.executable, "-c", NICED, str(data_dir), "7"], capture_output=True,
                                 text=True, timeout=120, check=False)
            assert run.returncode == 0, run.stderr
            assert run.stdout.split() == ["7", "7"]  # both of the run's connections
            assert os.getpriority(os.PRIO_PROCESS, service_backend) == 0  # the service's untouched
            assert _ask(service, "ping")[0] == "answer"
        finally:
            _quit(service)


BY_DSN = textwrap.dedent(
    """
    import asyncio, os, sys
    from catalog.storage.db import create_pool

    os.nice(7)

    async def main():
        pool = await create_pool(sys.argv[1], min_size=1, max_size=1)
        async with pool.acquire() as conn:
            print(await conn.fetchval("SELECT pg_backend_pid()"), flush=True)
            input()  # hold the connection while the test looks at its server process
        await pool.close()

    asyncio.run(main())
    """
)


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no process priorities on this system")
def test_a_niced_process_leaves_a_server_it_did_not_start_alone(database_dsn):
    """Connected by URL (SANDAN_DATABASE_URL, or any server the process did not start itself), a
    niced process renices nothing: that server's processes belong to its administrator."""
    with subprocess.Popen([sys.executable, "-c", BY_DSN, database_dsn], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            line = proc.stdout.readline()
            assert line.strip().isdigit(), proc.stderr.read()
            backend = int(line)
            assert os.getpriority(os.PRIO_PROCESS, backend) == 0
        finally:
            proc.communicate("\n", timeout=60)
    assert proc.returncode == 0


def _niceness(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rfind(")") + 2:].split()[16])  # field 19 of proc(5)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_niced_batch_run_that_starts_the_server_leaves_the_server_at_normal_priority(embedded_data_dir):
    """`sandan batch` lowers its priority only once the database is up: an embedded server it
    starts itself (the web service will work on it too) runs at normal priority."""
    data_dir = embedded_data_dir
    env = {k: v for k, v in os.environ.items() if k != "SANDAN_DATABASE_URL"}
    env.update(SANDAN_DATA_DIR=str(data_dir), SANDAN_LOG_LEVEL="WARNING")
    run = subprocess.Popen([sys.executable, "-m", "api.cli", "batch", "--nice", "5", "--json"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    seen = None
    deadline = time.monotonic() + 120
    while seen is None and run.poll() is None and time.monotonic() < deadline:
        try:
            seen = _niceness(int(pid_file.read_text().split()[0]))
        except (OSError, ValueError, IndexError):
            time.sleep(0.01)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert seen == 0
    assert '"proposed": []' in out  # an empty county: the run itself went through
