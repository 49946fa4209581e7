"""Large neighbourhood search: CP-SAT re-solves a few jobs at a time exactly (the jobs of a
few related units, or those where perturbed Lagrangian knapsacks disagree with the plan),
keeping the rest of the plan fixed."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .bound import _Lagrange
from .budgets import _DP_CELLS_PER_SECOND, _DTIME_PER_SECOND, _LNS_DTIME
from .cpsat import _cpsat
from .knapsack import _Knapsacks
from .problem import Floats, Ints, _Problem


def _related_agents(pb: _Problem, lag: _Lagrange, top: int = 3) -> Floats | None:
    """How many jobs two agents share among each job's ``top`` most plausible agents.

    Plausibility is the loss in Lagrangian bound from forcing the pair in; agents that share
    plausible jobs are the ones whose joint re-solve can trade jobs profitably.
    """
    if lag.table is None or pb.m < 3:
        return None
    room = np.clip(pb.cap[pb.agent] - pb.weight, 0, None)
    loss = (lag.per_agent[pb.agent] - lag.table[pb.agent, room]) - (pb.profit - lag.u[pb.job])
    order = np.lexsort((pb.agent, loss, pb.job))
    first = np.searchsorted(pb.job[order], pb.job[order], side="left")
    keep = order[np.arange(order.size) - first < top]
    member = np.zeros((pb.n, pb.m))
    member[pb.job[keep], pb.agent[keep]] = 1.0
    related = member.T @ member
    np.fill_diagonal(related, 0.0)
    return related


def _lns(pb: _Problem, assign: Ints, value: float, scale: float, dtime_budget: float,
         deadline: float, seed: int, bound: float, step: float,
         guide: tuple[_Knapsacks, Floats] | None = None,
         related: Floats | None = None) -> tuple[Ints, float, dict[str, Any]]:
    """Re-solve a few jobs at a time exactly, keeping the rest fixed.

    Shift and swap moves stall on tight instances because every improvement needs a chain of
    moves through several agents; an exact sub-solve finds such chains. Two neighbourhoods take
    turns:

    * the jobs of k agents, k growing while sub-solves are easy and unproductive and shrinking
      when they hit their limit;
    * with ``guide = (knapsacks, multipliers)``, the jobs whose place in the plan the
      Lagrangian knapsacks disagree with, under slightly perturbed multipliers (a relaxation
      induced neighbourhood); capped at ``cap_free`` jobs, adapted like k.

    Stopping on summed deterministic time keeps the search reproducible.
    """
    rng = np.random.default_rng(seed)
    k = min(3, pb.m)
    cap_free = max(8, min(pb.n, 30))
    spent = 0.0
    rounds = 0
    improved = {"agents": 0, "lagrangian": 0}
    pair_agent = pb.agent
    all_jobs = np.arange(pb.n)
    # with a guide in use: the noise on its multipliers, and each pair's index by (agent, job)
    guided: tuple[float, Ints] | None = None
    if guide is not None and guide[0].exact and pb.m >= 2:
        position = np.full((pb.m, pb.n), -1, dtype=np.int64)
        position[pb.agent, pb.job] = np.arange(pb.profit.size)
        guided = (0.003 * float(np.abs(guide[1]).mean()) + 1e-9, position)
    walled = False
    while spent < dtime_budget and time.perf_counter() < deadline and pb.m >= 2:
        if bound - value < max(step, 1e-9):
            break
        rounds += 1
        kind = "lagrangian" if guided is not None and rounds % 2 == 0 else "agents"
        if kind == "agents":
            if related is not None and rounds % 4 != 1:
                # A random agent and k - 1 agents that share plausible jobs with it.
                first = int(rng.integers(pb.m))
                weight = related[first] + 0.05
                weight[first] = 0.0
                others = rng.choice(pb.m, size=k - 1, replace=False, p=weight / weight.sum())
                chosen = np.r_[first, others]
            else:
                chosen = rng.choice(pb.m, size=k, replace=False)
            in_agents = np.isin(pair_agent, chosen)
            jobs = np.nonzero(np.isin(assign, chosen))[0]
            if not pb.must:
                # Unplaced jobs that could go to these agents join the neighbourhood too.
                extra = np.unique(pb.job[in_agents])
                jobs = np.union1d(jobs, extra[assign[extra] < 0])
            idx = np.nonzero(in_agents & np.isin(pb.job, jobs))[0]
        else:
            assert guide is not None and guided is not None  # the kind of every other round with a guide
            ks, u = guide
            noise, position = guided
            x, _, _ = ks.solve(pb.profit - (u + noise * rng.standard_normal(pb.n))[pb.job])
            spent += _DTIME_PER_SECOND * pb.profit.size * ks.width / _DP_CELLS_PER_SECOND
            placed = assign >= 0
            held = np.zeros(pb.n, dtype=bool)
            held[placed] = x[position[assign[placed], all_jobs[placed]]] > 0.5
            if not pb.must:
                held[~placed] = ~np.isin(all_jobs[~placed], pb.job[x > 0.5])
            jobs = np.nonzero(~held)[0]
            if jobs.size > cap_free:
                jobs = np.sort(rng.choice(jobs, size=cap_free, replace=False))
            idx = np.nonzero(np.isin(pb.job, jobs))[0]
        if idx.size == 0:
            continue
        current = float(pb.profit[idx][assign[pb.job[idx]] == pb.agent[idx]].sum())
        out = _cpsat(pb, idx, jobs, assign, math.inf, scale, _LNS_DTIME,
                     max(0.01, deadline - time.perf_counter()), seed + rounds, 1)
        walled |= out.walled
        spent += out.dtime + 0.002 * idx.size / 100
        gained = out.assign is not None and out.value > current + 1e-9
        if gained:
            assert out.assign is not None
            value += out.value - current
            assign = out.assign
            improved[kind] += 1
        if kind == "agents":
            if out.status == "optimal" and not gained and k < pb.m:
                k += 1
            elif out.status != "optimal" and not gained and k > 2:
                k -= 1
        else:
            if out.status == "optimal" and not gained:
                cap_free = min(pb.n, cap_free + 2)
            elif out.status != "optimal" and not gained:
                cap_free = max(8, cap_free - 2)
    walled |= spent < dtime_budget and time.perf_counter() >= deadline
    return assign, value, {"lns_rounds": rounds, "lns_improved": sum(improved.values()),
                           "lns_walled": walled,
                           "lns_improved_lagrangian": improved["lagrangian"],
                           "lns_final_k": k, "lns_final_free": cap_free}
