"""The solve phase: the engine's plan for a snapshot, checked, and what the run reads off it
(proposals with their runner-ups, the unmatched projects with their reasons)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from pydantic import TypeAdapter

import matching
from matching.rules import PAIR_TERMS

from catalog.batch.snapshot import Snapshot
from catalog.batch.summary import PARAMS, RUNNER_UPS, Proposal, Skipped, UnmatchedOut
from catalog.enums import AssignmentRole


class PlanRejected(Exception):
    """The engine's plan broke a hard rule; nothing is written."""


@dataclass(frozen=True, eq=False)
class BatchPlan:
    """The engine's plan for a snapshot, kept in array form (:class:`matching.PlanArrays`).

    The run reads its proposals, explanations and reasons straight off the arrays;
    :meth:`to_model` (and ``unmatched``, built from it) give the JSON plan for the callers that
    want records."""

    arrays: matching.PlanArrays

    @property
    def objective(self) -> float:
        return self.arrays.objective / self.arrays.params.scale

    @property
    def bound(self) -> float:
        return self.arrays.bound / self.arrays.params.scale

    @property
    def gap(self) -> float:
        return self.arrays.gap

    @property
    def status(self) -> matching.Status:
        return self.arrays.status

    def to_model(self) -> matching.Plan:
        return self._model

    @cached_property
    def _model(self) -> matching.Plan:
        return self.arrays.to_model()

    @property
    def unmatched(self) -> list[matching.UnmatchedProject]:
        return self._model.unmatched

    @cached_property
    def supply_gap(self) -> list[matching.SupplyGapRow]:
        """Demand, supply and shortfall by category and community (the rows of ``to_model``)."""
        a, g = self.arrays.problem, self.arrays.supply_gap
        street = [str(a.streets[i]) if i >= 0 else None for i in g["street"].tolist()]
        return [
            matching.SupplyGapRow(category=str(a.categories[c]), community=str(a.communities[m]), street=st,
                                  demand=d, supply=sp, resources=n, matched=mt, unmatched=um)
            for c, m, st, d, sp, n, mt, um in zip(
                g["category"].tolist(), g["community"].tolist(), street, g["demand"].tolist(),
                g["supply"].tolist(), g["resources"].tolist(), g["matched"].tolist(), g["unmatched"].tolist())
        ]

    def unmatched_counts(self) -> dict[str, int]:
        """Projects left open by reason code, codes in the order of their first project."""
        reason = self.arrays.reason
        codes, first, n = np.unique(reason[reason > 0], return_index=True, return_counts=True)
        return {matching.Unmatched(int(codes[i])).code: int(n[i]) for i in np.argsort(first, kind="stable")}


def solve(snapshot: Snapshot, seed: int = 0, params: matching.Params = PARAMS) -> BatchPlan:
    """Solve the snapshot's problem and run the plan through the validator; pure, no database."""
    return solve_explained(snapshot, seed, params)[0]


def solve_explained(
    snapshot: Snapshot, seed: int = 0, params: matching.Params = PARAMS, runner_ups: int = RUNNER_UPS,
) -> tuple[BatchPlan, matching.RunnerUpArrays]:
    """:func:`solve`, plus each assignment's runner-up units, from the candidate pairs the solve
    already built (give both to :func:`proposals_of`)."""
    solved = matching.solve_arrays(snapshot.arrays, params, seed=seed)
    check = matching.validate_arrays(snapshot.arrays, solved.p, solved.r, params)
    if not check.ok:
        shown = "; ".join(v.message for v in check.violations[:5])
        raise PlanRejected(f"plan failed validation: {shown}")
    return BatchPlan(solved), matching.runner_ups(solved, runner_ups)


def _rounded(values: list, scale: int) -> list:
    """``round(x, 4)`` of each value (or row of values), for values that are whole numbers over
    ``scale``. When ``scale`` divides 10**4 such a value has at most four decimals and round()
    would hand back the very same float, so the call is skipped: it is a million calls at 100k."""
    if 10_000 % scale == 0:
        return values
    return [[round(v, 4) for v in x] if isinstance(x, list) else round(x, 4) for x in values]


