"""The batch job's write phase, set-based: the same outcome as the one-by-one ``write_plan``
(kept as this writer's oracle in tests/catalog/oracle.py) in a handful of statements, for runs
that propose tens of thousands of projects.

``write_plan`` offers each project through ``work.direct_project`` inside a savepoint,
several round trips per proposal: fine for a community, minutes for a county of 100k projects.
This writer takes the same locks in the same order (every unit in id order, then every project
still as the snapshot saw it, in id order), reads what the checks need in bulk once the rows are
locked, decides each proposal in the order ``write_plan`` would (so a refused one never uses up a
slot a later one could have had), then writes every accepted proposal with one statement: the
project steps, the pending proposals with their time to live, and the history rows in the order
the one-by-one path writes them.

Skip codes are the ones ``direct_project`` raises (``project_changed``, ``unit_suspended``,
``unit_cap_reached``, ``resource_not_published``, …: the same rule, ``catalog.lists.offers``)
plus ``resource_full``: a resource whose project count or hours budget filled up between the
snapshot and the write is not over-booked.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from decimal import Decimal

import matching
from catalog.batch.plan import BatchPlan
from catalog.batch.snapshot import Snapshot
from catalog.batch.summary import BATCH_ACTOR, PARAMS, BatchSummary, Progress, Proposal, Skipped
from catalog.batch.write import explain_proposals, record_run
from catalog.enums import AssignmentRole
from catalog.errors import Conflict
from catalog.lists.offers import OFFER_FROM, OFFERED, offer_refusal
from catalog.lists.team import TEAM_STATUSES
from catalog.storage.settings import get_settings
from catalog.storage.sql import q
from catalog.storage.tx import Db, transaction

log = logging.getLogger(__name__)


def decide(
    proposed: list[Proposal], fresh: dict[int, dict], units: dict[int, dict], resources: dict[int, dict],
) -> tuple[list[Proposal], list[Skipped]]:
    """Which proposals may be written, checked one by one in order as the one-by-one writer would
    (``direct_project`` for a lead, ``team.add_helper`` for a helper).

    ``fresh``: project id -> its status and estimated hours, for the projects still as the snapshot
    saw them; ``units`` / ``resources``: their state after locking (status, cap or capacity, live
    work). Each pair is refused for the reason :func:`catalog.lists.offers.offer_refusal` gives,
    the rule ``direct_project`` asks too; a helper's project is in the status its lead's proposal
    leaves it, which ``team.add_helper`` checks against the team statuses. Only accepted proposals
    count towards a unit's cap and a resource's capacity; a helper needs its project's lead
    accepted first, and counts the project's hours on its own resource too.
    """
    unit_live = {u: int(row["live"]) for u, row in units.items()}
    res_live = {r: int(row["live"]) for r, row in resources.items()}
    res_hours = {r: Decimal(row["live_hours"]) for r, row in resources.items()}
    team: dict[int, list[int]] = {}  # project id -> its accepted units, the lead first
    ok: list[Proposal] = []
    skipped: list[Skipped] = []
    for p in proposed:
        helper = p.role is AssignmentRole.HELPER
        code: str | None
        if helper and p.project_id not in team:
            code = "lead_not_written"
        elif not helper and p.project_id not in fresh:
            code = "project_changed"
        else:
            unit, res = units.get(p.unit_id), resources.get(p.resource_id)
            on_project = None
            if helper and p.unit_id in team[p.project_id]:
                on_project = AssignmentRole.LEAD if team[p.project_id][0] == p.unit_id else AssignmentRole.HELPER
            code = offer_refusal(
                unit_id=p.unit_id,
                unit_status=unit["status"] if unit is not None else None,
                unit_cap=unit["active_cap"] if unit is not None else 0,
                unit_live=unit_live.get(p.unit_id, 0),
                resource_id=p.resource_id,
                resource_unit_id=res["unit_id"] if res is not None else None,
                resource_status=res["status"] if res is not None else None,
                project_status=OFFERED if helper else fresh[p.project_id]["status"],
                open_from=TEAM_STATUSES if helper else OFFER_FROM,
                on_project=on_project,
                project_hours=fresh[p.project_id]["estimated_hours"],
                resource_live=res_live.get(p.resource_id, 0),
                resource_live_hours=res_hours.get(p.resource_id, Decimal(0)),
                capacity_projects=res["capacity_projects"] if res is not None else None,
                capacity_hours=res["capacity_hours"] if res is not None else None,
            )
        if code is not None:
            skipped.append(Skipped(project=p.project, code=code))
            continue
        team.setdefault(p.project_id, []).append(p.unit_id)
        unit_live[p.unit_id] += 1
        res_live[p.resource_id] += 1
        res_hours[p.resource_id] += fresh[p.project_id]["estimated_hours"]
        ok.append(p)
    return ok, skipped


async def write_plan_bulk(
    db: Db, snapshot: Snapshot, plan: BatchPlan, summary: BatchSummary, started_at: dt.datetime,
    params: matching.Params = PARAMS, *, progress: Progress | None = None,
) -> BatchSummary:
    """Write proposals, explanations and the run record in one transaction, set-based.

    Same contract as the one-by-one ``write_plan`` (tests/catalog/oracle.py): ``summary.proposed`` comes in as planned
    and goes out as written (with assignment ids); every pair that could not be written lands in
    ``summary.skipped`` with its reason code, in the order the proposals came; the run record is
    :func:`catalog.batch.write.record_run`'s. ``progress``, if given, hears ``step(done, total)`` once:
    the proposals are written all at once.

    The explanations' JSON is made before the transaction begins: from the first lock to the
    commit there are only the statements.
    """
    t0 = time.perf_counter()
    proposed = summary.proposed
    explained = explain_proposals(plan, proposed)
    actor = str(BATCH_ACTOR)
    ttl_seconds = get_settings().offer_ttl_hours * 3600.0
    offer_from = sorted(s.value for s in OFFER_FROM)  # the statuses a lead's proposal moves its project from
    async with transaction(db) as conn:
        await conn.execute(q("batch_bulk_settings"))
        # Lock order: every unit first (in id order), then the projects (in id order).
        unit_ids = sorted({p.unit_id for p in proposed})
        await conn.fetch(q("batch_lock_units"), unit_ids)
        pids = sorted({p.project_id for p in proposed})
        rows = await conn.fetch(q("batch_bulk_lock_fresh_projects"), pids,
                                [snapshot.versions[i] for i in pids], offer_from)
        fresh = {r["id"]: dict(r) for r in rows}
        units = {r["id"]: dict(r) for r in await conn.fetch(q("batch_bulk_units"), unit_ids)}
        resources = {r["id"]: dict(r) for r in await conn.fetch(
            q("batch_bulk_resources"), sorted({p.resource_id for p in proposed}))}
        ok, refused = decide(proposed, fresh, units, resources)
        summary.skipped.extend(refused)
        written: list[Proposal] = []
        if ok:
            made = await conn.fetch(
                q("batch_bulk_offer"), [p.project_id for p in ok], [p.unit_id for p in ok],
                [p.resource_id for p in ok], actor, ttl_seconds, [p.role.value for p in ok],
                offer_from, OFFERED.value,
            )
            leads = sum(1 for p in ok if p.role is AssignmentRole.LEAD)
            if (len(made) != len(ok) or made[0]["moved"] != leads
                    or made[0]["logged"] != len(ok) + leads):
                # cannot happen with the rows locked; if it does, nothing of this run is kept
                raise Conflict("批量写入与检查结果不一致", code="batch_write_mismatch",
                               details={"planned": len(ok), "written": len(made)})
            # the accepted proposals are this run's own objects: they take their ids in place
            ids = {(r["project_id"], r["unit_id"]): r["assignment_id"] for r in made}
            for p in ok:
                p.assignment_id = ids[(p.project_id, p.unit_id)]
            written = ok
        if progress is not None:
            progress.step(len(proposed), len(proposed))
        summary.proposed = written
        await record_run(conn, snapshot, plan, summary, started_at, params, write_seconds=time.perf_counter() - t0,
                         explained=explained)
    log.info("batch run %s: %d proposals written in bulk, %d refused at write time", summary.run_id,
             len(written), len(refused))
    return summary
