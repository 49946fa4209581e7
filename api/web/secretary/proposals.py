"""社区书记 · 派单建议: the batch job's proposals for the community's projects, with why each unit
was proposed (score by term) and which units came next, to keep, replace (改派) or withdraw.

A proposal goes to the unit as an offer the moment the batch job writes it; it takes effect
when the unit accepts. The secretary confirms it (确认: recorded on the proposal and shown to the
unit as 社区已确认; the unit still answers), gives it to a runner-up or any other unit (改派: the
offer is withdrawn and a 定向派单 made), or withdraws it. The explanation
comes from the batch run records (:func:`catalog.scoped.get_batch_run`), which a secretary reads for
their own community only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from catalog import scoped
from catalog.enums import AssignmentKind, AssignmentStatus, ProjectStatus
from catalog.errors import Conflict, NotFound
from catalog.models import Assignment, NoteIn, Project, ProposalView, RunDetail, RunDetailQuery, RunFilter, RunProject

from ..kit import View, names, page
from .common import SEC, Clock, UnitNames, all_projects, clock_of

# How many recent runs are searched for the explanation of a live proposal.
RUNS_SEARCHED = 10


@dataclass(frozen=True)
class Term:
    label: str
    points: float


@dataclass(frozen=True)
class RunnerUp:
    unit_id: int
    unit_name: str
    resource_id: int
    resource_title: str
    score: float
    behind: float
    lost_on: str


@dataclass(frozen=True)
class Live:
    """A proposal waiting for its unit's answer, with the run's explanation if one is found."""

    p: Project
    clock: Clock
    a: Assignment
    unit_name: str
    resource_title: str
    run_id: int | None
    score: float | None
    terms: list[Term]
    runner_ups: list[RunnerUp]


class Resources:
    def __init__(self, v: View) -> None:
        self.v = v
        self.titles: dict[int, str] = {}

    async def title(self, resource_id: int | None) -> str:
        if resource_id is None:
            return ""
        if resource_id not in self.titles:
            try:
                self.titles[resource_id] = (await scoped.get_resource(self.v.db, self.v.me, resource_id)).title
            except NotFound:  # taken down since: the id still says which one it was
                self.titles[resource_id] = f"资源 {resource_id}"
        return self.titles[resource_id]


async def _runs(v: View, limit: int) -> list[RunDetail]:
    """The latest runs that looked at the community, each with all its rows for the community."""
    runs = await scoped.list_batch_runs(v.db, v.me, RunFilter(community=v.me.community_code, limit=limit))
    out = []
    for run in runs.items:
        rows: list[RunProject] = []
        cursor = None
        while True:
            detail = await scoped.get_batch_run(v.db, v.me, run.id, RunDetailQuery(limit=100, cursor=cursor))
            rows.extend(detail.projects)
            if detail.next_cursor is None:
                break
            cursor = detail.next_cursor
        out.append(detail.model_copy(update={"projects": rows}))
    return out


def _terms(proposal: ProposalView) -> list[Term]:
    """The score by term, largest first; terms worth nothing say nothing."""
    terms = [Term(proposal.term_labels.get(k, k), v) for k, v in proposal.breakdown.items() if abs(v) >= 0.005]
    return sorted(terms, key=lambda t: -abs(t.points))


@page("/secretary/proposals", roles=SEC, template="secretary/proposals.html", nav="派单建议", order=30)
async def proposals(v: View) -> dict:
    units = UnitNames(v)
    resources = Resources(v)
    now = dt.datetime.now(dt.UTC)
    runs = await _runs(v, RUNS_SEARCHED)
    explained: dict[int, tuple[int, ProposalView]] = {}
    for run in runs:
        for row in run.projects:
            if row.proposal is not None:
                explained.setdefault(row.proposal.assignment_id, (run.run.id, row.proposal))

    live: list[Live] = []
    for p in await all_projects(v, status=ProjectStatus.DISPATCHED.value):
        detail = await scoped.get_project(v.db, v.me, p.id)
        offer = next((a for a in detail.assignments if a.role == "lead" and a.status is AssignmentStatus.PENDING
                      and a.kind is AssignmentKind.PROPOSAL), None)
        if offer is None:
            continue
        run_id, why = explained.get(offer.id, (None, None))
        runner_ups = []
        for r in why.runner_ups if why else []:
            # the engine names them by the caller's ids: the catalog's are database ids
            unit_id, resource_id = int(r["unit_id"]), int(r["resource_id"])
            runner_ups.append(RunnerUp(unit_id, await units.get(unit_id), resource_id,
                                       await resources.title(resource_id), r["score"], r["behind"], r["label"]))
        live.append(Live(detail.project, clock_of(detail.project, now), offer, await units.get(offer.unit_id),
                         await resources.title(offer.resource_id), run_id, why.score if why else None,
                         _terms(why) if why else [], runner_ups))
    live.sort(key=lambda x: (x.a.expires_at or now, x.p.id))

    latest = runs[0] if runs else None
    outcomes = []
    unmatched = []
    if latest is not None:
        for row in latest.projects:
            if row.proposal is not None:
                outcomes.append((row, await units.get(row.proposal.unit_id)))
            elif row.unmatched is not None:
                unmatched.append(row)
    areas = await names.area_names(v)
    return {"live": live, "latest": latest, "outcomes": outcomes, "unmatched": unmatched,
            "scope_label": scope_label(latest.run.scope, areas) if latest else "",
            "categories": await names.category_names(v)}


def scope_label(scope: str, areas: dict[str, str]) -> str:
    """A run's scope (``county``, ``street:S``, ``community:C``) in words."""
    kind, _, code = scope.partition(":")
    if kind == "county":
        return "全县"
    return f"{areas.get(code, code)}（{'街道' if kind == 'street' else '社区'}）"


@page("/secretary/proposals/{assignment_id}/confirm", method="POST", roles=SEC)
async def confirm(v: View):
    """确认建议: the community's yes, recorded on the proposal; the unit still accepts or declines."""
    data, form = v.validate(NoteIn)
    if data is None:
        return v.back("/secretary/proposals", "；".join(form.general + list(form.errors.values())), "error")
    try:
        a = await scoped.confirm_proposal(v.db, v.me, v.id("assignment_id"), data)
    except Conflict as exc:  # withdrawn, answered or confirmed since the page was read
        return v.back("/secretary/proposals", exc.message, "error")
    unit = await UnitNames(v).get(a.unit_id)
    return v.back("/secretary/proposals", f"已确认派单建议，等待 {unit} 接单")