def proposals_of(
    snapshot: Snapshot, plan: BatchPlan, runner_ups: matching.RunnerUpArrays | None = None,
) -> tuple[list[Proposal], list[Skipped]]:
    """Every unit the plan gives a project, as proposals: its best-scoring resource leads (主办)
    and, on a project that needs a team, the others help (协办), best first; each with its score
    by term, and the lead (given ``runner_ups`` from :func:`solve_explained`) with the next units.

    Proposals come in project id order, each project's lead first. The second list is for pairs
    the plan holds that cannot be proposed; there are none today.
    """
    pa = plan.arrays
    a, s = pa.problem, pa.params.scale
    score = (pa.terms.sum(axis=1) - pa.load) / s
    rows = np.flatnonzero(~pa.fixed)
    # by project id, best score first, then resource id: the first row of each project leads
    order = rows[np.lexsort((a.resource_ids[pa.r[rows]], -score[rows], snapshot.project_db[pa.p[rows]]))]
    po = pa.p[order]
    lead = np.r_[True, po[1:] != po[:-1]] if len(po) else np.zeros(0, dtype=bool)
    lp, lr = po, pa.r[order]

    ups: list[list[dict[str, Any]]] = [[] for _ in range(len(order))]
    if runner_ups is not None:
        # a project's runner-ups are its first row's (a team's rows share them); only its lead shows them
        first = np.full(a.n_projects, -1, dtype=np.int64)
        _, at = np.unique(pa.p[rows], return_index=True)
        first[pa.p[rows[at]]] = rows[at]
        at_lead = np.flatnonzero(lead)
        for i, up in zip(at_lead.tolist(), _runner_ups(snapshot, runner_ups, first[po[at_lead]].tolist(), s)):
            ups[i] = up

    breakdown = np.column_stack([pa.terms[order] / s, -pa.load[order] / s]).tolist()
    roles = (AssignmentRole.HELPER, AssignmentRole.LEAD)
    # built without validation: every value comes from the arrays above, already typed
    out = [
        Proposal.model_construct(project=n, project_id=pid, unit_id=uid, resource_id=rid, score=sc,
                                 role=roles[is_lead], breakdown=dict(zip(matching.TERMS, bd)), runner_ups=up)
        for n, pid, uid, rid, sc, is_lead, bd, up in zip(
            a.project_ids[lp].tolist(), snapshot.project_db[lp].tolist(),
            snapshot.unit_db[a.r_unit[lr]].tolist(), snapshot.resource_db[lr].tolist(),
            _rounded(score[order].tolist(), s), lead.tolist(), breakdown, ups)
    ]
    return out, []


def _runner_ups(snapshot: Snapshot, ru: matching.RunnerUpArrays, rows: list[int], scale: int
                ) -> list[list[dict[str, Any]]]:
    """The runner-ups of the given plan rows in the catalog's ids (unit and resource ids instead
    of the engine's names), scores rounded to 4 decimals."""
    a = ru.plan.problem
    terms = _rounded((ru.terms / scale).tolist(), scale)
    score = _rounded((ru.terms.sum(axis=1) / scale).tolist(), scale)
    behind = _rounded((ru.behind / scale).tolist(), scale)
    unit = snapshot.unit_db[a.r_unit[ru.r]].tolist()
    resource = snapshot.resource_db[ru.r].tolist()
    lost = [matching.LOST_ON[i] for i in ru.lost_on.tolist()]
    labels = matching.LOST_ON_LABELS
    terms_of = PAIR_TERMS
    ptr = ru.ptr.tolist()
    return [
        [{"unit_id": unit[j], "resource_id": resource[j], "score": score[j], "behind": behind[j],
          "lost_on": lost[j], "label": labels[lost[j]], "breakdown": dict(zip(terms_of, terms[j]))}
         for j in range(ptr[i], ptr[i + 1])]
        for i in rows
    ]


def unmatched_of(snapshot: Snapshot, plan: BatchPlan) -> list[UnmatchedOut]:
    """The projects the engine left open, with its reason and (for lost_to_better_use) the
    project and resource that took the place."""
    pa = plan.arrays
    a = pa.problem
    q = np.flatnonzero(pa.reason > 0)
    reasons = {u.value: u for u in matching.Unmatched}
    tp, tr = pa.taken_by_p[q], pa.taken_by_r[q]
    numbers = a.project_ids.tolist()
    p_db = snapshot.project_db.tolist()
    r_db = snapshot.resource_db.tolist()
    rows = []
    for i, why, p, r, community in zip(q.tolist(), pa.reason[q].tolist(), tp.tolist(), tr.tolist(),
                                       snapshot.communities[q].tolist()):
        u = reasons[why]
        rows.append({
            "project": numbers[i], "project_id": p_db[i], "community": community, "code": u.code, "label": u.label,
            "taken_by_project": numbers[p] if p >= 0 else None, "taken_by_project_id": p_db[p] if p >= 0 else None,
            "taken_by_resource_id": r_db[r] if r >= 0 else None,
        })
    # validated all at once: at 100k a third of the projects, faster than building them one by one
    return _UNMATCHED.validate_python(rows)


_UNMATCHED = TypeAdapter(list[UnmatchedOut])
