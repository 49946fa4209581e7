"""The Lagrangian bound: the one-unit-per-job constraints relaxed with multipliers, what is
left splits into one knapsack per unit (:mod:`matching.gap.knapsack`), and subgradient steps
on the multipliers tighten the bound (far tighter than the LP bound on GAP). Every few steps
the knapsack solutions are repaired into a plan. The bound then fixes pairs out of the model
(:func:`_reduced_pairs`)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .knapsack import _Knapsacks
from .problem import Floats, Ints, _complete, _Problem
from .search import _Dense


@dataclass
class _Lagrange:
    bound: float
    u: Floats
    per_agent: Floats
    table: Floats | None
    best_assign: Ints | None
    best_value: float
    iterations: int
    walled: bool = False


def _lagrangian(pb: _Problem, ks: _Knapsacks, dense: _Dense | None, max_iter: int,
                max_work: float, deadline: float, step: float) -> _Lagrange:
    P = pb.profit
    n = pb.n
    # Start each multiplier at the job's second-best profit: only its best agent is then
    # attractive, which is close to the fixed point on loose instances.
    best1 = np.full(n, -np.inf)
    np.maximum.at(best1, pb.job, P)
    masked = np.where(best1[pb.job] > P, P, -np.inf)
    best2 = np.full(n, -np.inf)
    np.maximum.at(best2, pb.job, masked)
    u = np.where(np.isfinite(best2), best2, np.where(np.isfinite(best1), best1 - 1.0, 0.0))
    has_pair = np.isfinite(best1)
    if not pb.must:
        u = np.maximum(u, 0.0)
    u[~has_pair] = 0.0

    best = _Lagrange(math.inf, u.copy(), np.zeros(pb.m), None, None, -math.inf, 0)
    theta = 1.0
    stall = 0
    it = 0
    for it in range(1, max_iter + 1):
        value = P - u[pb.job]
        x, per_agent, table = ks.solve(value)
        L = float(u[has_pair].sum() + per_agent.sum())
        if best.bound - 1e-9 > L:
            best.bound, best.u, best.per_agent, best.table = L, u.copy(), per_agent, table
            stall = 0
        else:
            stall += 1
            if stall >= 10:
                theta *= 0.5
                stall = 0
        cover = np.bincount(pb.job, weights=x, minlength=n)
        if dense is not None and (it <= 3 or it % 5 == 0):
            guide = dense.P - u[None, :]
            cand = dense.repair(x, guide)
            val = dense.value(cand) if _complete(cand, pb) else -math.inf
            if val > best.best_value + 1e-9:
                best.best_value, best.best_assign = val, cand
        if best.best_value > -math.inf and best.bound - best.best_value < step:
            break
        g = 1.0 - cover
        g[~has_pair] = 0.0
        if not pb.must:
            g = np.where((u <= 0) & (g > 0), 0.0, g)
        norm = float(g @ g)
        if norm < 1e-12:
            break
        target = best.best_value if best.best_value > -math.inf else L - 0.05 * abs(L) - 1.0
        gap = max(L - target, 1e-3 * max(1.0, abs(L)) * theta)
        u = u - theta * gap / norm * g
        if not pb.must:
            u = np.maximum(u, 0.0)
        if theta < 1e-4 or ks.work > max_work:
            break
        if time.perf_counter() > deadline:
            best.walled = it < max_iter
            break
    best.iterations = it
    return best


def _reduced_pairs(pb: _Problem, lag: _Lagrange, plan: Ints, plan_value: float, step: float,
                   all_pairs: Ints) -> Ints:
    """Pairs that could still be in a strictly better plan than ``plan``.

    Forcing pair (a, j) in can gain at most its reduced value plus a's best knapsack with
    w[a, j] fewer hours, instead of a's whole knapsack.
    """
    if lag.table is None:
        return all_pairs
    value = pb.profit - lag.u[pb.job]
    room = np.clip(pb.cap[pb.agent] - pb.weight, 0, None)
    ub = lag.bound - lag.per_agent[pb.agent] + lag.table[pb.agent, room] + value
    keep = (ub >= plan_value + step - 1e-6) | (plan[pb.job] == pb.agent)
    return np.nonzero(keep)[0]
