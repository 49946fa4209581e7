"""Hours-budget assignment: a generalised assignment problem (GAP) solver.

Units (agents) offer a budget of hours; projects (jobs) need some hours at a unit and bring a
profit there; each project goes to at most one unit (exactly one with ``must_assign``). The flow
engine hands us the components of its problem that carry hours budgets.

Method, in the order it runs:

0. Components of up to ``_PROBE_PAIRS`` pairs first get a short plain CP-SAT run, which closes
   most of them before anything else is set up.
1. Lagrangian relaxation of the one-unit-per-project constraints. What is left splits into one
   0-1 knapsack per unit, solved exactly by dynamic programming over hours (all units at once,
   vectorised). Subgradient steps on the multipliers give an upper bound that is far tighter
   than the LP bound on GAP.
2. Every few steps the knapsack solutions are repaired into a feasible assignment (drop double
   placements, place the rest by regret). When budgets are too tight for the repair, the
   exchange (or tabu) search started from the relaxation (or else CP-SAT) supplies the first plan.
3. Reduced-profit fixing: a pair whose forced use pulls the Lagrangian bound below the incumbent
   cannot be in any strictly better plan and leaves the model.
4. The search, in slices of the time limit, each going to the method whose last slice gained
   most:

   * CP-SAT on what is left after fixing, warm-started with the plan; its first slice proves
     optimality on loose components, and when few pairs survive it gets all the time;
   * up to ``_MAX_EXCHANGE_JOBS`` jobs and ``MAX_UNITS`` units, the multi-exchange search of
     :mod:`matching.gap_mx`: at each step the best chain or cycle of up to
     ``_EXCHANGE_DEPTH`` jobs (job 1 to unit B pushing out job 2, job 2 to unit C, ...)
     over all jobs at once, through over-budget plans with adaptive prices per unit of
     excess hours; on tight budgets (OR-Library type d) every improvement is such a chain,
     which plain shift and swap cannot find. Past those sizes, a tabu search over shift,
     swap and two-step chains with the same kind of prices;
   * large neighbourhood search: CP-SAT re-solves the jobs of k units (random, or units that
     share plausible jobs by the Lagrangian costs), or the jobs where perturbed Lagrangian
     knapsacks disagree with the plan, keeping the rest fixed.

   No one method wins everywhere, hence the portfolio; on OR-Library type d the exchange
   search finds nearly every improvement.

   With two workers, once a CP-SAT slice has neither closed the component nor improved the
   plan, the slices are paired so that both cores work: the exchange or tabu search (Python,
   which holds the interpreter) runs in the calling thread while, in a second thread, a
   single-worker CP-SAT run on the reduced model or the neighbourhood search (native code,
   which releases it) starts from the same plan; the better of the two plans carries on.
   When no method gained in its last slice, the paired slice goes first, and within it
   single-worker CP-SAT (on type d, two-worker CP-SAT slices and the neighbourhoods stall
   while the exchange search keeps gaining). Where the exchange search applies and the time
   limit is at least ``_WORKER_MIN_LIMIT``, the partner is instead a second exchange search
   in a child process (:class:`matching.gap_mx.ExchangeWorker`) on a trajectory of its own,
   restarting from nearby local optima rather than from its best; CP-SAT and the
   neighbourhoods take over should the child fail. Hinted CP-SAT runs
   on more than ``_PRESOLVE_PAIRS`` pairs skip presolve, which on 200 jobs x 20 units of a
   tight instance costs more than a slice's whole budget and would return nothing.
5. A last CP-SAT run on the reduced model tightens the bound and may still improve the plan.

Large components (more than ``_MAX_SWAP_JOBS`` jobs) skip the tabu search and get a shift and
swap local search instead.

The reported bound is the best proven one: the Lagrangian bound or CP-SAT's, whichever is lower
(CP-SAT's bound on a reduced model counts only together with the incumbent it was reduced
against).

Determinism: every phase stops on a machine-independent budget that is a fixed share of
``time_limit``: DP cells for the Lagrangian phase, steps for the exchange and tabu searches,
move counts for local search, CP-SAT's deterministic time for the rest; the portfolio's
choices depend only on objective values. CP-SAT runs with a fixed ``random_seed`` and, with
more than one worker, ``interleave_search``: plain multi-worker CP-SAT is not reproducible,
because its workers share bounds and solutions as they come. The two sides of a paired slice
each stop on their own budget and meet only when both are done, so which one finishes first
does not matter. The wall-clock limit is only a guard; when it fires first (a slow or loaded
machine) the result may differ between runs, and ``stats["wall_guard"]`` says so. With
``wall_guard=False`` there is no such guard: the run does all of its budgeted work, however long
that takes, and gives the result an unhurried machine gives.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from matching.gap_mx import MAX_UNITS, ExchangeSearch, ExchangeWorker, ExchangeWorkerError

__all__ = ["GapResult", "solve_gap", "gap_violations"]

# Above this many DP cells (pairs x hours) per knapsack pass, the exact bound is too slow for
# the time budgets we are given and the knapsacks fall back to their LP (Dantzig) bound.
_MAX_DP_CELLS = 40_000_000
# The dense matrices for local search are skipped beyond this size (agents x jobs).
_MAX_DENSE = 8_000_000
# Swap moves look at all pairs of placed jobs; past this many jobs that is too slow per move.
_MAX_SWAP_JOBS = 1500
# CP-SAT deterministic time per second of wall clock. Measured on the 2-core development
# machine at 0.9 to 1.4 with two workers when idle and 0.4 to 0.6 under a load of 3 (it is
# shared); below that so the deterministic limit, not the wall clock, normally ends the
# search. The small single-worker sub-solves of the neighbourhood search get less done per
# second (model building, presolve): about 0.3 under that load.
_DTIME_PER_SECOND = 0.4
_LNS_DTIME_PER_SECOND = 0.25
# A single-worker CP-SAT run beside the tabu search (see the paired slices).
_SOLO_DTIME_PER_SECOND = 0.2
# DP cells per second of the vectorised knapsack pass on that machine, so the Lagrangian phase
# can stop on work done, not on the clock.
_DP_CELLS_PER_SECOND = 3e7
# One LP knapsack pass costs about as much as this many DP cells per pair.
_LP_CELLS_PER_PAIR = 6
# Share of the time limit the Lagrangian phase may use; the rest goes to search.
_LAGRANGE_SHARE = 0.15
# Deterministic time for one neighbourhood sub-solve.
_LNS_DTIME = 0.03
# Move evaluations per second in the dense local search on that machine.
_MOVES_PER_SECOND = 2e7
# Cost of one tabu iteration on that machine under the load of shared use: a fixed part (a
# few dozen numpy calls) plus the cells of its move matrices.
_TS_ITER_SECONDS = 4e-4
_TS_CELLS_PER_SECOND = 2e7
# Jobs per tabu iteration whose swaps and chains are evaluated (against all jobs).
_TABU_ROWS = 50
# The multi-exchange search (matching.gap_mx) replaces the tabu search up to this many jobs
# (its steps cost jobs squared per chain length) and MAX_UNITS units. A step costs a fixed
# part plus depth x jobs x (jobs + units) cells, measured on that machine with the second
# search (see _WORKER_MIN_LIMIT) running beside it: the two share the caches.
_MAX_EXCHANGE_JOBS = 400
_EXCHANGE_DEPTH = 6
_EX_STEP_SECONDS = 5e-4
_EX_CELLS_PER_SECOND = 1.8e8
# See the slice choice in solve_gap.
_PAIRED_LEAD = 100
# With two workers and at least this time limit, a second exchange search runs in a child
# process beside the first (see the paired slices). It restarts from nearby local optima
# within this share of its best (``ExchangeSearch(accept=...)``), where the first always
# restarts from its best: on OR-Library type d the two reach different plans, and the second
# kind does better on 200 jobs. Below this limit starting a process costs too large a share.
_WORKER_MIN_LIMIT = 3.0
_WORKER_ACCEPT = 0.004
# Seconds the child may take past its own wall guard (its start-up, under load) before the
# solver gives up on it.
_WORKER_GRACE = 3.0
# Seconds to build one pair's variable, hint and constraint terms in the CP-SAT model (Python
# side), measured on that machine at about 25 microseconds.
_BUILD_SECONDS_PER_PAIR = 3e-5
# The search gets this share of the time limit, in slices of _SLICE; the wall clock stops it
# (as a guard only) at 1 - _FINAL_SHARE of the limit, leaving that to a last CP-SAT run.
_SEARCH_SHARE = 0.8
_SLICE = 0.1
_FINAL_SHARE = 0.1
# Up to this many pairs, a short plain CP-SAT run comes first.
_PROBE_PAIRS = 1000
# Above this many pairs, hinted CP-SAT runs skip presolve: on 200 jobs x 20 units of a tight
# instance it costs more than a slice's deterministic budget (see _cpsat).
_PRESOLVE_PAIRS = 1000


@dataclass(frozen=True)
class GapResult:
    """Outcome of :func:`solve_gap`.

    ``objective`` and ``bound`` are ``-inf`` when no feasible assignment exists (status
    ``infeasible``); status ``unknown`` means none was found in time and none was proven
    impossible (only possible with ``must_assign``).
    """

    assign: np.ndarray
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
    stats: dict = field(default_factory=dict, compare=False)


def gap_violations(assign, profit, job, agent, weight, capacity, *, must_assign=False,
                   n_jobs=None) -> tuple[float, list[str]]:
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
    lookup = {(int(j), int(a)): k for k, (j, a) in enumerate(zip(job, agent))}
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
    for a in np.nonzero(load > capacity)[0]:
        problems.append(f"agent {a} load {load[a]} exceeds capacity {capacity[a]}")
    return total, problems


# --------------------------------------------------------------------------------------------
# Problem preparation


@dataclass
class _Problem:
    n: int
    m: int
    profit: np.ndarray  # (P,) float, pairs sorted by agent then job
    job: np.ndarray
    agent: np.ndarray
    weight: np.ndarray  # scaled down by the per-agent gcd
    cap: np.ndarray  # (m,) scaled down likewise, and no larger than the agent's total weight
    orig: np.ndarray  # index of each kept pair in the caller's arrays
    must: bool
    integral: bool
    rank: np.ndarray  # position of the pair among its agent's pairs
    agent_start: np.ndarray  # (m + 1,) offsets into the pair arrays


def _prepare(profit, job, agent, weight, capacity, n_jobs, must_assign) -> _Problem:
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


# --------------------------------------------------------------------------------------------
# Knapsacks, all agents at once


class _Knapsacks:
    """Exact 0-1 knapsack per agent by DP over hours, vectorised across agents.

    Layer ``r`` holds the ``r``-th pair of every agent, so one numpy pass per layer updates all
    agents together; the cost per pass is (pairs x hours), not agents x jobs x hours.
    """

    def __init__(self, pb: _Problem):
        self.pb = pb
        self.width = int(pb.cap.max()) + 1 if pb.m else 1
        self.cols = np.arange(self.width)
        # Cells past an agent's own capacity must never be reached; -inf keeps them out.
        self.base = np.where(self.cols[None, :] <= pb.cap[:, None], 0.0, -np.inf)
        self.exact = pb.profit.size * self.width <= _MAX_DP_CELLS
        # DP cells touched so far: a machine-independent clock for the Lagrangian phase.
        self.work = 0

    def solve(self, value: np.ndarray):
        """Best knapsack per agent for pair values ``value``.

        Returns ``(x, per_agent, table)``: chosen pairs (float, fractional only in LP mode),
        each agent's optimum, and the DP table ``table[a, c]`` = best value within ``c`` hours
        (``None`` in LP mode).
        """
        if not self.exact:
            return self._solve_lp(value)
        pb = self.pb
        table = self.base.copy()
        x = np.zeros(pb.profit.size)
        # Only pairs of positive value can be taken; near good multipliers they are a small
        # fraction of all pairs, so the layers are rebuilt from them on every call.
        pos = np.nonzero(value > 0)[0]
        if pos.size == 0:
            return x, np.zeros(pb.m), table
        a_pos = pb.agent[pos]
        rank = np.arange(pos.size) - np.searchsorted(a_pos, a_pos, side="left")
        order = pos[np.argsort(rank, kind="stable")]
        cuts = np.cumsum(np.bincount(rank))
        layers = np.split(order, cuts[:-1])
        takes = []
        self.work += pos.size * self.width
        flat = table.ravel()
        for sel in layers:
            cells = (pb.agent[sel] * self.width)[:, None] + self.cols[None, :]
            src = self.cols[None, :] - pb.weight[sel][:, None]
            rows = flat[cells]
            cand = flat[cells - np.minimum(pb.weight[sel], self.cols[-1])[:, None]]
            cand += value[sel][:, None]
            take = (src >= 0) & (cand > rows)
            flat[cells] = np.where(take, cand, rows)
            takes.append(take)
        c = pb.cap.copy()
        for sel, take in zip(reversed(layers), reversed(takes)):
            a = pb.agent[sel]
            t = take[np.arange(sel.size), c[a]]
            x[sel[t]] = 1.0
            c[a[t]] -= pb.weight[sel[t]]
        per_agent = table[np.arange(pb.m), pb.cap]
        return x, per_agent, table

    def _solve_lp(self, value):
        """Dantzig bound: fill by value per hour, the last item fractional."""
        pb = self.pb
        # Counted in DP-cell equivalents (a pass and its share of the repairs, measured), so
        # that the Lagrangian phase stops on work here too, not on the clock.
        self.work += _LP_CELLS_PER_PAIR * pb.profit.size
        pos = value > 0
        x = np.zeros(pb.profit.size)
        per_agent = np.zeros(pb.m)
        idx = np.nonzero(pos)[0]
        if idx.size == 0:
            return x, per_agent, None
        w = pb.weight[idx].astype(np.float64)
        ratio = np.where(w > 0, value[idx] / np.maximum(w, 1e-300), np.inf)
        order = idx[np.lexsort((-ratio, pb.agent[idx]))]
        a = pb.agent[order]
        w = pb.weight[order].astype(np.float64)
        cum = np.cumsum(w)
        first = np.searchsorted(a, a, side="left")
        before = cum - w - (cum[first] - w[first])
        room = pb.cap[a] - before
        frac = np.clip(room / np.where(w > 0, w, 1.0), 0.0, 1.0)
        frac = np.where(w > 0, frac, 1.0)
        x[order] = frac
        np.add.at(per_agent, a, frac * value[order])
        return x, per_agent, None


# --------------------------------------------------------------------------------------------
# Primal side: repair and local search on dense matrices


class _Dense:
    """Dense agent x job views for move evaluation; missing pairs have profit -inf."""

    def __init__(self, pb: _Problem):
        self.pb = pb
        self.P = np.full((pb.m, pb.n), -np.inf)
        self.W = np.full((pb.m, pb.n), np.iinfo(np.int64).max // 4, dtype=np.int64)
        self.P[pb.agent, pb.job] = pb.profit
        self.W[pb.agent, pb.job] = pb.weight
        self.pair = np.full((pb.m, pb.n), -1, dtype=np.int64)
        self.pair[pb.agent, pb.job] = np.arange(pb.profit.size)

    def value(self, assign):
        placed = assign >= 0
        return float(self.P[assign[placed], np.nonzero(placed)[0]].sum())

    def load(self, assign):
        placed = np.nonzero(assign >= 0)[0]
        return np.bincount(assign[placed], weights=self.W[assign[placed], placed],
                           minlength=self.pb.m).astype(np.int64)

    def repair(self, x, guide):
        """Turn a Lagrangian solution into a feasible assignment.

        A job kept by several knapsacks stays where it earns most; jobs kept by none are placed
        in order of regret (best minus second-best feasible profit), so the jobs with the fewest
        good options go first.
        """
        pb = self.pb
        assign = np.full(pb.n, -1, dtype=np.int64)
        chosen = np.nonzero(x > 0.5)[0]
        if chosen.size:
            order = chosen[np.lexsort((-pb.profit[chosen], pb.job[chosen]))]
            firsts = order[np.r_[True, pb.job[order][1:] != pb.job[order][:-1]]]
            assign[pb.job[firsts]] = pb.agent[firsts]
        load = self.load(assign)
        residual = self.pb.cap - load
        # Placing by the guide (profit less the multiplier) respects what the relaxation learnt.
        # One pass in regret order is enough: residual hours only shrink, so a job that fits
        # nowhere at its turn never fits later.
        free = np.nonzero(assign < 0)[0]
        if free.size == 0:
            return assign
        score = np.where(self.W[:, free] <= residual[:, None], guide[:, free], -np.inf)
        if not pb.must:
            score = np.where(self.P[:, free] > 0, score, -np.inf)
        best = score.max(axis=0)
        if pb.m > 1:
            second = np.partition(score, -2, axis=0)[-2]
        else:
            second = np.full(free.size, -np.inf)
        finite = np.isfinite(second)
        regret = np.full(free.size, np.inf)
        regret[finite] = best[finite] - second[finite]
        order = np.lexsort((free, -regret))
        for k in order:
            if not np.isfinite(best[k]):
                continue
            j = int(free[k])
            col = np.where(self.W[:, j] <= residual, guide[:, j], -np.inf)
            if not pb.must:
                col = np.where(self.P[:, j] > 0, col, -np.inf)
            a = int(np.argmax(col))
            if not np.isfinite(col[a]):
                continue
            assign[j] = a
            residual[a] -= self.W[a, j]
        return assign

    def local_search(self, assign, max_moves, max_work):
        """Best-improvement shift moves, then swaps when no shift helps.

        Stops on a count of evaluated moves so that the outcome does not depend on speed.
        """
        pb = self.pb
        P, W = self.P, self.W
        assign = assign.copy()
        load = self.load(assign)
        jobs = np.arange(pb.n)
        moves = 0
        work = 0
        unplaced_value = -1e18 if pb.must else 0.0
        while moves < max_moves and work < max_work:
            moves += 1
            work += pb.m * pb.n
            placed = assign >= 0
            cur = np.where(placed, P[np.maximum(assign, 0), jobs], unplaced_value)
            own_w = np.where(placed, W[np.maximum(assign, 0), jobs], 0)
            fits = load[:, None] + W <= pb.cap[:, None]
            fits[assign[placed], jobs[placed]] = False
            gain = np.where(fits, P - cur[None, :], -np.inf)
            if not pb.must:
                # Dropping a job is a shift to "nowhere"; never improving with positive profits.
                pass
            k = int(np.argmax(gain))
            a, j = divmod(k, pb.n)
            if gain[a, j] > 1e-9:
                if assign[j] >= 0:
                    load[assign[j]] -= own_w[j]
                assign[j] = a
                load[a] += W[a, j]
                continue
            if pb.n > _MAX_SWAP_JOBS:
                break
            pj = np.nonzero(placed)[0]
            if pj.size < 2:
                break
            work += pj.size * pj.size
            pa = assign[pj]
            # Swap j1 (at a1) with j2 (at a2): row index j1, column index j2.
            p_new = P[pa[None, :], pj[:, None]] + P[pa[:, None], pj[None, :]]
            gain2 = p_new - cur[pj][:, None] - cur[pj][None, :]
            w1_new = W[pa[:, None], pj[None, :]]  # j2 moving into a1
            ok1 = load[pa][:, None] - own_w[pj][:, None] + w1_new <= pb.cap[pa][:, None]
            w2_new = W[pa[None, :], pj[:, None]]  # j1 moving into a2
            ok2 = load[pa][None, :] - own_w[pj][None, :] + w2_new <= pb.cap[pa][None, :]
            gain2 = np.where(ok1 & ok2 & (pa[:, None] != pa[None, :]), gain2, -np.inf)
            k = int(np.argmax(gain2))
            r, c = divmod(k, pj.size)
            if not gain2[r, c] > 1e-9:
                break
            j1, j2 = pj[r], pj[c]
            a1, a2 = assign[j1], assign[j2]
            load[a1] += W[a1, j2] - W[a1, j1]
            load[a2] += W[a2, j1] - W[a2, j2]
            assign[j1], assign[j2] = a2, a1
        return assign


    def tabu_search(self, assign, max_iter, seed, grow=1.05, tenure=None, patience=1000,
                    kick=None):
        """Tabu search over shift, swap and two-step ejection-chain moves, allowed through
        over-budget plans at an adaptive price per unit of excess hours.

        On tight budgets (OR-Library type d) every improving change is a chain through
        several units, and the plans in between are over budget; pricing the excess per unit,
        raising the price of units that stay over and lowering all prices while the plan is
        within budget, makes the search oscillate around the budget boundary. ``assign`` may
        be over budget or incomplete. Returns the best within-budget (and, with
        ``must_assign``, complete) plan seen, or ``None``; a fixed iteration count keeps it
        reproducible.

        ``grow`` is the price factor per iteration, ``tenure`` the base number of iterations a
        job may not return to the unit it left, ``patience`` the iterations without a new best
        before a restart from the best plan with ``kick`` jobs moved at random.
        """
        pb = self.pb
        n, m = pb.n, pb.m
        known = np.isfinite(self.P)
        if pb.must:
            P, W, cap = self.P, np.where(known, self.W, 0).astype(np.float64), pb.cap * 1.0
        else:
            # "Unplaced" is one more unit: no profit, no budget.
            P = np.vstack([self.P, np.zeros((1, n))])
            W = np.vstack([np.where(known, self.W, 0), np.zeros((1, n))]).astype(np.float64)
            cap = np.r_[pb.cap * 1.0, np.inf]
        M = P.shape[0]
        jobs = np.arange(n)
        a = np.asarray(assign, dtype=np.int64).copy()
        a[a < 0] = M - 1 if not pb.must else 0
        missing = ~np.isfinite(P[a, jobs])
        a[missing] = np.argmax(P[:, missing], axis=0)
        if not np.all(np.isfinite(P[a, jobs])):
            return None
        load = np.bincount(a, weights=W[a, jobs], minlength=M)
        finite = np.isfinite(P)
        price0 = float(np.abs(P[finite]).mean()) / max(float(W[finite].mean()), 1.0)
        price = np.full(M, price0)
        tabu = np.zeros((M, n), dtype=np.int64)
        tenure = tenure or max(3, n // 20)
        kick = min(n, kick or max(2, n // 20))
        rng = np.random.default_rng(seed)
        rows = np.arange(min(n, _TABU_ROWS))
        last_gain = 0
        best, best_value = None, -math.inf
        for it in range(1, max_iter + 1):
            cp, cw = P[a, jobs], W[a, jobs]
            ex_now = np.maximum(load - cap, 0.0)
            excess = float(ex_now.sum())
            value = float(cp.sum())
            if excess <= 0 and value > best_value + 1e-9:
                best, best_value, last_gain = a.copy(), value, it
            elif best is not None and it - last_gain > patience:
                # Long without a new best: restart from the best plan, shaken by moving a few
                # random jobs to random units of theirs, with fresh prices and memory.
                a = best.copy()
                for j in rng.choice(n, size=kick, replace=False):
                    options = np.nonzero(finite[:, j])[0]
                    a[j] = options[rng.integers(options.size)]
                load = np.bincount(a, weights=W[a, jobs], minlength=M)
                price[:] = price0
                tabu[:] = 0
                last_gain = it
                continue
            la, ca, pa = load[a], cap[a], price[a]
            # Shift job j to unit i.
            add = np.maximum(load[:, None] + W - cap[:, None], 0.0) - ex_now[:, None]
            rem = np.maximum(la - cw - ca, 0.0) - ex_now[a]
            gain = P - cp[None, :]
            shift = gain - price[:, None] * add - (pa * rem)[None, :]
            shift[a, jobs] = -np.inf
            # A tabu move is still taken when it gives a new best plan within budget.
            aspire = (excess + add + rem[None, :] <= 0) & (gain > best_value - value + 1e-9)
            shift[(tabu > it) & ~aspire] = -np.inf
            # Swaps and chains start from a sample of rows r, so that an iteration costs
            # rows x jobs rather than jobs squared; the sample also diversifies the search.
            R = rows if rows.size == n else np.sort(rng.choice(n, size=rows.size, replace=False))
            aR = a[R]
            QR, QC = P[aR], P[a[None, :], R[:, None]]  # c at r's unit, r at c's unit
            VR, VC = W[aR], W[a[None, :], R[:, None]]
            same = aR[:, None] == a[None, :]
            g2 = QR + QC - cp[R][:, None] - cp[None, :]
            dr = np.maximum(la[R][:, None] - cw[R][:, None] + VR - ca[R][:, None], 0.0) \
                - ex_now[aR][:, None]
            dc = np.maximum(la[None, :] - cw[None, :] + VC - ca[None, :], 0.0) - ex_now[a][None, :]
            swap = g2 - pa[R][:, None] * dr - pa[None, :] * dc
            into_r = tabu[aR] > it  # c may not move to r's unit
            into_c = tabu[a[None, :], R[:, None]] > it  # r may not move to c's unit
            aspire = (excess + dr + dc <= 0) & (g2 > best_value - value + 1e-9)
            swap[(into_r | into_c) & ~aspire] = -np.inf
            swap[same] = -np.inf
            # Chain: r moves to c's unit, c moves on to its best other unit (not r's); that
            # unit's loads are untouched by the first step, so its best choice is per job.
            chain = np.full(swap.shape, -np.inf)
            if M > 2:
                ins = P - price[:, None] * add
                ins[tabu > it] = -np.inf
                ins[a, jobs] = -np.inf
                top = np.argsort(-ins, axis=0, kind="stable")[:2]
                v1, v2 = ins[top[0], jobs], ins[top[1], jobs]
                onward = np.where(top[0][None, :] == aR[:, None], v2[None, :], v1[None, :])
                chain = (QC - cp[R][:, None] + onward - cp[None, :]
                         - (pa * rem)[R][:, None] - pa[None, :] * dc)
                chain[same | into_c] = -np.inf
            ks, kw, kc = int(np.argmax(shift)), int(np.argmax(swap)), int(np.argmax(chain))
            sv, wv, cv = shift.flat[ks], swap.flat[kw], chain.flat[kc]
            if not max(sv, wv, cv) > -np.inf:
                break
            hold = tenure + int(rng.integers(0, tenure + 1))
            if cv > max(sv, wv) + 1e-9:
                r, c = divmod(kc, n)
                r = int(R[r])
                a1, a2 = a[r], a[c]
                a3 = int(top[1][c] if top[0][c] == a1 else top[0][c])
                load[a1] -= W[a1, r]
                load[a2] += W[a2, r] - W[a2, c]
                load[a3] += W[a3, c]
                a[r], a[c] = a2, a3
                tabu[a1, r] = tabu[a2, c] = it + hold
            elif sv >= wv:
                i, j = divmod(ks, n)
                old = a[j]
                load[old] -= W[old, j]
                load[i] += W[i, j]
                a[j] = i
                tabu[old, j] = it + hold
            else:
                r, c = divmod(kw, n)
                r = int(R[r])
                a1, a2 = a[r], a[c]
                load[a1] += W[a1, c] - W[a1, r]
                load[a2] += W[a2, r] - W[a2, c]
                a[r], a[c] = a2, a1
                tabu[a1, r] = tabu[a2, c] = it + hold
            over = load > cap
            if over.any():
                price[over] *= grow
            else:
                price = np.maximum(price / grow, 1e-3 * price0)
        cp = P[a, jobs]
        if float(np.maximum(load - cap, 0.0).sum()) <= 0 and float(cp.sum()) > best_value + 1e-9:
            best = a.copy()
        if best is not None and not pb.must:
            best[best == M - 1] = -1
        return best


# --------------------------------------------------------------------------------------------
# Lagrangian phase


@dataclass
class _Lagrange:
    bound: float
    u: np.ndarray
    per_agent: np.ndarray
    table: np.ndarray | None
    best_assign: np.ndarray | None
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
    masked = np.where(P < best1[pb.job], P, -np.inf)
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
        if L < best.bound - 1e-9:
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


def _complete(assign, pb):
    return not pb.must or bool(np.all(assign >= 0))


# --------------------------------------------------------------------------------------------
# CP-SAT phase


@dataclass
class _CpOutcome:
    assign: np.ndarray | None  # full-length assignment (jobs outside the model untouched)
    value: float  # profit of the model's pairs in that assignment
    bound: float  # proven bound on the model's objective, in profit units
    status: str
    dtime: float
    walled: bool = False  # stopped by the wall-clock guard before its deterministic budget


def _cpsat(pb: _Problem, idx: np.ndarray, jobs: np.ndarray, base: np.ndarray | None,
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
    for a, group in zip(agents, np.split(by_agent, np.searchsorted(a_sorted, agents[1:]))):
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
        for var, h in zip(x, hinted):
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


def _weight_of(pb: _Problem, jobs: np.ndarray, a: int) -> np.ndarray:
    lo, hi = pb.agent_start[a], pb.agent_start[a + 1]
    pos = lo + np.searchsorted(pb.job[lo:hi], jobs)
    return pb.weight[pos]


def _left(deadline: float) -> float:
    return max(0.01, deadline - time.perf_counter())


def _scale_for(pb: _Problem) -> float:
    if pb.integral and (pb.profit.size == 0 or np.abs(pb.profit).max() * max(pb.n, 1) < 2**52):
        return 1.0
    top = float(np.abs(pb.profit).max()) if pb.profit.size else 1.0
    # Powers of two keep the scaling exact; 2**40 of headroom over n x the largest profit.
    return float(2.0 ** math.floor(math.log2(2**40 / max(top * max(pb.n, 1), 1e-300))))


# --------------------------------------------------------------------------------------------
# Large neighbourhood search


def _related_agents(pb: _Problem, lag: _Lagrange, top: int = 3) -> np.ndarray | None:
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


def _lns(pb: _Problem, assign: np.ndarray, value: float, scale: float, dtime_budget: float,
         deadline: float, seed: int, bound: float, step: float,
         guide: tuple[_Knapsacks, np.ndarray] | None = None,
         related: np.ndarray | None = None):
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
    use_guide = guide is not None and guide[0].exact and pb.m >= 2
    if use_guide:
        noise = 0.003 * float(np.abs(guide[1]).mean()) + 1e-9
        position = np.full((pb.m, pb.n), -1, dtype=np.int64)
        position[pb.agent, pb.job] = np.arange(pb.profit.size)
    walled = False
    while spent < dtime_budget and time.perf_counter() < deadline and pb.m >= 2:
        if bound - value < max(step, 1e-9):
            break
        rounds += 1
        kind = "lagrangian" if use_guide and rounds % 2 == 0 else "agents"
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
            ks, u = guide
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


def _exchange_arrays(pb: _Problem, dense: _Dense):
    """``(P, W, cap)`` for the multi-exchange search on ``dense``; "unplaced" is one more unit
    without a budget when placing is optional."""
    P, W, cap = dense.P, np.where(np.isfinite(dense.P), dense.W, 0), pb.cap * 1.0
    if not pb.must:
        P = np.vstack([P, np.zeros((1, pb.n))])
        W = np.vstack([W, np.zeros((1, pb.n), dtype=W.dtype)])
        cap = np.r_[cap, np.inf]
    return P, W, cap


def _exchange_plan(pb: _Problem, P: np.ndarray, plan) -> np.ndarray:
    """``plan`` in the search's terms (``P`` its profits): unplaced jobs on the extra unit (or,
    when every job must be placed, on their most profitable unit), as on jobs at a unit they
    cannot use."""
    plan = np.asarray(plan, dtype=np.int64).copy()
    plan[plan < 0] = -1 if pb.must else pb.m
    missing = plan < 0
    jobs = np.arange(pb.n)
    missing[~missing] = ~np.isfinite(P[plan[~missing], jobs[~missing]])
    plan[missing] = np.argmax(P[:, missing], axis=0)
    return plan


def _exchange_result(pb: _Problem, found: np.ndarray) -> np.ndarray:
    found = found.copy()
    if not pb.must:
        found[found == pb.m] = -1
    return found


# --------------------------------------------------------------------------------------------
# Entry point


def solve_gap(profit, job, agent, weight, capacity, *, n_jobs: int | None = None,
              must_assign: bool = False, time_limit: float = 10.0, seed: int = 0,
              workers: int = 2, wall_guard: bool = True) -> GapResult:
    """Assign jobs to agents within hours budgets for the largest total profit.

    Jobs are placed only where they add profit (pairs with profit <= 0 are ignored unless
    ``must_assign``), so an unprofitable or oversized job stays at ``-1``. The same inputs and
    seed give the same result; see the module docstring for the one exception.

    ``time_limit`` sets the deterministic budgets of every phase and, with ``wall_guard``, a
    wall clock that stops them early on a slow machine. ``wall_guard=False`` leaves only the
    budgets: the run takes as long as the machine needs to do that work, and the result never
    depends on its speed (tests of which methods ran, reproducing a run exactly).
    """
    spare: list[ExchangeWorker] = []  # a child process, when one is started; always stopped
    try:
        return _solve_gap(profit, job, agent, weight, capacity, n_jobs, must_assign, time_limit,
                          seed, workers, wall_guard, spare)
    finally:
        for worker in spare:
            worker.close()


def _solve_gap(profit, job, agent, weight, capacity, n_jobs, must_assign, time_limit, seed,
               workers, wall_guard, spare) -> GapResult:
    def guard(seconds):
        """A wall-clock allowance, or none at all without the guard."""
        return seconds if wall_guard else math.inf

    t0 = time.perf_counter()
    deadline = t0 + guard(time_limit)
    pb = _prepare(profit, job, agent, weight, capacity, n_jobs, must_assign)
    n = pb.n
    empty = np.full(n, -1, dtype=np.int64)
    # Whether a wall-clock guard cut a phase short of its deterministic budget: only then may
    # the result differ between runs with the same inputs and seed.
    stats: dict = {"wall_guard": False}

    def finish(assign, value, bound, status, **kw):
        assign = empty if assign is None else np.asarray(assign, dtype=np.int64)
        if status in ("optimal", "feasible"):
            bound = max(bound, value)
            if pb.integral:
                bound = math.floor(bound + 1e-6)
            if bound - value < (1 if pb.integral else 1e-9 * max(1.0, abs(value))):
                status, bound = "optimal", value
        gap = (bound - value) / max(abs(value), 1.0) if math.isfinite(value) else math.inf
        return GapResult(assign=assign, objective=value, bound=bound, status=status, gap=gap,
                         wall_time=time.perf_counter() - t0, stats=stats, **kw)

    if pb.must and n and np.bincount(pb.job, minlength=n).min() == 0:
        return finish(None, -math.inf, -math.inf, "infeasible", bound_method="no-pair")
    if pb.profit.size == 0:
        return finish(empty, 0.0, 0.0, "optimal", bound_method="trivial", primal_method="empty")

    step = 1.0 if pb.integral else 0.0
    scale = _scale_for(pb)
    all_jobs = np.arange(n)
    all_pairs = np.arange(pb.profit.size)
    if pb.profit.size <= _PROBE_PAIRS:
        # Small components are closed by CP-SAT alone faster than the Lagrangian phase runs.
        wall = min(0.5, 0.1 * time_limit)
        out = _cpsat(pb, all_pairs, all_jobs, None, math.inf, scale, _DTIME_PER_SECOND * wall,
                     guard(wall), seed, workers)
        stats["wall_guard"] |= out.walled
        if out.status == "infeasible":
            return finish(None, -math.inf, -math.inf, "infeasible", bound_method="cp-sat")
        if out.status == "optimal":
            return finish(out.assign, out.value, out.value, "optimal", bound_method="cp-sat",
                          primal_method="cp-sat", cpsat_bound=out.value)
    ks = _Knapsacks(pb)
    dense = _Dense(pb) if pb.m * pb.n <= _MAX_DENSE else None
    units = pb.m + (0 if pb.must else 1)
    exchange_ok = (dense is not None and n <= min(_MAX_SWAP_JOBS, _MAX_EXCHANGE_JOBS)
                   and units <= MAX_UNITS)
    if exchange_ok:
        ex_arrays = _exchange_arrays(pb, dense)
        if workers >= 2 and time_limit >= _WORKER_MIN_LIMIT:
            # Started now, so that the child's imports overlap the Lagrangian phase.
            try:
                spare.append(ExchangeWorker(*ex_arrays, seed + 1, depth=_EXCHANGE_DEPTH,
                                            accept=_WORKER_ACCEPT))
            except (OSError, RuntimeError) as exc:  # no processes here: one search it is
                stats["exchange_worker"] = f"not started: {exc}"
    lag = _lagrangian(pb, ks, dense, 400 if ks.exact else 150,
                      _DP_CELLS_PER_SECOND * _LAGRANGE_SHARE * time_limit,
                      t0 + guard(2 * _LAGRANGE_SHARE * time_limit), step)
    lag_bound = math.floor(lag.bound + 1e-6) if pb.integral else lag.bound
    stats["wall_guard"] |= lag.walled
    stats["lagrangian_iterations"] = lag.iterations
    bound, bound_method = lag_bound, "lagrangian"
    cp_bound = math.inf

    incumbent, inc_value = lag.best_assign, lag.best_value
    primal = "lagrangian"
    if not pb.must and incumbent is None:
        incumbent, inc_value = empty.copy(), 0.0
    tabu_ok = dense is not None and n <= _MAX_SWAP_JOBS
    tabu_runs = 0
    first_slice: list[str] = []

    exchange: list[ExchangeSearch] = []
    search_name = "exchange" if exchange_ok else "tabu"
    exchange_end = time_limit * (1.0 - _FINAL_SHARE)

    def exchange_steps(share):
        depth = min(units, _EXCHANGE_DEPTH)
        per_step = _EX_STEP_SECONDS + depth * n * (n + units) / _EX_CELLS_PER_SECOND
        return max(10, int(share * time_limit / per_step))

    def exchange_found(found):
        if found is None:
            return None, -math.inf
        found = _exchange_result(pb, found)
        if not _complete(found, pb):
            return None, -math.inf
        return found, dense.value(found)

    def run_exchange(start, start_value, share):
        """A slice of the multi-exchange search, counted in steps; it keeps its trajectory
        from slice to slice and takes ``start`` only when that is better than its best."""
        if not exchange:
            exchange.append(ExchangeSearch(*ex_arrays, seed, depth=_EXCHANGE_DEPTH))
        search = exchange[0]
        steps = exchange_steps(share)
        stats["exchange_steps"] = stats.get("exchange_steps", 0) + steps
        found = search.run(_exchange_plan(pb, ex_arrays[0], start), start_value, steps,
                           t0 + guard(exchange_end))
        stats["wall_guard"] |= search.walled
        return exchange_found(found)

    def run_tabu(start, share, start_value=-math.inf):
        """A tabu slice of ``share`` of the time limit, counted in iterations (or the
        multi-exchange search where it applies)."""
        nonlocal tabu_runs
        if exchange_ok:
            return run_exchange(start, start_value, share)
        per_iter = _TS_ITER_SECONDS + (min(n, _TABU_ROWS) + pb.m + 1) * n / _TS_CELLS_PER_SECOND
        iters = max(10, int(share * time_limit / per_iter))
        stats["tabu_iterations"] = stats.get("tabu_iterations", 0) + iters
        tabu_runs += 1
        found = dense.tabu_search(start, iters, seed + tabu_runs)
        if found is None or not _complete(found, pb):
            return None, -math.inf
        return found, dense.value(found)

    if tabu_ok and incumbent is None:
        # The tabu search may start over budget, so tight budgets that defeat the repair
        # still get a plan from it, starting from the relaxation.
        x, _, _ = ks.solve(pb.profit - lag.u[pb.job])
        found, val = run_tabu(dense.repair(x, dense.P - lag.u[None, :]), _SLICE)
        if found is not None:
            incumbent, inc_value, primal = found, val, search_name
            first_slice = ["tabu"]  # counts against the search budget below
    if incumbent is None:
        # Tight budgets can defeat the greedy repair; CP-SAT finds a first plan quickly.
        out = _cpsat(pb, all_pairs, all_jobs, None, lag.bound, scale,
                     _DTIME_PER_SECOND * 0.25 * time_limit,
                     min(_left(deadline), guard(0.35 * time_limit)), seed, workers,
                     first_solution=True)
        stats["wall_guard"] |= out.walled
        if out.status == "infeasible":
            return finish(None, -math.inf, -math.inf, "infeasible", bound_method="cp-sat",
                          lagrangian_bound=lag_bound)
        incumbent, inc_value, primal = out.assign, out.value, "cp-sat"
    stats["t_lagrangian"] = round(time.perf_counter() - t0, 3)
    if incumbent is not None and dense is not None and n > _MAX_SWAP_JOBS:
        better = dense.local_search(incumbent, max_moves=20 * n + 100,
                                    max_work=_MOVES_PER_SECOND * 0.05 * time_limit)
        if dense.value(better) > inc_value + 1e-9:
            incumbent, inc_value = better, dense.value(better)
            primal += "+local-search"
    if incumbent is None:
        return finish(None, -math.inf, bound, "unknown", bound_method=bound_method,
                      lagrangian_bound=lag_bound)

    stats["t_after_ls"] = round(time.perf_counter() - t0, 3)

    def reduced_pairs(plan, plan_value):
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

    def exact_run(share, start, start_value, n_workers, dtime_per_second, wall, run_seed,
                  presolve=True):
        """CP-SAT on the pairs that survive fixing against ``start``, hinted with it.

        Pure, so that it may run beside the tabu search; :func:`absorb` takes its outcome.
        Returns ``None`` when building the model alone would eat the time left (the wall
        guard only starts with the solve): tens of thousands of pairs on a short limit.
        """
        idx = reduced_pairs(start, start_value)
        if idx.size * _BUILD_SECONDS_PER_PAIR > 0.5 * _left(deadline):
            return None, idx.size
        if presolve is None:
            presolve = idx.size <= _PRESOLVE_PAIRS
        # The wall guard starts once the model is built: leave room for building it.
        wall = max(0.01, min(wall, _left(deadline) - idx.size * _BUILD_SECONDS_PER_PAIR - 0.02))
        out = _cpsat(pb, idx, all_jobs, start, lag.bound, scale,
                     dtime_per_second * share * time_limit, wall, run_seed, n_workers,
                     presolve=presolve)
        # Plans using a fixed-out pair are worth no more than the plan fixed against.
        floor = start_value if idx.size < pb.profit.size else -math.inf
        return (out, floor), idx.size

    def absorb(run, alive, method="cp-sat"):
        nonlocal incumbent, inc_value, primal, bound, bound_method, cp_bound
        stats["pairs_alive"] = int(alive)
        if run is None:
            stats["exact_skipped"] = stats.get("exact_skipped", 0) + 1
            stats["wall_guard"] = True  # skipped for want of time left
            return "skipped"
        out, floor = run
        stats["wall_guard"] |= out.walled
        if out.assign is not None and out.value > inc_value + 1e-9:
            incumbent, inc_value, primal = out.assign, out.value, method
        cpb = max(out.bound, floor)
        cp_bound = min(cp_bound, cpb)
        if cpb < bound:
            bound, bound_method = cpb, "cp-sat"
        return out.status

    def exact_phase(share, last=False):
        # The wall guard is per phase so that a slow phase cannot starve the search after it.
        wall = _left(deadline) if last else min(_left(deadline), guard(1.5 * share * time_limit))
        return absorb(*exact_run(share, incumbent, inc_value, workers, _DTIME_PER_SECOND, wall,
                                 seed, presolve=None))

    done = lambda: bound - inc_value < max(step, 1e-9 * max(1.0, abs(inc_value)))
    # Budgets are shares of the time limit in deterministic units, never of the time left,
    # so that a run does not depend on how fast the earlier phases happened to go.
    #
    # The search proper: CP-SAT on the reduced model, tabu search and neighbourhood re-solves
    # take turns in slices of the time limit; each next slice goes to the method whose last
    # slice gained most (the least recently used one when none gained). Which one pays
    # depends on the instance: loose budgets are closed by CP-SAT's first slice; on tight
    # ones (OR-Library type d) tabu search does best with 100 jobs, the neighbourhoods with
    # 200, CP-SAT with 5 agents. Choices depend on values only, so runs stay reproducible.
    #
    # With two or more workers and the tabu search in play, the tabu search and the
    # neighbourhood search do not take turns but run as one paired arm beside CP-SAT: the
    # tabu search (Python, holding the interpreter) runs in this thread while a single-worker
    # CP-SAT run or a neighbourhood search (native code, which lets go of it) runs beside it
    # from the same incumbent; the better plan of the two carries on. Each side stops on its
    # own deterministic budget and they meet only at slice ends, so the result does not
    # depend on which finishes first. Which side runs next goes by what each made of its
    # last start. The two-worker CP-SAT arm keeps its turns: on loose budgets it closes.
    #
    # When a second exchange search runs in a child process, it is the side of every paired
    # slice for as long as it works: a trajectory of its own, started from the incumbent of
    # its first slice and never reset to ours, nor ours to its plans (pulled onto one plan,
    # the two searches find the same things), judged by what it gained on itself.
    # Single-worker CP-SAT and the neighbourhoods, which found nothing on tight budgets beside
    # the exchange search, stay as the fallback should the child fail.
    paired = tabu_ok and workers >= 2
    arms = ["cp-sat"] + (["paired"] if paired else (["tabu"] if tabu_ok else []) + ["lns"])
    gain = {arm: math.inf for arm in arms}
    last_used = {arm: -1 for arm in arms}
    guide = (ks, lag.u) if lag.table is not None else None
    related = _related_agents(pb, lag)
    lns_stats = {"lns_rounds": 0, "lns_improved": 0, "lns_improved_lagrangian": 0}
    used = stats["slices"] = list(first_slice)
    for arm in used:
        gain[arm], last_used[arm] = 0.0, 0
    search_end = time_limit * (1.0 - _FINAL_SHARE)
    side_arms = (["exchange"] if spare else []) + ["cp-sat", "lns"]
    # Beside the child's search, the others are fallbacks: untried, they do not go first.
    side_gain = {arm: (0.0 if spare and arm != "exchange" else math.inf) for arm in side_arms}
    side_last = {arm: -1 for arm in side_arms}
    worker_best = [-math.inf]  # the child search's best value so far

    def pick_side():
        return max(side_arms, key=lambda a: (
            side_gain[a], -(side_last[a] - (_PAIRED_LEAD if a == side_arms[0] else 0)),
            -side_arms.index(a)))

    def drop_worker(exc):
        stats["exchange_worker"] = str(exc)
        side_arms.remove("exchange")
        spare.pop().close()

    def worker_submit(share, start, start_value):
        """Start a slice of the child's search; False when the child failed (then dropped)."""
        steps = exchange_steps(share)
        stats["exchange_worker_steps"] = stats.get("exchange_worker_steps", 0) + steps
        # The first slice hands it our incumbent; later ones run on its own trajectory.
        first = worker_best[0] == -math.inf
        try:
            spare[0].submit(_exchange_plan(pb, ex_arrays[0], start),
                            start_value if first else -math.inf, steps,
                            t0 + guard(exchange_end) - time.perf_counter())
        except ExchangeWorkerError as exc:
            drop_worker(exc)
            return False
        return True

    def worker_collect():
        """``(plan, value)``: the child's best so far, or ``(None, -inf)``."""
        try:
            found, _, walled = spare[0].result(
                max(0.0, t0 + guard(exchange_end) - time.perf_counter()) + _WORKER_GRACE)
        except ExchangeWorkerError as exc:
            drop_worker(exc)
            return None, -math.inf
        stats["wall_guard"] |= walled
        return exchange_found(found)

    def side_run(arm, start, start_value, slot, share):
        """The partner of a paired slice: pure, returns a plan and what it learnt."""
        if arm == "cp-sat":
            run, alive = exact_run(share, start, start_value, 1, _SOLO_DTIME_PER_SECOND,
                                   min(_left(deadline), guard(2.0 * share * time_limit)),
                                   seed + slot, presolve=False)
            return run, alive, None
        plan, value, got = _lns(pb, start, start_value, scale,
                                _LNS_DTIME_PER_SECOND * share * time_limit,
                                t0 + guard(search_end), seed + slot, bound, step, guide, related)
        return (plan, value), None, got

    spent = _SLICE * len(used)  # shares of the time limit given to search slices so far
    while (not done() and spent < _SEARCH_SHARE - 1e-9
           and time.perf_counter() - t0 < guard(search_end)):
        # Untried arms go first, CP-SAT first of all (it closes loose components). After
        # that, on ties the paired arm counts as used _PAIRED_LEAD slices earlier than it
        # was: the exchange search keeps gaining on tight budgets where CP-SAT stalls.
        arm = max(arms, key=lambda a: (
            gain[a],
            -(last_used[a] - (_PAIRED_LEAD if a == "paired" and last_used[a] >= 0 else 0)),
            -arms.index(a)))
        last_used[arm] = len(used)
        before, bound_before = inc_value, bound
        if arm == "paired":
            share = min(_SLICE, _SEARCH_SHARE - spent)
            spent += share
            # On ties the child's exchange search goes first, else single-worker CP-SAT: it
            # runs in native code all through, while the neighbourhood search builds its
            # models in Python, beside ours.
            side = pick_side()
            side_last[side] = len(used)
            if side == "exchange" and worker_submit(share, incumbent, inc_value):
                used.append("tabu+exchange")
                # Neither search is pulled onto the other's plans: each keeps its own region.
                found, val = run_tabu(incumbent, share,
                                      -math.inf if primal == "exchange-2" else inc_value)
                if val > inc_value + 1e-9:
                    incumbent, inc_value, primal = found, val, search_name
                plan, value = worker_collect()
                if value > inc_value + 1e-9:
                    incumbent, inc_value, primal = plan, value, "exchange-2"
                # Judged by what it gained on itself since it runs on its own.
                if value > -math.inf:
                    side_gain[side] = (value - before if worker_best[0] == -math.inf
                                       else max(0.0, value - worker_best[0]))
                    worker_best[0] = max(worker_best[0], value)
            else:
                if side == "exchange":  # the child failed: the next side arm takes this slice
                    side = pick_side()
                    side_last[side] = len(used)
                used.append("tabu+" + side)
                with ThreadPoolExecutor(max_workers=1) as beside:
                    future = beside.submit(side_run, side, incumbent.copy(), inc_value, len(used),
                                           share)
                    found, val = run_tabu(incumbent, share, inc_value)
                    result = future.result()
                if val > inc_value + 1e-9:
                    incumbent, inc_value, primal = found, val, search_name
                side_value = before
                if side == "cp-sat":
                    run, alive, _ = result
                    if absorb(run, alive) == "skipped":
                        side_arms.remove("cp-sat")
                    elif run[0].assign is not None:
                        side_value = run[0].value
                else:
                    (plan, value), _, got = result
                    for key in lns_stats:
                        lns_stats[key] += got[key]
                    stats["wall_guard"] |= got["lns_walled"]
                    side_value = value
                    if value > inc_value + 1e-9:
                        incumbent, inc_value, primal = plan, value, "lns"
                # Each side is judged by what it made of the common start, not by the tabu search.
                side_gain[side] = side_value - before
        elif arm == "cp-sat":
            used.append(arm)
            spent += _SLICE
            if exact_phase(_SLICE) == "skipped":
                arms.remove("cp-sat")
                continue
            alive = stats["pairs_alive"]
            if alive <= _PROBE_PAIRS and alive <= 0.5 * pb.profit.size:
                # Few pairs survive the fixing, so proving optimality is within reach: the
                # rest of the search time goes to CP-SAT on the reduced model.
                if not done():
                    exact_phase(_SEARCH_SHARE + _FINAL_SHARE - spent, last=True)
                spent = _SEARCH_SHARE
                break
        elif arm == "tabu":
            used.append(arm)
            spent += _SLICE
            found, val = run_tabu(incumbent, _SLICE, inc_value)
            if val > inc_value + 1e-9:
                incumbent, inc_value, primal = found, val, search_name
        else:
            used.append(arm)
            spent += _SLICE
            incumbent, inc_value, got = _lns(pb, incumbent, inc_value, scale,
                                             _LNS_DTIME_PER_SECOND * _SLICE * time_limit,
                                             t0 + guard(search_end), seed + len(used), bound,
                                             step, guide, related)
            for key in lns_stats:
                lns_stats[key] += got[key]
            stats["wall_guard"] |= got["lns_walled"]
            if inc_value > before + 1e-9:
                primal = "lns"
        # What a slice gained: a better plan or a tighter bound (both close the gap).
        gain[arm] = inc_value - before + max(0.0, bound_before - bound)
        stats.setdefault("slice_ends", []).append(round(time.perf_counter() - t0, 2))
    stats.update(lns_stats)
    if not done() and spent < _SEARCH_SHARE - 1e-9:
        stats["wall_guard"] = True  # the search loop was stopped by the clock
    if not done() and _left(deadline) > 0.05:
        exact_phase(_FINAL_SHARE, last=True)
    elif not done():
        stats["wall_guard"] = True
    return finish(incumbent, inc_value, bound, "feasible", bound_method=bound_method,
                  primal_method=primal, lagrangian_bound=lag_bound, cpsat_bound=cp_bound,
                  pairs_fixed=pb.profit.size - stats.get("pairs_alive", pb.profit.size))
