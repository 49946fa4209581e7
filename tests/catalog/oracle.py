"""Test oracles for the batch job: what the product once did one way, kept to check the way it
does it now.

* :func:`write_plan`, the one-by-one writer: each proposal through the very commands a person's
  offer goes through (``direct_project``, ``team.add_helper``). The set-based writer the run uses
  (:func:`catalog.batch.bulk.write_plan_bulk`) must leave the same rows
  (tests/catalog/test_batch_bulk.py), and ``benchmarks/batch_bench.py`` times the two against
  each other.
* :func:`problem`: the rows a snapshot read as the engine's JSON records (``matching.Problem``),
  one record per row, ids as the text of the database ids: ``matching.from_problem`` of it must
  give the snapshot's arrays, and ``matching.solve`` of it the snapshot's plan
  (tests/catalog/test_batch.py).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

import matching
from catalog.batch.engine_input import HORIZON_DAYS, OPEN_END, URGENCY_BONUS, day, room_left
from catalog.batch.plan import BatchPlan
from catalog.batch.snapshot import Snapshot
from catalog.batch.summary import BATCH_ACTOR, PARAMS, BatchSummary, Progress, Proposal, Skipped
from catalog.batch.write import explain_proposals, record_run
from catalog.enums import AssignmentKind, AssignmentRole, Urgency
from catalog.errors import DomainError
from catalog.lists import team, work
from catalog.oversight import credit
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, transaction


async def write_plan(
    db: Db, snapshot: Snapshot, plan: BatchPlan, summary: BatchSummary, started_at: dt.datetime,
    params: matching.Params = PARAMS, *, progress: Progress | None = None,
) -> BatchSummary:
    """Write proposals, explanations and the run record in one transaction, one proposal at a
    time through :func:`catalog.lists.work.direct_project` for a lead and
    :func:`catalog.lists.team.add_helper` for a helper (the run itself uses the set-based
    :func:`catalog.batch.bulk.write_plan_bulk`, which leaves the same rows). A helper is written
    only after its project's lead: with the lead refused, its helpers are skipped as
    ``lead_not_written``.

    ``summary.proposed`` comes in as planned and goes out as written; every pair that could not
    be written lands in ``summary.skipped`` with its reason code. The run record is written by
    :func:`catalog.batch.write.record_run` from the summary as it stands then.
    """
    progress = progress or Progress()
    t0 = time.perf_counter()
    explained = explain_proposals(plan, summary.proposed)
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
                    a = await work.direct_project(
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


# --- the rows as records ----------------------------------------------------------------------


@dataclass
class Rows:
    """The rows a snapshot reads, read again with the same scope and clock."""

    projects: list[asyncpg.Record]
    resources: list[asyncpg.Record]
    credit: dict[int, float]
    declined: list[asyncpg.Record]
    previous: list[asyncpg.Record]
    now: dt.datetime
    today: dt.date


async def rows_of(db: Db, snapshot: Snapshot) -> Rows:
    """What :func:`catalog.batch.snapshot.take_snapshot` read (nothing may change in between)."""
    now, scope = snapshot.taken_at, snapshot.scope
    async with connection(db) as conn:
        prows = await conn.fetch(q("batch_open_projects"), scope.community, scope.street, now)
        rrows = await conn.fetch(q("batch_open_resources"), now.date())
        pids = [r["id"] for r in prows]
        declined = await conn.fetch(q("batch_declined_pairs"), pids)
        previous = await conn.fetch(q("batch_previous_proposals"), pids, [r["id"] for r in rrows])
        scores = await credit.scores(conn, sorted({r["unit_id"] for r in rrows}))
    return Rows(list(prows), list(rrows), {u: c.score for u, c in scores.items()}, list(declined), list(previous),
                now, now.date())


def project_in(r: Any, *, now: dt.datetime, today: dt.date) -> matching.ProjectIn | None:
    """An open project row as a record; None when it has no point."""
    if r["lat"] is None:
        return None
    start = max(0, day(r["window_start"], today, 0))
    end = max(start, day(r["window_end"], today, start + HORIZON_DAYS))
    return matching.ProjectIn(
        id=str(r["id"]), community=r["community_code"], street=r["street_code"],
        point=matching.Point(lat=r["lat"], lon=r["lon"]), category=r["category"],
        subcategory=r["subcategory"], skills=list(r["required_skills"]), start=start, end=end,
        priority=(r["priority"] - 1) + URGENCY_BONUS[Urgency(r["urgency"])],
        days_waiting=max(0, (now - r["published_at"]).days), units_required=r["units_required"],
        hours=float(r["estimated_hours"]),
    )


def resource_in(r: Any, *, today: dt.date, credit: float) -> matching.ResourceIn | None:
    """A published resource row as a record; None when it has no room left."""
    capacity = room_left(r)
    if capacity == 0:
        return None
    centre = None
    if r["centre_lat"] is not None:
        centre = matching.Point(lat=r["centre_lat"], lon=r["centre_lon"])
    return matching.ResourceIn(
        id=str(r["id"]), unit=str(r["unit_id"]),
        categories=[matching.CategoryRef(category=r["category"], subcategory=r["subcategory"])],
        skills=list(r["skills"]),
        area=matching.ServiceArea(communities=list(r["area_communities"]), center=centre, radius_km=r["radius_km"]),
        point=centre,
        start=day(r["valid_from"], today, -OPEN_END), end=day(r["valid_to"], today, OPEN_END),
        capacity=capacity,
        hours_budget=float(r["capacity_hours"]) if r["capacity_hours"] is not None else None,
        credit=credit,
    )


def problem(rows: Rows) -> matching.Problem:
    """The rows as the engine's JSON records, a record per row."""
    ps = [project_in(r, now=rows.now, today=rows.today) for r in rows.projects]
    rs = [resource_in(r, today=rows.today, credit=rows.credit[r["unit_id"]]) for r in rows.resources]
    plist = [p for p in ps if p is not None]
    rlist = [r for r in rs if r is not None]
    pids, rids, units = {p.id for p in plist}, {r.id for r in rlist}, {r.unit for r in rlist}
    declined = [matching.DeclineRef(project=str(d["project_id"]), unit=str(d["unit_id"])) for d in rows.declined
                if str(d["project_id"]) in pids and str(d["unit_id"]) in units]
    previous = [matching.PairRef(project=str(x["project_id"]), resource=str(x["resource_id"])) for x in rows.previous
                if str(x["project_id"]) in pids and str(x["resource_id"]) in rids]
    return matching.Problem(projects=plist, resources=rlist, declined=declined, previous=previous)
