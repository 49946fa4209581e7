"""Components with hours budgets are generalised assignment problems; `matching.gap` solves
them. This module translates between the engine's pairs and the GAP array API, and handles
resources that carry both an hours budget and a count capacity (two limits per agent, which
the single-knapsack GAP solver does not model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .params import Params

# Up to this many pairs, components whose resources carry both limits are re-solved exactly
# with CP-SAT (both limits as constraints); above it the GAP plan is trimmed and refilled.
EXACT_BOTH_MAX_PAIRS = 50_000
# CP-SAT's deterministic work budget for that re-solve (about seconds of one core); the
# wall-clock guard is ``params.gap_time_limit``.
EXACT_BOTH_WORK = 20.0


@dataclass(frozen=True, eq=False)
class HoursResult:
    chosen: NDArray[np.bool_]  # bool per input pair
    bound: float  # scaled points, upper bound on the chosen pairs' total score
    status: str


def solve_hours_gap(p: NDArray[Any], r: NDArray[Any], score: NDArray[np.int64], *,
                    minutes: NDArray[np.int64], capacity: NDArray[np.int64],
                    budget: NDArray[np.int64], params: Params, seed: int) -> HoursResult:
    """One GAP over every hours component (the pieces are independent, so the solver's bound
    is the sum of theirs). A resource with an hours budget weighs each project by its
    minutes; a count-only resource in the same component weighs each project as 1.

    A resource with both an hours budget and a count capacity is a second limit the GAP does
    not see: its plan is trimmed to the count, the freed projects are offered to resources with
    room left, and (up to ``EXACT_BOTH_MAX_PAIRS`` pairs) CP-SAT re-solves the whole thing with
    both limits, starting from that plan. Dropping a limit only relaxes the problem, so the
    GAP's bound stays an upper bound.

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
    count_cap = np.where(has_budget & (capacity[agents] >= 0), capacity[agents], -1).astype(np.int64)
    if not (count_cap >= 0).any():
        return HoursResult(chosen=chosen, bound=float(res.bound), status=str(res.status))

    chosen = _trim_and_refill(chosen, job, agent, score, weight, cap, count_cap)
    bound, status = float(res.bound), "feasible"
    if len(p) <= EXACT_BOTH_MAX_PAIRS:
        exact = _exact_two_limits(chosen, job, agent, score, weight, cap, count_cap, len(jobs),
                                  time_limit=params.gap_time_limit, seed=seed)
        if exact is not None:
            chosen, cp_bound, optimal = exact
            bound = min(bound, cp_bound)
            status = "optimal" if optimal else "feasible"
    return HoursResult(chosen=chosen, bound=bound, status=status)


def _trim_and_refill(chosen: NDArray[np.bool_], job: NDArray[np.int64], agent: NDArray[np.int64],
                     score: NDArray[np.int64], weight: NDArray[np.int64], cap: NDArray[np.int64],
                     count_cap: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Keep each doubly limited resource's best pairs up to its count, then place every
    project left without a resource on its best pair that still fits both limits."""
    chosen = chosen.copy()
    for ag in np.flatnonzero(count_cap >= 0):
        idx = np.flatnonzero(chosen & (agent == ag))
        if len(idx) > count_cap[ag]:
            drop = idx[np.argsort(-score[idx], kind="stable")[count_cap[ag]:]]
            chosen[drop] = False
    used_w = np.bincount(agent[chosen], weights=weight[chosen], minlength=len(cap)).astype(np.int64)
    used_n = np.bincount(agent[chosen], minlength=len(cap)).astype(np.int64)
    placed = np.zeros(job.max() + 1, bool)
    placed[job[chosen]] = True
    for i in np.argsort(-score, kind="stable"):
        if score[i] <= 0 or placed[job[i]] or chosen[i]:
            continue
        ag = agent[i]
        if used_w[ag] + weight[i] > cap[ag] or (count_cap[ag] >= 0 and used_n[ag] >= count_cap[ag]):
            continue
        chosen[i] = True
        placed[job[i]] = True
        used_w[ag] += weight[i]
        used_n[ag] += 1
    return chosen


def _exact_two_limits(hint: NDArray[np.bool_], job: NDArray[np.int64], agent: NDArray[np.int64],
                      score: NDArray[np.int64], weight: NDArray[np.int64], cap: NDArray[np.int64],
                      count_cap: NDArray[np.int64], n_jobs: int, *, time_limit: float,
                      seed: int) -> tuple[NDArray[np.bool_], float, bool] | None:
    """CP-SAT with both limits, hinted with ``hint``; None when it finds nothing better."""
    from ortools.sat.python import cp_model

    keep = np.flatnonzero(score > 0)
    if len(keep) == 0:
        return None
    m = cp_model.CpModel()
    x = [m.new_bool_var("") for _ in range(len(keep))]
    by_job: list[list[cp_model.IntVar]] = [[] for _ in range(n_jobs)]
    by_agent: list[list[int]] = [[] for _ in range(len(cap))]
    for t, i in enumerate(keep.tolist()):
        by_job[job[i]].append(x[t])
        by_agent[agent[i]].append(t)
    for vs in by_job:
        if len(vs) > 1:
            m.add_at_most_one(vs)
    for ag, ts in enumerate(by_agent):
        if not ts:
            continue
        w = weight[keep[ts]]
        if int(w.sum()) > cap[ag]:
            m.add(sum(int(wi) * x[t] for wi, t in zip(w.tolist(), ts, strict=True)) <= int(cap[ag]))
        if 0 <= count_cap[ag] < len(ts):
            m.add(sum(x[t] for t in ts) <= int(count_cap[ag]))
    m.maximize(sum(int(s) * v for s, v in zip(score[keep].tolist(), x, strict=True)))
    for v, h in zip(x, hint[keep].tolist(), strict=True):
        m.add_hint(v, bool(h))
    solver = cp_model.CpSolver()
    # else SIGINT is left at the default after the solve (see matching/gap/cpsat.py)
    solver.parameters.catch_sigint_signal = False
    solver.parameters.num_workers = 1  # one worker and a work limit: the same plan every run
    solver.parameters.random_seed = int(seed) % (2**31)
    solver.parameters.max_deterministic_time = EXACT_BOTH_WORK
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = np.zeros(len(score), bool)
    chosen[keep] = np.array([solver.boolean_value(v) for v in x], bool)
    if int(score[chosen].sum()) < int(score[hint].sum()):
        return None
    return chosen, float(solver.best_objective_bound), status == cp_model.OPTIMAL
