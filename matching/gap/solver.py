"""The entry point, :func:`solve_gap`, and the phases before the search (steps 0 to 2 in
:mod:`matching.gap`): the trivial cases, a CP-SAT probe of small components, the Lagrangian
bound and a first plan, from which :class:`matching.gap.portfolio._Portfolio` searches."""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import ArrayLike

from .bound import _lagrangian
from .budgets import (
    _DP_CELLS_PER_SECOND,
    _DTIME_PER_SECOND,
    _LAGRANGE_SHARE,
    _MAX_DENSE,
    _MAX_SWAP_JOBS,
    _MOVES_PER_SECOND,
    _PROBE_PAIRS,
    _SLICE,
)
from .cpsat import _cpsat, _scale_for
from .knapsack import _Knapsacks
from .local import _LocalSearch
from .portfolio import _Portfolio
from .problem import GapResult, _prepare
from .run import _Run
from .search import _Dense


def solve_gap(profit: ArrayLike, job: ArrayLike, agent: ArrayLike, weight: ArrayLike,
              capacity: ArrayLike, *, n_jobs: int | None = None, must_assign: bool = False,
              time_limit: float = 10.0, seed: int = 0, workers: int = 2,
              wall_guard: bool = True) -> GapResult:
    """Assign jobs to agents within hours budgets for the largest total profit.

    Jobs are placed only where they add profit (pairs with profit <= 0 are ignored unless
    ``must_assign``), so an unprofitable or oversized job stays at ``-1``. The same inputs and
    seed give the same result; see the package docstring for the one exception.

    ``time_limit`` sets the deterministic budgets of every phase and, with ``wall_guard``, a
    wall clock that stops them early on a slow machine. ``wall_guard=False`` leaves only the
    budgets: the run takes as long as the machine needs to do that work, and the result never
    depends on its speed (tests of which methods ran, reproducing a run exactly).
    """
    t0 = time.perf_counter()
    pb = _prepare(profit, job, agent, weight, capacity, n_jobs, must_assign)
    run = _Run(pb, time_limit, seed, workers, wall_guard, t0)
    try:
        opened = _open(run)
        return opened if isinstance(opened, GapResult) else opened.solve()
    finally:
        if run.worker is not None:
            run.worker.close()


def _open(run: _Run) -> GapResult | _Portfolio:
    """The phases before the search: the trivial cases, a CP-SAT probe of small components,
    the Lagrangian bound and a first plan. The result when one of them settles the component,
    else the portfolio that searches from that plan."""
    pb, stats, time_limit, seed, workers = run.pb, run.stats, run.time_limit, run.seed, run.workers
    n = pb.n
    if pb.must and n and np.bincount(pb.job, minlength=n).min() == 0:
        return run.finish(None, -math.inf, -math.inf, "infeasible", bound_method="no-pair")
    if pb.profit.size == 0:
        return run.finish(run.empty, 0.0, 0.0, "optimal", bound_method="trivial",
                          primal_method="empty")

    step = 1.0 if pb.integral else 0.0
    scale = _scale_for(pb)
    all_jobs = np.arange(n)
    all_pairs = np.arange(pb.profit.size)
    if pb.profit.size <= _PROBE_PAIRS:
        # Small components are closed by CP-SAT alone faster than the Lagrangian phase runs.
        wall = min(0.5, 0.1 * time_limit)
        out = _cpsat(pb, all_pairs, all_jobs, None, math.inf, scale, _DTIME_PER_SECOND * wall,
                     run.guard(wall), seed, workers)
        stats["wall_guard"] |= out.walled
        if out.status == "infeasible":
            return run.finish(None, -math.inf, -math.inf, "infeasible", bound_method="cp-sat")
        if out.status == "optimal":
            return run.finish(out.assign, out.value, out.value, "optimal", bound_method="cp-sat",
                              primal_method="cp-sat", cpsat_bound=out.value)
    ks = _Knapsacks(pb)
    dense = _Dense(pb) if pb.m * pb.n <= _MAX_DENSE else None
    # The tabu or exchange search, where the tabu search applies.
    local = _LocalSearch(run, dense) if dense is not None and n <= _MAX_SWAP_JOBS else None
    if local is not None:
        # Started now, so that the child's imports overlap the Lagrangian phase.
        local.start_worker()
    lag = _lagrangian(pb, ks, dense, 400 if ks.exact else 150,
                      _DP_CELLS_PER_SECOND * _LAGRANGE_SHARE * time_limit,
                      run.t0 + run.guard(2 * _LAGRANGE_SHARE * time_limit), step)
    lag_bound: float = math.floor(lag.bound + 1e-6) if pb.integral else lag.bound
    stats["wall_guard"] |= lag.walled
    stats["lagrangian_iterations"] = lag.iterations

    incumbent, inc_value = lag.best_assign, lag.best_value
    primal = "lagrangian"
    if not pb.must and incumbent is None:
        incumbent, inc_value = run.empty.copy(), 0.0
    first_slice: list[str] = []
    if local is not None and incumbent is None:
        # The tabu search may start over budget, so tight budgets that defeat the repair
        # still get a plan from it, starting from the relaxation.
        x, _, _ = ks.solve(pb.profit - lag.u[pb.job])
        found, val = local.slice(local.dense.repair(x, local.dense.P - lag.u[None, :]), _SLICE)
        if found is not None:
            incumbent, inc_value, primal = found, val, local.name
            first_slice = ["tabu"]  # counts against the search budget
    if incumbent is None:
        # Tight budgets can defeat the greedy repair; CP-SAT finds a first plan quickly.
        out = _cpsat(pb, all_pairs, all_jobs, None, lag.bound, scale,
                     _DTIME_PER_SECOND * 0.25 * time_limit,
                     min(run.left(), run.guard(0.35 * time_limit)), seed, workers,
                     first_solution=True)
        stats["wall_guard"] |= out.walled
        if out.status == "infeasible":
            return run.finish(None, -math.inf, -math.inf, "infeasible", bound_method="cp-sat",
                              lagrangian_bound=lag_bound)
        incumbent, inc_value, primal = out.assign, out.value, "cp-sat"
    stats["t_lagrangian"] = round(time.perf_counter() - run.t0, 3)
    if incumbent is not None and dense is not None and n > _MAX_SWAP_JOBS:
        better = dense.local_search(incumbent, max_moves=20 * n + 100,
                                    max_work=_MOVES_PER_SECOND * 0.05 * time_limit)
        if dense.value(better) > inc_value + 1e-9:
            incumbent, inc_value = better, dense.value(better)
            primal += "+local-search"
    if incumbent is None:
        return run.finish(None, -math.inf, lag_bound, "unknown", bound_method="lagrangian",
                          lagrangian_bound=lag_bound)
    stats["t_after_ls"] = round(time.perf_counter() - run.t0, 3)
    return _Portfolio(run, ks, local, lag, lag_bound, incumbent, inc_value, primal, first_slice,
                      step, scale, all_jobs, all_pairs)
