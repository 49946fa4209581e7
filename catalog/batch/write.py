"""The write phase's common part: the explanations and the run record every writer ends with.

The run writes with the set-based :func:`catalog.batch.bulk.write_plan_bulk`, inside whose
transaction :func:`record_run` writes the run record, the explanations and the unmatched
projects. (The one-by-one writer it replaced is kept as the bulk writer's oracle, under tests/.)
"""


from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import orjson

import matching
from catalog.batch.plan import BatchPlan
from catalog.batch.snapshot import Snapshot
from catalog.batch.summary import PARAMS, BatchSummary, Proposal
from catalog.storage.sql import q


def _JSON(value: Any) -> str:
    """Compact JSON text: at 100k the explanations are tens of megabytes, made by orjson."""
    return orjson.dumps(value).decode()


def explain_proposals(plan: BatchPlan, proposals: list[Proposal]) -> dict[tuple[int, int], tuple[float, str, str]]:
    """Each proposal's explanation as the run record stores it, by (project id, unit id): the
    engine's own score and breakdown (as decoded, unrounded) and the runner-ups, as JSON text. A
    writer computes this before its transaction, so that the transaction's locks wait for no
    CPU work."""
    r = plan.result
    row = {(r.project_id[i], r.unit_id[i]): i for i in r.order}
    out = {}
    for p in proposals:
        i = row[(p.project_id, p.unit_id)]
        out[(p.project_id, p.unit_id)] = (r.score[i], _JSON(r.breakdown[i]), _JSON(p.runner_ups))
    return out


async def record_run(
    conn: asyncpg.Connection, snapshot: Snapshot, plan: BatchPlan, summary: BatchSummary,
    started_at: dt.datetime, params: matching.Params = PARAMS, *, write_seconds: float | None = None,
    explained: dict[tuple[int, int], tuple[float, str, str]] | None = None,
) -> int:
    """The run record, the written proposals' explanations and the unmatched projects, inside
    the write's transaction (``summary.proposed`` as written, with assignment ids); sets and
    returns ``summary.run_id``. Any writer of the plan ends with this.

    A run timed phase by phase (``summary.phases``, filled by :func:`run_batch`) records the
    write phase too: ``write_seconds``, the write up to this record. ``explained``: the
    proposals' :func:`explain_proposals`, made before the transaction (made here if not given).
    """
    phases = dict(summary.phases)
    if phases and write_seconds is not None:
        phases["write"] = round(write_seconds, 3)
    row = await conn.fetchrow(
        q("batch_run_record"), started_at, str(snapshot.scope), summary.seed,
        params.model_dump(mode="json"), summary.counts(), plan.objective, plan.bound, plan.gap,
        plan.status.value, summary.sweep, phases,
        [r.model_dump(mode="json") for r in summary.supply_gap], summary.communities,
    )
    summary.run_id = row["id"]
    written = [p for p in summary.proposed if p.assignment_id is not None]
    if written:
        if explained is None:
            explained = explain_proposals(plan, written)
        why = [explained[(p.project_id, p.unit_id)] for p in written]
        await conn.execute(
            q("batch_explanations_record"), [p.assignment_id for p in written], row["id"],
            [w[0] for w in why], [w[1] for w in why], [w[2] for w in why],
        )
    if summary.unmatched_projects:
        u = summary.unmatched_projects
        await conn.execute(
            q("batch_unmatched_insert"), row["id"], [x.project_id for x in u], [x.code for x in u],
            [x.taken_by_resource_id for x in u], [x.taken_by_project_id for x in u],
        )
    return row["id"]
