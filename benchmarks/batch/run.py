"""The real run of the batch job with its phases timed, and the expiry of its proposals.

Each runs in a child process of its own (``--child run``, ``--child expiry``).
"""

from __future__ import annotations

import asyncio
import resource
import time
from pathlib import Path


async def child_run(dsn: str, seed: int, writer: str, nice: int, embedded: str = "-") -> dict:
    from catalog.batch import (
        bulk as batch_bulk,
        job as batch_job,
        plan as batch_plan,
        snapshot as batch_snapshot,
        write as batch_write,
    )
    from catalog.cli.batch import lower_priority
    from catalog.storage.db import embedded_dsn
    from tests.catalog.oracle import write_plan

    # as `sandan batch` does before its run: lower its priority, and join the embedded server
    # (whose processes working for the run then share that priority)
    lower_priority(nice)
    if embedded != "-":
        await asyncio.to_thread(embedded_dsn, Path(embedded))

    phases: dict[str, float] = {}
    running: set[str] = set()  # a phase function calling another of the same phase counts once

    def timed(name, fn, is_async):
        if is_async:
            async def timed_async(*a, **k):
                if name in running:
                    return await fn(*a, **k)
                running.add(name)
                t0 = time.perf_counter()
                try:
                    return await fn(*a, **k)
                finally:
                    phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0
                    running.discard(name)
            return timed_async

        def timed_sync(*a, **k):
            if name in running:
                return fn(*a, **k)
            running.add(name)
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0
                running.discard(name)
        return timed_sync

    # run_batch looks its phases up in their modules at call time, so timing them (and choosing
    # the writer) needs no change to the batch job itself
    write = batch_bulk.write_plan_bulk if writer == "bulk" else write_plan
    batch_job.sweep = timed("sweep", batch_job.sweep, True)
    batch_job.sweep_time_limits = timed("sweep", batch_job.sweep_time_limits, True)
    batch_snapshot.take_snapshot = timed("snapshot", batch_snapshot.take_snapshot, True)
    batch_snapshot.engine_problem = timed("snapshot.to_arrays", batch_snapshot.engine_problem, False)
    batch_plan.solve = timed("solve", batch_plan.solve, False)
    batch_bulk.write_plan_bulk = timed("write", write, True)
    batch_write.explain_proposals = timed("write.explain", batch_write.explain_proposals, False)
    batch_bulk.explain_proposals = timed("write.explain", batch_bulk.explain_proposals, False)
    batch_plan.proposals_of = timed("proposals", batch_plan.proposals_of, False)
    batch_plan.unmatched_of = timed("proposals", batch_plan.unmatched_of, False)
    # inside the solve: where its seconds go
    import matching

    for attr in ("solve_arrays", "validate_arrays", "runner_ups", "decode"):
        setattr(matching, attr, timed(f"solve.{attr}", getattr(matching, attr), False))
    # inside the snapshot: the reads against turning rows into the engine's records
    from catalog.storage.sql import q as query

    reads = {query("batch_open_projects"): "snapshot.read_projects",
             query("batch_open_resources"): "snapshot.read_resources"}
    import asyncpg

    class TimedReads(asyncpg.Connection):
        async def fetch(self, q, *a, **k):
            name = reads.get(q)
            if name is None:
                return await super().fetch(q, *a, **k)
            t0 = time.perf_counter()
            try:
                return await super().fetch(q, *a, **k)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0

    from catalog.storage.db import _init_connection

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4, init=_init_connection,
                                     connection_class=TimedReads,
                                     server_settings={"application_name": "sandan", "timezone": "Asia/Shanghai"})
    try:
        started = time.time()
        t0 = time.perf_counter()
        summary = await batch_job.run_batch(pool, seed=seed)
        total = time.perf_counter() - t0
        ended = time.time()
    finally:
        await pool.close()
    counts = summary.counts()
    return {"writer": writer, "nice": nice, "phases": phases, "total": total, "started": started, "ended": ended,
            "other": total - sum(v for k, v in phases.items() if "." not in k),
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "projects": summary.projects, "resources": summary.resources, "proposed": counts["proposed"],
            "skipped": counts["skipped"], "unmatched": counts["unmatched"], "status": summary.status,
            "run_id": summary.run_id}


async def child_expiry(dsn: str) -> dict:
    """The sweep's expiry when every pending proposal has run out at once (a whole run unanswered
    for its time to live): the proposals are made due, then ``expire_pending`` is timed."""
    import asyncpg

    from catalog.lists import work
    from catalog.storage.db import _init_connection

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2, init=_init_connection)
    try:
        due = await pool.fetchval("WITH d AS (UPDATE assignments SET expires_at = now() - interval '1 minute'"
                                  " WHERE status = 'pending' RETURNING 1) SELECT count(*) FROM d")
        t0 = time.perf_counter()
        expired = await work.expire_pending(pool)
        seconds = time.perf_counter() - t0
    finally:
        await pool.close()
    return {"due": due, "expired": expired, "seconds": seconds}
