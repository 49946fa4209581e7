"""What goes in and what comes out: the caller's arrays checked and prepared (``_Problem``),
the result (``GapResult``) and the executable specification of a valid plan
(``gap_violations``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class GapResult:
    """Outcome of :func:`solve_gap`.

    ``objective`` and ``bound`` are ``-inf`` when no feasible assignment exists (status
    ``infeasible``); status ``unknown`` means none was found in time and none was proven
    impossible (only possible with ``must_assign``).
    """

    assign: Ints
    objective: float
    bound: float
    status: str
    gap: float = math.inf
    wall_time: float = 0.0
    bound_method: str = ""
    primal_method: str = ""
    lagrangian_bound: float = math.inf
    cpsat_bound: float = math.inf
    pairs_fixed: int = 0
    stats: dict[str, Any] = field(default_factory=dict, compare=False)


def gap_violations(assign: ArrayLike, profit: ArrayLike, job: ArrayLike, agent: ArrayLike,
                   weight: ArrayLike, capacity: ArrayLike, *, must_assign: bool = False,
                   n_jobs: int | None = None) -> tuple[float, list[str]]:
    """Recompute the objective of ``assign`` and list every broken rule, without a solver.

    This is the executable specification: tests and callers check every plan through it.
    """
    profit = np.asarray(profit, dtype=np.float64)
    job = np.asarray(job, dtype=np.int64)
    agent = np.asarray(agent, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64)
    assign = np.asarray(assign, dtype=np.int64)
    n = int(n_jobs) if n_jobs is not None else (int(job.max()) + 1 if job.size else 0)
    problems: list[str] = []
    if assign.shape != (n,):
        return -math.inf, [f"assign has shape {assign.shape}, expected ({n},)"]
    lookup = {(int(j), int(a)): k for k, (j, a) in enumerate(zip(job, agent, strict=True))}
    load = np.zeros(capacity.shape[0], dtype=np.int64)
    total = 0.0
    for j in range(n):
        a = int(assign[j])
        if a < 0:
            if must_assign:
                problems.append(f"job {j} unassigned but must_assign")
            continue
        k = lookup.get((j, a))
        if k is None:
            problems.append(f"job {j} placed at agent {a} with no such pair")
            continue
        load[a] += weight[k]
        total += profit[k]
    for i in np.nonzero(load > capacity)[0]:
        problems.append(f"agent {i} load {load[i]} exceeds capacity {capacity[i]}")
    return total, problems


@dataclass
class _Problem:
    n: int
    m: int
    profit: Floats  # (P,) float, pairs sorted by agent then job
    job: Ints
    agent: Ints
    weight: Ints  # scaled down by the per-agent gcd
    cap: Ints  # (m,) scaled down likewise, and no larger than the agent's total weight
    orig: Ints  # index of each kept pair in the caller's arrays
    must: bool
    integral: bool
    rank: Ints  # position of the pair among its agent's pairs
    agent_start: Ints  # (m + 1,) offsets into the pair arrays


def _prepare(profit: ArrayLike, job: ArrayLike, agent: ArrayLike, weight: ArrayLike,
             capacity: ArrayLike, n_jobs: int | None, must_assign: bool) -> _Problem:
    profit = np.asarray(profit)
    job = np.asarray(job, dtype=np.int64)
    agent = np.asarray(agent, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64)
    if not (profit.shape == job.shape == agent.shape == weight.shape) or profit.ndim != 1:
        raise ValueError("profit, job, agent and weight must be 1-d arrays of equal length")
    if capacity.ndim != 1:
        raise ValueError("capacity must be a 1-d array")
    m = capacity.shape[0]
    n = int(n_jobs) if n_jobs is not None else (int(job.max()) + 1 if job.size else 0)
    if job.size:
        if job.min() < 0 or job.max() >= n:
            raise ValueError("job index out of range")
        if agent.min() < 0 or agent.max() >= m:
            raise ValueError("agent index out of range")
        if weight.min() < 0:
            raise ValueError("weights must be >= 0")
        if not np.all(np.isfinite(profit.astype(np.float64))):
            raise ValueError("profits must be finite")
    if capacity.size and capacity.min() < 0:
        raise ValueError("capacities must be >= 0")
    key = job * max(m, 1) + agent
    if np.unique(key).size != key.size:
        raise ValueError("duplicate (job, agent) pair")

    pf = profit.astype(np.float64)
    keep = weight <= capacity[agent] if job.size else np.zeros(0, dtype=bool)
    if not must_assign:
        # Placing a job for zero or negative profit never helps and only uses hours.
        keep &= pf > 0
    idx = np.nonzero(keep)[0]
    order = idx[np.lexsort((job[idx], agent[idx]))]
    a_s, j_s, w_s, p_s = agent[order], job[order], weight[order], pf[order]

    counts = np.bincount(a_s, minlength=m)
    start = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    rank = np.arange(order.size) - start[a_s]

    # Dividing an agent's weights and capacity by their gcd shrinks the DP without changing it.
    g = np.zeros(m, dtype=np.int64)
    np.gcd.at(g, a_s, w_s)
    g = np.where(g == 0, 1, g)
    w_s = w_s // g[a_s]
    cap = capacity // g
    total_w = np.bincount(a_s, weights=w_s, minlength=m).astype(np.int64)
    cap = np.minimum(cap, total_w)

    integral = bool(np.all(p_s == np.round(p_s)))
    return _Problem(n, m, p_s, j_s, a_s, w_s, cap, order, must_assign, integral, rank, start)


def _complete(assign: Ints, pb: _Problem) -> bool:
    return not pb.must or bool(np.all(assign >= 0))
