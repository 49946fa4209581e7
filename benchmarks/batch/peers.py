"""Peers on one snapshot, nothing kept: the optimiser against first come, first served on the
engine's own candidate pairs, and the write phase with both writers, each rolled back."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import numpy as np


def compare_plans(a, urgent_ids: set[str], seed: int) -> dict:
    """Optimiser and FCFS claiming on the same arrays (a snapshot's) and the same candidate pairs."""
    from engine.metrics import gini
    from engine.peers import candidates, run_fcfs

    from catalog.batch.summary import PARAMS
    from matching import solve_arrays, validate_arrays
    from matching.rules import unit_nominal

    params = PARAMS
    c = candidates(a, params)
    reachable = np.zeros(a.n_units, bool)
    reachable[a.r_unit[c.r]] = True
    nominal = unit_nominal(a, params)
    urgent = np.array([str(i) in urgent_ids for i in a.project_ids.tolist()], bool)
    out = {"projects": a.n_projects, "resources": a.n_resources, "units": a.n_units,
           "units_reachable": int(reachable.sum()), "urgent": int(urgent.sum()), "pairs": len(c.p)}
    for name in ("optimiser", "fcfs"):
        t0 = time.perf_counter()
        if name == "optimiser":
            plan = solve_arrays(a, params, seed=seed)
            p, r = plan.p, plan.r
        else:
            p, r, _ = run_fcfs(a, params, seed, {})
        secs = time.perf_counter() - t0
        v = validate_arrays(a, p, r, params)
        served = np.bincount(p, minlength=a.n_projects) >= a.p_k
        load = np.bincount(a.r_unit[r], minlength=a.n_units)[reachable]
        ratio = load / nominal[reachable]
        out[name] = {
            "seconds": secs, "valid": bool(v.ok), "objective": int(v.objective_scaled),
            "served": int(served.sum()), "served_pct": 100.0 * served.mean() if len(served) else 0.0,
            "urgent_served": int((served & urgent).sum()),
            "urgent_served_pct": 100.0 * (served & urgent).sum() / max(1, urgent.sum()),
            "load_max": int(load.max()) if len(load) else 0,
            "load_mean": float(load.mean()) if len(load) else 0.0,
            "load_gini": gini(ratio),
            "units_idle_pct": 100.0 * float((load == 0).mean()) if len(load) else 0.0,
            "units_full_pct": 100.0 * float((ratio >= 1.0).mean()) if len(load) else 0.0,
        }
    o, f = out["optimiser"], out["fcfs"]
    out["ratios"] = {
        "served": o["served"] / max(1, f["served"]),
        "urgent_served": o["urgent_served"] / max(1, f["urgent_served"]),
        "load_gini": o["load_gini"] / f["load_gini"] if f["load_gini"] else float("nan"),
    }
    return out


async def fetch_urgent_ids(conn, snap) -> set[str]:
    """The snapshot's urgent projects, by their engine id (``projects.id``) as text."""
    rows = await conn.fetch("SELECT id FROM projects WHERE id = ANY($1::bigint[]) AND urgency = 'urgent'",
                            snap.arrays.project_ids.tolist())
    return {str(r["id"]) for r in rows}


async def _write_rolled_back(pool, writer, snap, plan, proposed, skipped) -> dict:
    from catalog.batch.summary import BatchSummary

    summary = BatchSummary(scope=str(snap.scope), seed=0, dry_run=False, proposed=list(proposed),
                           skipped=list(skipped))
    started_at = dt.datetime.now(dt.UTC)  # before the transaction: a run never finishes before it starts
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            t0 = time.perf_counter()
            summary = await writer(conn, snap, plan, summary, started_at)
            secs = time.perf_counter() - t0
        finally:
            await tx.rollback()
    return {"seconds": secs, "proposals": len(proposed), "written": len(summary.proposed),
            "per_proposal_ms": 1000.0 * secs / max(1, len(proposed))}


async def child_peers(dsn: str, seed: int, row_max: int) -> dict:
    from catalog.batch import bulk as batch_bulk, plan as batch_plan, snapshot as batch_snapshot
    from catalog.storage.db import create_pool
    from tests.catalog.oracle import write_plan

    pool = await create_pool(dsn, min_size=1, max_size=4)
    try:
        snap = await batch_snapshot.take_snapshot(pool)
        async with pool.acquire() as conn:
            urgent = await fetch_urgent_ids(conn, snap)
        out = {"comparison": compare_plans(snap.arrays, urgent, seed)}
        plan = await asyncio.to_thread(batch_plan.solve, snap, seed)
        proposed, skipped = batch_plan.proposals_of(plan)
        part = proposed[:row_max]
        for key, writer, todo in (("bulk", batch_bulk.write_plan_bulk, proposed), ("row", write_plan, part)):
            try:
                out[key] = await _write_rolled_back(pool, writer, snap, plan, todo, skipped)
            except Exception as exc:  # one writer failing still leaves the other's figures
                out[key] = {"error": f"{type(exc).__name__}: {exc}"}
            out[key]["sampled"] = len(todo) < len(proposed)
            out[key]["of"] = len(proposed)
        return out
    finally:
        await pool.close()
