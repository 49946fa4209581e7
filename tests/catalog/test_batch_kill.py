"""All or nothing: ``sandan batch`` killed with SIGKILL at random points leaves no partial state.

A county of a few hundred open projects takes the command a second or two. Each round first
lets every pending proposal run out, so the run has real work in every phase (the sweep expires
them, the snapshot reads the projects again, the engine solves, the write offers them again),
then starts ``sandan batch`` and kills it at a random point of a chosen phase. The points are
counted, not timed: a phase's points are its start, each database call it makes (before the
call) and its end, and the run stops itself at the chosen one (SIGSTOP) for the test to kill
it there, so that a busy machine cannot make a kill land after the run has finished. After every
kill the database must hold no run record without its explanations, no optimiser proposal
without its explanation and run, no project whose status disagrees with its live assignments,
and the batch lock must be free.

Starting Python and importing the engine costs more than the run itself on a busy machine, so
the commands are forked from a warm process that has imported everything once: each is a fresh
process running ``sandan batch``'s ``main`` with its own database connections, killed for real.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
import tempfile
from pathlib import Path

from catalog.batch import job as batch, summary as batch_summary
from catalog.cli import batch as batch_cli
from catalog.enums import ServiceMode
from catalog.lists import resources
from catalog.models import ResourceIn
from tests.conftest import REPO
from tests.factories import ADMIN, make_unit, make_world, unit_actor

PROJECTS = 240
UNITS = 12
KILLS_PER_PHASE = 6  # 24 kills in all

# Forks a `sandan batch` per request ("log phase point", or "log - -1" to run it through), from
# a process that imported everything once. The child counts the points of each phase; at the
# requested one (or at the phase's end, when the phase has less work this time) it writes
# "batch stopped" to its log and stops itself. A run that goes through writes the points of
# every phase to log + ".points".
WARM = r"""
import json, os, signal, sys
import asyncpg
import api.cli, catalog.batch.job, catalog.oversight.sweep, matching  # noqa: F401  (imported once, before forking)

CALLS = ("execute", "executemany", "fetch", "fetchrow", "fetchval", "copy_records_to_table",
         "copy_to_table", "copy_from_table", "copy_from_query")


def count_points(stop_phase, stop_at, points):
    state = {"phase": None, "point": 0}

    def point(last=False):
        if state["phase"] is None:
            return
        if state["phase"] == stop_phase and (state["point"] == stop_at or last):
            print(f"batch stopped in {stop_phase} at point {state['point']}", flush=True)
            os.kill(os.getpid(), signal.SIGSTOP)
        state["point"] += 1

    clock = catalog.batch.job._Clock
    start, done = clock.start, clock.done

    def clock_start(self, phase):
        start(self, phase)
        state.update(phase=phase, point=0)
        point()

    def clock_done(self, note=""):
        point(last=True)
        points[state["phase"]] = state["point"]
        state["phase"] = None
        done(self, note)

    clock.start, clock.done = clock_start, clock_done

    def counted(method):
        async def call(self, *args, **kwargs):
            point()
            return await method(self, *args, **kwargs)
        return call

    for name in CALLS:
        setattr(asyncpg.Connection, name, counted(getattr(asyncpg.Connection, name)))


for line in sys.stdin:
    log, phase, at = line.split()
    pid = os.fork()
    if pid == 0:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        points = {}
        count_points(phase, int(at), points)
        code = api.cli.main(["batch", "--json"])
        sys.stdout.flush()
        sys.stderr.flush()
        with open(log + ".points", "w") as out:
            json.dump(points, out)
        os._exit(code)
    print(f"pid {pid}", flush=True)
    _, status = os.waitpid(pid, 0)
    print(f"exit {pid} {os.waitstatus_to_exitcode(status)}", flush=True)
