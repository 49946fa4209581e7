"""The write phase's common part: the run record and the explanations, and the one-by-one writer.

The run writes with the set-based :func:`catalog.batch.bulk.write_plan_bulk`; both writers end
with :func:`record_run`, inside their transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import asyncpg
import numpy as np
import orjson

import matching

from catalog.batch.plan import BatchPlan
from catalog.batch.snapshot import Snapshot
from catalog.batch.summary import BATCH_ACTOR, PARAMS, BatchSummary, Progress, Proposal, Skipped
from catalog.enums import AssignmentKind, AssignmentRole
from catalog.errors import DomainError
from catalog.lists import projects, team
from catalog.storage.sql import q
from catalog.storage.tx import Db, transaction


def _JSON(value: Any) -> str:
    """Compact JSON text: at 100k the explanations are tens of megabytes, made by orjson."""
    return orjson.dumps(value).decode()


def explain_proposals(snapshot: Snapshot, plan: BatchPlan, proposals: list[Proposal]
                      ) -> dict[tuple[int, int], tuple[float, str, str]]:
    """Each proposal's explanation as the run record stores it, by (project id, unit id): the
    engine's own score and breakdown (unrounded) and the runner-ups, as JSON text. A writer
    computes this before its transaction, so that the transaction's locks wait for no CPU work."""
    pa = plan.arrays
    a, s = pa.problem, pa.params.scale
    row = dict(zip(zip(a.project_ids[pa.p].tolist(), snapshot.resource_db[pa.r].tolist()), range(len(pa.p))))
    score = ((pa.terms.sum(axis=1) - pa.load) / s).tolist()
    breakdown = np.column_stack([pa.terms / s, -pa.load / s]).tolist()
    out = {}
    for p in proposals:
        i = row[(p.project, p.resource_id)]
        out[(p.project_id, p.unit_id)] = (score[i], _JSON(dict(zip(matching.TERMS, breakdown[i]))),
                                          _JSON(p.runner_ups))
    return out


async def write_plan(
    db: Db, snapshot: Snapshot, plan: BatchPlan, summary: BatchSummary, started_at: dt.datetime,
    params: matching.Params = PARAMS, *, progress: Progress | None = None,
) -> BatchSummary:
    """Write proposals, explanations and the run record in one transaction, one proposal at a
    time through :func:`catalog.lists.projects.direct_project` for a lead and
    :func:`catalog.lists.team.add_helper` for a helper (the run itself uses the set-based
    :func:`catalog.batch.bulk.write_plan_bulk`, which leaves the same rows). A helper is written
    only after its project's lead: with the lead refused, its helpers are skipped as
    ``lead_not_written``.

    ``summary.proposed`` comes in as planned and goes out as written; every pair that could not
    be written lands in ``summary.skipped`` with its reason code. The run record is written by
    :func:`record_run` from the summary as it stands then.
    """
    progress = progress or Progress()
    t0 = time.perf_counter()
    explained = explain_proposals(snapshot, plan, summary.proposed)
    written: list[Proposal] = []
    total = len(summary.proposed)
    every = max(1, total // 100)
    async with transaction(db) as conn:
        # Lock order: every unit first (in id order), then each project as we reach it.
        await conn.fetch(q("batch_lock_units"), sorted({p.unit_id for p in summary.proposed}))
        leads: set[int] = set()
        for i, p in enumerate(summary.proposed, 1):
            if i % every == 0 or i == total:
                progress.step(i, total)
            if p.role is AssignmentRole.HELPER:
                if p.project_id not in leads:
                    summary.skipped.append(Skipped(project=p.project, code="lead_not_written"))
                    continue
                try:
                    async with conn.transaction():
                        a = await team.add_helper(conn, p.project_id, p.unit_id, BATCH_ACTOR, p.resource_id,
                                                     kind=AssignmentKind.PROPOSAL)
                except DomainError as exc:
                    summary.skipped.append(Skipped(project=p.project, code=exc.code))
                    continue
                written.append(p.model_copy(update={"assignment_id": a.id}))
                continue
            try:
                async with conn.transaction():  # a savepoint: a refused pair leaves nothing behind
                    fresh = await conn.fetchval(
                        q("batch_project_unchanged"), p.project_id, snapshot.versions[p.project_id]
                    )
                    if fresh is None:
                        summary.skipped.append(Skipped(project=p.project, code="project_changed"))
                        continue
                    a = await projects.direct_project(
                        conn, p.project_id, p.unit_id, BATCH_ACTOR, p.resource_id, kind=AssignmentKind.PROPOSAL
                    )
            except DomainError as exc:
                summary.skipped.append(Skipped(project=p.project, code=exc.code))
                continue
            leads.add(p.project_id)
            written.append(p.model_copy(update={"assignment_id": a.id}))
        summary.proposed = written
        await record_run(conn, snapshot, plan, summary, started_at, params,
                         write_seconds=time.perf_counter() - t0, explained=explained)
    return summary


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
            explained = explain_proposals(snapshot, plan, written)
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
