"""The run records (运行记录) as people read them: the list of runs and one run's detail.

Who may read which runs is decided by :mod:`catalog.scoped` (the door every reader goes through);
this module is given the communities the reader may see (None: all) and reads only their rows.
"""

from __future__ import annotations

import asyncpg

import matching
from catalog.enums import AssignmentKind, AssignmentStatus, ProjectStatus
from catalog.errors import NotFound
from catalog.models.batch import ProposalView, RunDetail, RunDetailQuery, RunFilter, RunPage, RunProject, RunRecord
from catalog.storage.paging import next_cursor
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

#
# Who reads them: the administrators (the alliance's sees every run, a street's the runs that
# looked at its communities) and a community's secretary (runs that looked at the community).
# Each sees only the rows of their own communities. Nothing personal is in a run record: project
# numbers, unit and resource ids, scores and reason codes.


# Chinese labels of the engine's unmatched reasons, by code (pages read them from here)
UNMATCHED_LABELS = {u.code: u.label for u in matching.Unmatched}


def _record(r: asyncpg.Record) -> RunRecord:
    return RunRecord(
        id=r["id"], started_at=r["started_at"], finished_at=r["finished_at"], scope=r["scope"], seed=r["seed"],
        status=r["status"], status_label=matching.Status(r["status"]).label, objective=r["objective"],
        bound=r["bound"], gap=r["gap"], counts=r["counts"], sweep=r["sweep"], phases=r["phases"],
    )


async def list_runs(db: Db, communities: list[str] | None, f: RunFilter) -> RunPage:
    """Run records that looked at any of ``communities`` (None: every run), newest first."""
    scope = communities
    async with connection(db) as conn:
        rows = await conn.fetch(q("batch_run_page"), scope, f.after, f.page_size, f.ascending, f.scope, f.community)
    return RunPage(items=[_record(r) for r in rows], next_cursor=next_cursor(rows, f.page_size))


async def get_run(db: Db, communities: list[str] | None, run_id: int, f: RunDetailQuery) -> RunDetail:
    """One run record with what it did to each project of ``communities`` (None: all): the
    proposal with its explanation and where the offer stands now, or why there was none. A run
    that looked at none of them is not found."""
    scope = communities
    async with connection(db) as conn:
        run = await conn.fetchrow(q("batch_run_get"), run_id, scope)
        if run is None:
            raise NotFound("批量派单记录不存在", code="batch_run_not_found", details={"id": run_id})
        rows = await conn.fetch(q("batch_run_projects"), run_id, scope, f.after, f.page_size)
    mine = set(scope) if scope is not None else None
    gap = [matching.SupplyGapRow.model_validate(g) for g in run["supply_gap"]
           if mine is None or g["community"] in mine]
    items = []
    for r in rows:
        status = ProjectStatus(r["project_status"])
        common = dict(project_id=r["project_id"], project=r["project"], community=r["community"],
                      project_status=status, project_status_label=status.label)
        if r["assignment_id"] is not None:
            a_status = AssignmentStatus(r["assignment_status"])
            items.append(RunProject(**common, outcome="proposed", proposal=ProposalView(
                assignment_id=r["assignment_id"], unit_id=r["unit_id"], resource_id=r["resource_id"],
                score=r["score"], breakdown=r["breakdown"],
                runner_ups=r["runner_ups"],
                assignment_status=a_status,
                assignment_status_label=a_status.label_for(AssignmentKind.PROPOSAL),
            )))
        else:
            items.append(RunProject(**common, outcome="unmatched", unmatched=matching.Unassigned(
                project=r["project"], project_id=r["project_id"], community=r["community"], code=r["reason"],
                label=UNMATCHED_LABELS.get(r["reason"], r["reason"]),
                taken_by_project=r["taken_by_project"], taken_by_project_id=r["taken_by_project_id"],
                taken_by_resource_id=r["taken_by_resource_id"],
            )))
    return RunDetail(run=_record(run), params=run["params"], supply_gap=gap, projects=items,
                     next_cursor=next_cursor(rows, f.page_size, "project_id"))
