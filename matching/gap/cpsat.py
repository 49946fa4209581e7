"""CP-SAT on the GAP model: the whole (reduced) problem, or a neighbourhood of it with the
other jobs held where a plan puts them, warm-started from that plan."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .problem import Ints, _Problem


@dataclass
class _CpOutcome:
    assign: Ints | None  # full-length assignment (jobs outside the model untouched)
    value: float  # profit of the model's pairs in that assignment
    bound: float  # proven bound on the model's objective, in profit units
    status: str
    dtime: float
    walled: bool = False  # stopped by the wall-clock guard before its deterministic budget


def _cpsat(pb: _Problem, idx: Ints, jobs: Ints, base: Ints | None,
           upper: float, scale: float, dtime: float, wall: float, seed: int, workers: int,
           first_solution: bool = False, presolve: bool = True) -> _CpOutcome:
    """Solve GAP over pairs ``idx`` for ``jobs``; the other jobs keep their place in ``base``.

    Used both for the whole (reduced) problem and for the neighbourhoods of the large
    neighbourhood search, where ``idx`` holds the pairs of a few agents.
    """
    model = cp_model.CpModel()
    coef = np.round(pb.profit[idx] * scale).astype(np.int64)
    x = [model.new_bool_var(f"x{k}") for k in range(idx.size)]
    j_of, a_of = pb.job[idx], pb.agent[idx]
    by_job = np.argsort(j_of, kind="stable")
    j_sorted = j_of[by_job]
    present = np.unique(j_sorted)
    if pb.must and present.size < np.unique(jobs).size:
        return _CpOutcome(None, -math.inf, -math.inf, "infeasible", 0.0)
    splits = np.split(by_job, np.searchsorted(j_sorted, present[1:]))
    for group in splits:
        lits = [x[p] for p in group]
        if pb.must:
            model.add_exactly_one(lits)
        elif len(lits) > 1:
            model.add_at_most_one(lits)
    by_agent = np.argsort(a_of, kind="stable")
    a_sorted = a_of[by_agent]
    agents = np.unique(a_sorted)
    # strict=False: with no pairs there is no agent, and np.split still gives one empty group
    for a, group in zip(agents, np.split(by_agent, np.searchsorted(a_sorted, agents[1:])), strict=False):
        w = pb.weight[idx[group]]
        room = int(pb.cap[a])
        if base is not None:
            # Jobs of this agent outside the model keep using their hours.
            outside = (base == a)
            outside[jobs] = False
            if outside.any():
                room -= int(_weight_of(pb, np.nonzero(outside)[0], a).sum())
        if int(w.sum()) > room:
            model.add(cp_model.LinearExpr.weighted_sum([x[p] for p in group], w.tolist())
                      <= room)
    obj = cp_model.LinearExpr.weighted_sum(x, coef.tolist())
    if math.isfinite(upper):
        # The Lagrangian bound as a cut: CP-SAT's own relaxation does not reach it on GAP.
        model.add(obj <= math.floor(upper * scale + 0.5 * present.size + 1e-6))
    model.maximize(obj)
    if base is not None:
        hinted = base[j_of] == a_of
        for var, h in zip(x, hinted, strict=True):
            model.add_hint(var, bool(h))
    solver = cp_model.CpSolver()
    prm = solver.parameters
    # CP-SAT would otherwise take Ctrl-C while it solves and leave SIGINT at the system default
    # afterwards: the process that called us could no longer shut down on Ctrl-C.
    prm.catch_sigint_signal = False
    prm.random_seed = int(seed)
    prm.num_workers = max(1, int(workers))
    # Multi-worker CP-SAT is only reproducible when the workers run in deterministic batches.
    prm.interleave_search = prm.num_workers > 1
    prm.max_deterministic_time = max(0.01, dtime)
    prm.max_time_in_seconds = max(0.01, wall)
    if first_solution:
        prm.stop_after_first_solution = True
    if not presolve:
        # On a few thousand pairs of a tight instance, presolve alone costs 0.4 deterministic
        # seconds, and the hint only counts once it is done: a short run would end empty.
        prm.cp_model_presolve = False
    status = solver.solve(model)
    spent = solver.deterministic_time
    walled = (status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
              and not (first_solution and status == cp_model.FEASIBLE)
              and spent < 0.99 * prm.max_deterministic_time)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = idx[np.array([solver.boolean_value(v) for v in x], dtype=bool)]
        assign = base.copy() if base is not None else np.full(pb.n, -1, dtype=np.int64)
        assign[jobs] = -1
        assign[pb.job[chosen]] = pb.agent[chosen]
        value = float(pb.profit[chosen].sum())
        slack = 0.0 if scale == 1.0 else 0.5 * present.size / scale
        bound = solver.best_objective_bound / scale + slack
        name = "optimal" if status == cp_model.OPTIMAL and not slack else "feasible"
        return _CpOutcome(assign, value, bound, name, spent, walled)
    if status == cp_model.INFEASIBLE:
        return _CpOutcome(None, -math.inf, -math.inf, "infeasible", spent)
    return _CpOutcome(None, -math.inf, math.inf, "unknown", spent, walled)


def _weight_of(pb: _Problem, jobs: Ints, a: int) -> Ints:
    lo, hi = pb.agent_start[a], pb.agent_start[a + 1]
    pos: Ints = lo + np.searchsorted(pb.job[lo:hi], jobs)
    return pb.weight[pos]


def _scale_for(pb: _Problem) -> float:
    if pb.integral and (pb.profit.size == 0 or np.abs(pb.profit).max() * max(pb.n, 1) < 2**52):
        return 1.0
    top = float(np.abs(pb.profit).max()) if pb.profit.size else 1.0
    # Powers of two keep the scaling exact; 2**40 of headroom over n x the largest profit.
    return float(2.0 ** math.floor(math.log2(2**40 / max(top * max(pb.n, 1), 1e-300))))