"""


async def _county(db):
    """Four communities, twelve units with room for every project, 240 open projects (optimise)."""
    world = await make_world(db, communities=4, grids=1)
    for _ in range(UNITS):
        unit = await make_unit(db, world, cap=PROJECTS)
        r = await resources.create_resource(
            db,
            ResourceIn(unit_id=unit.id, title="上门服务", category_code="public.elderly", capacity_projects=PROJECTS,
                       area_communities=world.communities, mode=ServiceMode.HOME),
            unit_actor(unit.id),
        )
        await resources.publish_resource(db, r.id, ADMIN)
    # the projects themselves in one statement: what matters here is the batch job, not the road
    # a project takes to 已发布 (tests/catalog/test_project_lifecycle.py walks that)
    await db.execute(
        """
        INSERT INTO projects (title, category_code, community_code, estimated_hours, dispatch_mode, status,
                              priority, urgency, created_by, published_at)
        SELECT '助老服务 ' || i, 'public.elderly', ($1::text[])[1 + i % 4], 2.0, 'optimise', 'published',
               1 + i % 5, (ARRAY['urgent', 'normal', 'long_term'])[1 + i % 3], 'secretary:sec',
               now() - make_interval(days => i % 40)
        FROM generate_series(1, $2) AS i
        """,
        world.communities, PROJECTS,
    )
    return world


async def _lock_is_free(db) -> bool:
    """A killed run's session ends when PostgreSQL notices the closed socket; wait for that."""
    async with db.acquire() as conn:
        for _ in range(300):
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", batch.BATCH_LOCK_KEY):
                await conn.fetchval("SELECT pg_advisory_unlock($1)", batch.BATCH_LOCK_KEY)
                return True
            await asyncio.sleep(0.05)
    return False


CHECKS = {
    "run record without all its explanations": """
        SELECT count(*) FROM batch_runs r
        WHERE (r.counts->>'proposed')::int <> (SELECT count(*) FROM proposal_explanations e WHERE e.run_id = r.id)""",
    "optimiser proposal without its explanation": """
        SELECT count(*) FROM assignments a
        WHERE a.created_by = 'batch:optimiser'
          AND NOT EXISTS (SELECT 1 FROM proposal_explanations e WHERE e.assignment_id = a.id)""",
    "published project with a live lead": """
        SELECT count(*) FROM projects p
        WHERE p.status = 'published' AND EXISTS (
            SELECT 1 FROM assignments a WHERE a.project_id = p.id AND a.role = 'lead'
              AND a.status IN ('pending', 'active'))""",
    "dispatched project without a pending offer": """
        SELECT count(*) FROM projects p
        WHERE p.status = 'dispatched' AND NOT EXISTS (
            SELECT 1 FROM assignments a WHERE a.project_id = p.id AND a.role = 'lead' AND a.status = 'pending'
              AND a.kind IN ('directed', 'proposal'))""",
    "pending offer on a project not dispatched": """
        SELECT count(*) FROM assignments a JOIN projects p ON p.id = a.project_id
        WHERE a.status = 'pending' AND a.kind = 'proposal' AND p.status <> 'dispatched'""",
    "unmatched row of a run that does not exist": """
        SELECT count(*) FROM batch_run_unmatched u
        WHERE NOT EXISTS (SELECT 1 FROM batch_runs r WHERE r.id = u.run_id)""",
}


async def _broken(db) -> dict[str, int]:
    out = {}
    for name, sql in CHECKS.items():
        n = await db.fetchval(sql)
        if n:
            out[name] = n
    return out


class Warm:
    """The warm process: ``start()`` forks a ``sandan batch`` and returns its pid and log file."""

    def __init__(self, dsn: str, folder: Path) -> None:
        self.dsn, self.folder, self.n = dsn, folder, 0

    async def __aenter__(self) -> Warm:
        env = dict(os.environ, SANDAN_DATABASE_URL=self.dsn, SANDAN_LOG_LEVEL="INFO")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WARM, cwd=REPO, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both piped above
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stdin.close()
        await self.proc.wait()

    async def start(self, phase: str = "-", point: int = -1) -> tuple[int, Path]:
        """A run that stops itself at ``point`` of ``phase`` (by default it runs through)."""
        self.n += 1
        log = self.folder / f"run{self.n}.log"
        self.stdin.write(f"{log} {phase} {point}\n".encode())
        await self.stdin.drain()
        line = (await self.stdout.readline()).decode().split()
        assert line[0] == "pid", line
        return int(line[1]), log

    async def exit_code(self, pid: int) -> int:
        line = (await asyncio.wait_for(self.stdout.readline(), 120)).decode().split()
        assert line[:2] == ["exit", str(pid)], line
        return int(line[2])


