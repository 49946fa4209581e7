"""Why a unit got a project and the next ones did not: the runner-ups of each assignment.

Built from the candidate pairs the solve already has (`PlanArrays.candidates`), in a few array
passes, so explaining every assignment of a large plan costs about as much as sorting its pairs
once. For each assigned project, the runner-ups are the best pairs of *other* units (one pair
per unit, the unit's best resource), ranked by pair score, with the term that made each lose:

* a pair term (``match`` … ``stability``) when its pair score is lower than the winner's: the
  term with the largest shortfall against the winner;
* ``capacity`` when it scores at least as well but its resource was full in the plan (the
  place went to other projects);
* ``load`` when it scores better and had room, but its unit carries more work, so load
  spreading gave the project to a less busy unit;
* ``tie`` when it scores the same and had room: the order of the input decided.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .plan_arrays import PlanArrays
from .reasons import TERM_LABELS
from .rules import PAIR_TERMS, RuleTables, is_member, pair_keys, pair_terms, project_terms

LOST_ON = (*PAIR_TERMS, "load", "capacity", "tie")
"""Codes of what a runner-up lost on, by their index in `RunnerUpArrays.lost_on`."""

LOST_ON_LABELS = {
    **{t: TERM_LABELS[t] for t in PAIR_TERMS},
    "load": "负荷均衡：该单位手头项目较多",
    "capacity": "名额已满：该资源本期名额已派给其他项目",
    "tie": "得分相同，按登记顺序选定",
}
_LOAD, _CAPACITY, _TIE = len(PAIR_TERMS), len(PAIR_TERMS) + 1, len(PAIR_TERMS) + 2


@dataclass(frozen=True, eq=False)
class RunnerUpArrays:
    """Runner-ups of every assignment row of a plan, in CSR form (`matching.result.decode`
    reads them as `RunnerUp` records).

    Row ``i`` of the plan (``plan.p[i]``, ``plan.r[i]``) has runner-ups ``ptr[i]:ptr[i + 1]``,
    best first; accepted claims (``plan.fixed``) have none."""

    plan: PlanArrays
    ptr: np.ndarray  # int64 (n_assignments + 1,)
    r: np.ndarray  # int64 resource index per runner-up
    terms: np.ndarray  # int64 (n, 7) pair terms x scale, columns as PAIR_TERMS
    behind: np.ndarray  # int64: winner's pair score minus the runner-up's, x scale
    lost_on: np.ndarray  # int8 index into LOST_ON


def runner_ups(plan: PlanArrays, k: int = 3) -> RunnerUpArrays:
    """The best ``k`` other units for each assignment the solve made, and what each lost on."""
    cand = plan.candidates
    if cand is None:
        raise ValueError("the plan does not carry its candidate pairs")
    a, params = plan.problem, plan.params
    P, U = a.n_projects, max(1, a.n_units)
    n_rows = len(plan.p)

    # units already on each project in the plan are no runner-ups of it
    taken = np.unique(pair_keys(plan.p, a.r_unit[plan.r], U))
    keys = pair_keys(cand.p, a.r_unit[cand.r], U)
    served = np.zeros(P, dtype=bool)
    served[plan.p[~plan.fixed]] = True
    idx = np.flatnonzero(served[cand.p] & ~is_member(taken, keys))
    o = idx[np.lexsort((cand.r[idx], -cand.score[idx], cand.p[idx]))]
    # each unit once, with its best resource: the first in that order
    _, first = np.unique(keys[o], return_index=True)
    o = o[np.sort(first)]
    po = cand.p[o]
    rank = np.arange(len(o)) - np.searchsorted(po, po)
    o = o[rank < k]
    po = cand.p[o]

    lo = np.searchsorted(po, plan.p, "left")
    hi = np.searchsorted(po, plan.p, "right")
    hi = np.where(plan.fixed, lo, hi)
    n = hi - lo
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(n, out=ptr[1:])
    row = np.repeat(np.arange(n_rows), n)
    pos = np.arange(int(ptr[-1])) - np.repeat(ptr[:-1], n) + np.repeat(lo, n)
    sel = o[pos]
    rr = cand.r[sel]
    terms = pair_terms(RuleTables(a), params, cand.p[sel], rr, project_terms(a, params))
    win = plan.terms[row]
    behind = win.sum(axis=1) - terms.sum(axis=1)

    lost_on = np.argmax(win - terms, axis=1).astype(np.int8)
    used_r = np.bincount(plan.r, minlength=a.n_resources)
    used_m = np.bincount(plan.r, weights=a.p_minutes[plan.p], minlength=a.n_resources)
    full = ((a.r_capacity[rr] >= 0) & (used_r[rr] >= a.r_capacity[rr])) | (
        (a.r_budget_minutes[rr] >= 0) & (a.r_budget_minutes[rr] - used_m[rr] < a.p_minutes[plan.p[row]]))
    not_worse = behind <= 0
    lost_on[not_worse & ~full] = np.where(behind[not_worse & ~full] < 0, _LOAD, _TIE)
    lost_on[not_worse & full] = _CAPACITY
    return RunnerUpArrays(plan=plan, ptr=ptr, r=rr, terms=terms, behind=behind, lost_on=lost_on)
