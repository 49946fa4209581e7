"""The batch job (批量优化派单): sweep, snapshot, solve, write, under the batch lock.

One run, under a session-level advisory lock so that runs never overlap:

1. **Sweep** (here): claims and offers past their time to live expire, unrated projects close,
   running clocks get their time-limit colour (时限预警, 督办).
2. **Snapshot** (:mod:`catalog.batch.snapshot`): open projects and published resources with room
   left, read in bulk in one short REPEATABLE READ READ ONLY transaction, as the engine's input.
3. **Solve** (:mod:`catalog.batch.plan`) outside any transaction, then check the plan with the
   engine's validator and read proposals, runner-ups and reasons off it.
4. **Write** in one transaction (:func:`catalog.batch.bulk.write_plan_bulk`, set-based): a
   proposal (优化派单) per matched project, its explanation and the run record
   (:func:`catalog.batch.write.record_run`). A project that changed since the snapshot is
   skipped and counted, never overwritten; a unit that reached its cap or a resource that filled
   up meanwhile is skipped the same way. Everything that takes CPU time (the explanations' JSON)
   is ready before the transaction starts, so its locks last only as long as its statements.

All or nothing: a run killed at any moment leaves either the whole write or none of it; the
sweep before it is its own transaction. The phases are separate functions so that tests (and
operators) can run them one by one; a :class:`~catalog.batch.summary.Progress` hears about each
phase as it goes. The phases are looked up in their modules at call time, so that a benchmark
can time them from outside.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

import asyncpg

import matching
from catalog.batch import bulk as batch_bulk, plan as batch_plan, snapshot as batch_snapshot
from catalog.batch.plan import BatchPlan
from catalog.batch.snapshot import Snapshot
from catalog.batch.summary import COUNTY, PARAMS, BatchSummary, Expiring, Progress, Scope, Skipped
from catalog.lists import closing, work
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

log = logging.getLogger(__name__)

# An arbitrary constant that identifies "the sandan batch job" among advisory locks.
BATCH_LOCK_KEY = 0x5A4D_0002


class BatchBusy(Exception):
    """Another run holds the batch lock."""


class _Clock:
    """Times the phases into ``summary.phases`` and tells the progress display."""

    def __init__(self, summary: BatchSummary, progress: Progress) -> None:
        self.summary, self.progress = summary, progress
        self.phase, self.t0 = "", 0.0

    def start(self, phase: str) -> None:
        self.phase, self.t0 = phase, time.perf_counter()
        log.debug("batch phase %s started", phase)
        self.progress.start(phase)

    def done(self, note: str = "") -> None:
        seconds = round(time.perf_counter() - self.t0, 3)
        self.summary.phases[self.phase] = seconds
        self.progress.done(self.phase, seconds, note)



# --- 1. sweep --------------------------------------------------------------------------------


async def sweep(db: Db, now: dt.datetime | None = None) -> tuple[int, int]:
    """Expire claims and offers past their time to live; close projects left unrated."""
    expired = await work.expire_pending(db, now)
    closed = await closing.close_unrated(db, now)
    return expired, len(closed)


async def sweep_time_limits(db: Db, now: dt.datetime | None = None, *, preview: bool = False) -> dict[str, int]:
    """The time limits' part of the sweep (时限预警 and 督办, :func:`catalog.oversight.sweep.mark_time_limits`):
    its counts, for the run record's ``sweep``; with ``preview`` what it would do, nothing kept."""
    from catalog.oversight.sweep import mark_time_limits

    marked = await mark_time_limits(db, now, preview=preview)
    return marked.model_dump(exclude={"now"})


async def preview_sweep(db: Db, now: dt.datetime) -> tuple[list[Expiring], int]:
    """What the sweep would do, without doing it (``--dry-run``): the claims and offers it
    would expire, and how many unrated projects it would close."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("batch_due_pending_list"), now)
        closing = await conn.fetchval(q("batch_due_unrated"), now)
    return [Expiring.model_validate(dict(r)) for r in rows], closing


# --- the whole run ---------------------------------------------------------------------------


class _Lock:
    """The batch lock, held on one connection for the whole run."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> _Lock:
        self.conn = await self.pool.acquire()
        try:
            got = await self.conn.fetchval(q("batch_try_lock"), BATCH_LOCK_KEY)
        except BaseException:
            await self.pool.release(self.conn)
            raise
        if not got:
            await self.pool.release(self.conn)
            raise BatchBusy("另一个批量派单任务正在运行 (another batch run holds the lock)")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.conn is not None
        try:
            await self.conn.fetchval(q("batch_unlock"), BATCH_LOCK_KEY)
        finally:
            await self.pool.release(self.conn)