async def _wait_for(log: Path, text: str, deadline: float = 300.0) -> bool:
    """Until ``text`` is in the log; the deadline only ends a test that would hang."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while loop.time() < end:
        if log.exists() and text in log.read_text(errors="replace"):
            return True
        await asyncio.sleep(0.01)
    return False


def _landed(log: Path) -> str:
    """The phase the run was in when it died: the last one started and not done."""
    current = "startup"
    for line in log.read_text(errors="replace").splitlines():
        for phase in batch_summary.PHASES:
            if f"batch phase {phase} started" in line:
                current = phase
            elif f"batch phase {phase} done" in line:
                current = f"after {phase}"
    return current


async def test_killed_runs_leave_nothing_half_done(db, database_dsn):
    await _county(db)
    rng = random.Random(20240611)
    with tempfile.TemporaryDirectory() as tmp:
        async with Warm(database_dsn, Path(tmp)) as warm:
            # a complete run first: it proposes every project
            pid, log = await warm.start()
            assert await warm.exit_code(pid) == batch_cli.EXIT_OK, log.read_text()
            first = json.loads(log.read_text()[log.read_text().index("{\n"):])
            assert len(first["proposed"]) == PROJECTS
            # then one like every round below, which counts the points of each phase
            await db.execute("UPDATE assignments SET expires_at = now() - interval '1 second' WHERE status = 'pending'")
            pid, log = await warm.start()
            assert await warm.exit_code(pid) == batch_cli.EXIT_OK, log.read_text()
            points = json.loads(Path(f"{log}.points").read_text())
            assert set(points) == set(batch_summary.PHASES) and all(points.values()), points

            targets = [p for p in batch_summary.PHASES for _ in range(KILLS_PER_PHASE)]
            rng.shuffle(targets)
            landed: dict[str, int] = {}
            for i, phase in enumerate(targets):
                # every offer runs out, so the sweep, the snapshot and the write all have work
                await db.execute("UPDATE assignments SET expires_at = now() - interval '1 second'"
                                 " WHERE status = 'pending'")
                runs_before = await db.fetchval("SELECT count(*) FROM batch_runs")
                point = rng.randrange(points[phase])
                pid, log = await warm.start(phase, point)
                assert await _wait_for(log, f"batch stopped in {phase} at point"), log.read_text()
                os.kill(pid, signal.SIGKILL)
                code = await warm.exit_code(pid)
                assert code == -signal.SIGKILL, log.read_text()
                where = _landed(log)
                landed[where] = landed.get(where, 0) + 1

                assert await _lock_is_free(db), f"kill {i} ({where}): the batch lock is still held"
                assert await _broken(db) == {}, f"kill {i} ({where})"
                assert await db.fetchval("SELECT count(*) FROM batch_runs") - runs_before <= 1

            print(f"\nkills by phase: {landed}, points per phase: {points}")
            assert landed == {phase: KILLS_PER_PHASE for phase in batch_summary.PHASES}

            # and after all that, a run goes through
            await db.execute("UPDATE assignments SET expires_at = now() - interval '1 second' WHERE status = 'pending'")
            pid, log = await warm.start()
            assert await warm.exit_code(pid) == batch_cli.EXIT_OK, log.read_text()
    assert await _broken(db) == {}
    assert await db.fetchval("SELECT count(*) FROM projects WHERE status = 'dispatched'") == PROJECTS
