"""Components with hours budgets are generalised assignment problems; `matching.gap` solves
them. This module only translates between the engine's pairs and the GAP array API."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import Params


@dataclass(frozen=True, eq=False)
class HoursResult:
    chosen: np.ndarray  # bool per input pair
    bound: float  # scaled points, upper bound on the chosen pairs' total score
    status: str


def solve_hours_gap(p, r, score, *, minutes, capacity, budget, params: Params, seed: int
                    ) -> HoursResult:
    """One GAP over every hours component (the pieces are independent, so the solver's bound
    is the sum of theirs). A resource with an hours budget weighs each project by its
    minutes; a count-only resource in the same component weighs each project as 1.

    Load spreading is not modelled inside this solve (the GAP has linear profits); the
    validator still charges it, so the reported bound stays an upper bound.
    """
    from .gap import solve_gap

    if len(p) == 0:
        return HoursResult(np.zeros(0, bool), 0.0, "optimal")
    jobs, job = np.unique(p, return_inverse=True)
    agents, agent = np.unique(r, return_inverse=True)
    has_budget = budget[agents] >= 0
    weight = np.where(has_budget[agent], minutes[p], 1).astype(np.int64)
    deg = np.bincount(agent, minlength=len(agents))
    cap = np.where(has_budget, budget[agents],
                   np.where(capacity[agents] >= 0, capacity[agents], deg)).astype(np.int64)
    res = solve_gap(score.astype(np.float64), job, agent, weight, cap, n_jobs=len(jobs),
                    must_assign=False, time_limit=params.gap_time_limit, seed=seed)
    chosen = (res.assign[job] == agent)
    # a resource with both an hours budget and a count capacity: keep its best pairs
    both = np.flatnonzero(has_budget & (capacity[agents] >= 0))
    for ag in both:
        idx = np.flatnonzero(chosen & (agent == ag))
        limit = capacity[agents[ag]]
        if len(idx) > limit:
            drop = idx[np.argsort(-score[idx], kind="stable")[limit:]]
            chosen[drop] = False
    return HoursResult(chosen=chosen, bound=float(res.bound), status=str(res.status))