def batch_lock(pool: asyncpg.Pool) -> _Lock:
    """``async with batch_lock(pool):`` holds the batch lock or raises :class:`BatchBusy` at once."""
    return _Lock(pool)


async def run_batch(
    pool: asyncpg.Pool, scope: Scope = COUNTY, *, dry_run: bool = False, seed: int = 0,
    now: dt.datetime | None = None, params: matching.Params = PARAMS, progress: Progress | None = None,
) -> BatchSummary:
    """Sweep, snapshot, solve and write, under the batch lock.

    With ``dry_run`` nothing is written: the sweep is only previewed (what it would expire and
    close; time limits are not marked), the proposals are the engine's before the write phase's
    checks, and the summary lists the declined pairs the engine left out.
    """
    started_at = dt.datetime.now(dt.UTC)
    progress = progress or Progress()
    await batch_snapshot.check_scope(pool, scope)
    async with batch_lock(pool):
        summary = BatchSummary(scope=str(scope), seed=seed, dry_run=dry_run)
        clock = _Clock(summary, progress)
        try:
            return await _phases(pool, scope, summary, clock, now=now, params=params, started_at=started_at,
                                 progress=progress)
        except Exception:
            log.error("batch run (%s) failed in phase %s; its open transaction was rolled back, no run record",
                      scope, clock.phase or "start")
            raise


def _solve_into(summary: BatchSummary, snap: Snapshot, seed: int, params: matching.Params) -> BatchPlan:
    """The solve phase: the plan, and what the summary says of it (proposals, skipped pairs,
    unmatched projects with their reasons, the supply gap)."""
    plan = batch_plan.solve(snap, seed, params)
    summary.objective, summary.bound, summary.gap = plan.objective, plan.bound, plan.gap
    summary.status = plan.status.value
    summary.unmatched = plan.unmatched_counts()
    summary.proposed, summary.skipped = batch_plan.proposals_of(plan)
    summary.skipped += [Skipped(project=n, code="no_location") for n in snap.skipped_no_point]
    summary.unmatched_projects = batch_plan.unmatched_of(plan)
    summary.supply_gap = list(plan.supply_gap)
    return plan


async def _phases(
    pool: asyncpg.Pool, scope: Scope, summary: BatchSummary, clock: _Clock, *, now: dt.datetime | None,
    params: matching.Params, started_at: dt.datetime, progress: Progress,
) -> BatchSummary:
    """The four phases of :func:`run_batch`, timed into ``summary.phases``."""
    dry_run = summary.dry_run
    seed = summary.seed

    clock.start("sweep")
    if dry_run:
        at = now or dt.datetime.now(dt.UTC)
        summary.expiring, summary.closed_unrated = await preview_sweep(pool, at)
        summary.expired = len(summary.expiring)
        # the colours as they stand now (before the expiries above, which a dry run does not do)
        summary.sweep = {"expired": summary.expired, "closed_unrated": summary.closed_unrated,
                         "time_limits": await sweep_time_limits(pool, at, preview=True)}
    else:
        summary.expired, summary.closed_unrated = await sweep(pool, now)
        # before the snapshot: the overdue credit it charges is part of what the engine reads
        summary.sweep = {"expired": summary.expired, "closed_unrated": summary.closed_unrated,
                         "time_limits": await sweep_time_limits(pool, now)}
    clock.done(f"过期 {summary.expired} 个，未评价结单 {summary.closed_unrated} 个")

    clock.start("snapshot")
    snap = await batch_snapshot.take_snapshot(pool, scope, now)
    summary.projects = snap.arrays.n_projects
    summary.resources = snap.arrays.n_resources
    summary.communities = await batch_snapshot.communities_of(pool, scope, snap)
    clock.done(f"项目 {summary.projects} 个，资源 {summary.resources} 个")

    clock.start("solve")
    # off the event loop, so that the progress display keeps ticking
    plan = await asyncio.to_thread(_solve_into, summary, snap, seed, params)
    clock.done(f"匹配 {len(summary.proposed)} 个，未匹配 {len(summary.unmatched_projects)} 个，差距 {plan.gap:.4%}")
    if dry_run:
        summary.declined = batch_snapshot.declined_of(snap)
        return summary

    clock.start("write")
    summary = await batch_bulk.write_plan_bulk(pool, snap, plan, summary, started_at, params, progress=progress)
    clock.done(f"写入 {len(summary.proposed)} 个，跳过 {len(summary.skipped)} 个")
    log.info("batch run %s (%s): %d proposed, %d skipped, %d unmatched; phases %s", summary.run_id, scope,
             len(summary.proposed), len(summary.skipped), len(summary.unmatched_projects), summary.phases)
    return summary
