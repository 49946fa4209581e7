"""The engine's one plan decoder: a `PlanArrays` read once into what its callers use.

:func:`decode` gives every assignment with its score by term, the runner-up units of each
assigned project with the term each lost on (:class:`RunnerUp`), the projects left unassigned
with the engine's reason (:class:`Unassigned`), the counts by reason and the supply-gap table,
all named by the caller's ids (those the problem was built with). The catalog's batch job
writes and explains its proposals from it; :func:`plan_model` turns it into the JSON `Plan` of
``sandan solve``. Nothing downstream reads the plan's arrays again or recomputes a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from typing_extensions import TypedDict

from .explain import LOST_ON, LOST_ON_LABELS, RunnerUpArrays
from .models import Assignment, Breakdown, Plan, SupplyGapRow, UnitLoad, UnmatchedProject
from .plan_arrays import PlanArrays
from .reasons import TERMS, Status, Unmatched
from .rules import PAIR_TERMS

Id = int | str  # the caller's id: database ids from the catalog, text ids from a JSON problem


class RunnerUp(TypedDict):
    """A unit that could have taken an assigned project, and what it lost on (`explain`).

    A plain dict, as the catalog stores and shows it (JSON as is)."""

    unit_id: Id
    resource_id: Id
    score: Annotated[float, Field(description="pair score in points (pair terms only, no load)")]
    behind: Annotated[float, Field(description="how many points behind the proposed unit; <= 0 when it "
                                   "lost on capacity or load")]
    lost_on: Annotated[str, Field(description="a score term, capacity, load or tie")]
    label: str
    breakdown: dict[str, float]


class Unassigned(BaseModel):
    """A project the plan left without a unit, and why (the engine's reason code and label);
    for ``lost_to_better_use``, the project and resource that took the place."""

    model_config = ConfigDict(frozen=True)

    project: str
    project_id: Id
    community: str
    code: str
    label: str
    taken_by_project: str | None = None
    taken_by_project_id: Id | None = None
    taken_by_resource_id: Id | None = None


_UNASSIGNED = TypeAdapter(list[Unassigned])


@dataclass(frozen=True, eq=False)
class PlanResult:
    """A decoded plan. The assignment columns have one entry per assignment of the plan, in its
    order (project index, then resource index), accepted claims included (``fixed``);
    ``order`` lists the others by project id, each project's lead first: the unit with the best
    score (ties: the resource id, by its text) leads, the others of a team help."""

    status: Status
    objective: float  # points
    bound: float
    gap: float
    project_id: list[Id]
    project: list[str]  # the name people read (the catalog's project number)
    unit_id: list[Id]
    resource_id: list[Id]
    score: list[float]  # points, pair terms less the load term
    breakdown: list[dict[str, float]]  # by TERMS
    fixed: list[bool]
    lead: list[bool]
    runner_ups: list[list[RunnerUp]]  # the project's, on each of its rows; [] on accepted claims
    order: list[int]
    unassigned: list[Unassigned]
    unmatched_counts: dict[str, int]  # by reason code, in the order of their first project
    supply_gap: list[SupplyGapRow]


def rounded(values: list[Any], scale: int) -> list[Any]:
    """``round(x, 4)`` of each value (or row of values), for values that are whole numbers over
    ``scale``. When ``scale`` divides 10**4 such a value has at most four decimals and round()
    would hand back the very same float, so the call is skipped: it is a million calls at 100k."""
    if 10_000 % scale == 0:
        return values
    return [[round(v, 4) for v in x] if isinstance(x, list) else round(x, 4) for x in values]


def decode(plan: PlanArrays, *, runner_ups: RunnerUpArrays | None = None,
           names: np.ndarray | None = None) -> PlanResult:
    """Read ``plan`` once. ``runner_ups``: :func:`matching.runner_ups` of this plan (none
    without); ``names``: what each project is called, by project index (its id's text without)."""
    a, s = plan.problem, plan.params.scale
    names = a.project_ids.astype(str) if names is None else names
    n = len(plan.p)
    score = (plan.terms.sum(axis=1) - plan.load) / s
    rows = np.flatnonzero(~plan.fixed)
    # by project id, best score first, then resource id: the first row of each project leads
    order = rows[np.lexsort((a.resource_ids[plan.r[rows]].astype(str), -score[rows], a.project_ids[plan.p[rows]]))]
    po = plan.p[order]
    lead = np.zeros(n, dtype=bool)
    if len(po):
        lead[order[np.r_[True, po[1:] != po[:-1]]]] = True
    ups: list[list[RunnerUp]] = [[] for _ in range(n)]
    if runner_ups is not None:
        # a project's runner-ups are the same on each of its rows: made once, from its first
        for i, up in zip(*_runner_ups(plan, runner_ups, rows), strict=True):
            ups[i] = up
    breakdown = np.column_stack([plan.terms / s, -plan.load / s]).tolist()
    return PlanResult(
        status=plan.status, objective=plan.objective / s, bound=plan.bound / s, gap=plan.gap,
        project_id=a.project_ids[plan.p].tolist(), project=names[plan.p].tolist(),
        unit_id=a.unit_ids[a.r_unit[plan.r]].tolist(), resource_id=a.resource_ids[plan.r].tolist(),
        score=score.tolist(), breakdown=[dict(zip(TERMS, b, strict=True)) for b in breakdown],
        fixed=plan.fixed.tolist(), lead=lead.tolist(), runner_ups=ups, order=order.tolist(),
        unassigned=_unassigned(plan, names), unmatched_counts=_counts(plan.reason),
        supply_gap=_supply_gap(plan),
    )


def _runner_ups(plan: PlanArrays, ru: RunnerUpArrays, rows: np.ndarray) -> tuple[list[int], list[list[RunnerUp]]]:
    """The runner-ups of each non-fixed row, one list per project shared by its rows."""
    a, scale = plan.problem, plan.params.scale
    terms = rounded((ru.terms / scale).tolist(), scale)
    score = rounded((ru.terms.sum(axis=1) / scale).tolist(), scale)
    behind = rounded((ru.behind / scale).tolist(), scale)
    unit = a.unit_ids[a.r_unit[ru.r]].tolist()
    resource = a.resource_ids[ru.r].tolist()
    lost = [LOST_ON[i] for i in ru.lost_on.tolist()]
    ptr = ru.ptr.tolist()
    made: dict[int, list[RunnerUp]] = {}
    out = []
    for i, p in zip(rows.tolist(), plan.p[rows].tolist(), strict=True):
        if p not in made:
            made[p] = [
                {"unit_id": unit[j], "resource_id": resource[j], "score": score[j], "behind": behind[j],
                 "lost_on": lost[j], "label": LOST_ON_LABELS[lost[j]],
                 "breakdown": dict(zip(PAIR_TERMS, terms[j], strict=True))}
                for j in range(ptr[i], ptr[i + 1])
            ]
        out.append(made[p])
    return rows.tolist(), out


def _unassigned(plan: PlanArrays, names: np.ndarray) -> list[Unassigned]:
    a = plan.problem
    q = np.flatnonzero(plan.reason > 0)
    reasons = {u.value: u for u in Unmatched}
    ids, number = a.project_ids.tolist(), names.tolist()
    rids = a.resource_ids.tolist()
    rows = []
    for i, why, p, r, community in zip(q.tolist(), plan.reason[q].tolist(), plan.taken_by_p[q].tolist(),
                                       plan.taken_by_r[q].tolist(), a.communities[a.p_community[q]].tolist(),
                                       strict=True):
        u = reasons[why]
        rows.append({
            "project": number[i], "project_id": ids[i], "community": community, "code": u.code, "label": u.label,
            "taken_by_project": number[p] if p >= 0 else None, "taken_by_project_id": ids[p] if p >= 0 else None,
            "taken_by_resource_id": rids[r] if r >= 0 else None,
        })
    # validated all at once: at 100k a third of the projects, faster than building them one by one
    return _UNASSIGNED.validate_python(rows)


def _counts(reason: np.ndarray) -> dict[str, int]:
    codes, first, n = np.unique(reason[reason > 0], return_index=True, return_counts=True)
    return {Unmatched(int(codes[i])).code: int(n[i]) for i in np.argsort(first, kind="stable")}


def _supply_gap(plan: PlanArrays) -> list[SupplyGapRow]:
    """Demand, supply and shortfall by category and community."""
    a, g = plan.problem, plan.supply_gap
    street = [str(a.streets[i]) if i >= 0 else None for i in g["street"].tolist()]
    return [
        SupplyGapRow(category=str(a.categories[c]), community=str(a.communities[m]), street=st,
                     demand=d, supply=sp, resources=n, matched=mt, unmatched=um)
        for c, m, st, d, sp, n, mt, um in zip(
            g["category"].tolist(), g["community"].tolist(), street, g["demand"].tolist(),
            g["supply"].tolist(), g["resources"].tolist(), g["matched"].tolist(), g["unmatched"].tolist(),
            strict=True)
    ]


def plan_model(plan: PlanArrays) -> Plan:
    """The JSON plan of ``sandan solve``: :func:`decode`'s result, ids as text, and the units' loads."""
    a = plan.problem
    d = decode(plan)
    assignments = [
        Assignment(project=str(p), resource=str(r), unit=str(u), score=float(sc), breakdown=Breakdown(**bd), fixed=f)
        for p, r, u, sc, bd, f in zip(d.project_id, d.resource_id, d.unit_id, d.score, d.breakdown, d.fixed,
                                      strict=True)
    ]
    unmatched = [
        UnmatchedProject(project=x.project, reason=Unmatched[x.code.upper()], code=x.code, label=x.label,
                         taken_by_resource=None if x.taken_by_resource_id is None else str(x.taken_by_resource_id),
                         taken_by_project=x.taken_by_project)
        for x in d.unassigned
    ]
    loads = [
        UnitLoad(unit=str(a.unit_ids[u]), assigned=int(plan.unit_assigned[u]), capacity=int(plan.unit_nominal[u]),
                 hours_used=float(plan.unit_minutes[u]) / 60.0,
                 marginal_value=None if np.isnan(plan.unit_value[u]) else float(plan.unit_value[u]))
        for u in range(a.n_units)
    ]
    return Plan(status=d.status, objective=d.objective, bound=d.bound, gap=d.gap, assignments=assignments,
                unmatched=unmatched, unit_loads=loads, supply_gap=d.supply_gap, stats=dict(plan.stats))
