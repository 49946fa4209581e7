"""The scheduler of the search (steps 3 to 5 in :mod:`matching.gap`): from a first plan,
:class:`_Portfolio` hands out slices of the time limit to the search methods, the arms, and
ends with a last CP-SAT run."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .bound import _Lagrange, _reduced_pairs
from .budgets import (
    _BUILD_SECONDS_PER_PAIR,
    _DTIME_PER_SECOND,
    _FINAL_SHARE,
    _LNS_DTIME_PER_SECOND,
    _PAIRED_LEAD,
    _PRESOLVE_PAIRS,
    _PROBE_PAIRS,
    _SEARCH_SHARE,
    _SLICE,
    _SOLO_DTIME_PER_SECOND,
)
from .cpsat import _CpOutcome, _cpsat
from .exchange import ExchangeWorkerError
from .knapsack import _Knapsacks
from .local import _LocalSearch
from .neighbourhoods import _lns, _related_agents
from .problem import GapResult, Ints
from .run import _Run

# A CP-SAT run on the reduced model and the value no plan using a fixed-out pair can beat.
_Exact = tuple[_CpOutcome, float]


@dataclass
class _Beside:
    """What the partner of a paired slice made of the common start: a CP-SAT run (``None``
    when skipped for want of time) and the pairs it kept, or a neighbourhood search's plan,
    value and stats."""

    exact: _Exact | None = None
    alive: int = 0
    plan: Ints | None = None
    value: float = -math.inf
    got: dict[str, Any] = field(default_factory=dict)


class _Portfolio:
    """The search proper, from a first plan: slices of the time limit go to the search
    methods (the arms) in turn, each to the arm whose last slice gained most.

    Budgets are shares of the time limit in deterministic units, never of the time left, so
    that a run does not depend on how fast the earlier phases happened to go.

    CP-SAT on the reduced model, tabu search and neighbourhood re-solves take turns in slices
    of the time limit; each next slice goes to the method whose last slice gained most (the
    least recently used one when none gained). Which one pays depends on the instance: loose
    budgets are closed by CP-SAT's first slice; on tight ones (OR-Library type d) tabu search
    does best with 100 jobs, the neighbourhoods with 200, CP-SAT with 5 agents. Choices depend
    on values only, so runs stay reproducible.

    With two or more workers and the tabu search in play, the tabu search and the
    neighbourhood search do not take turns but run as one paired arm beside CP-SAT: the tabu
    search (Python, holding the interpreter) runs in this thread while a single-worker CP-SAT
    run or a neighbourhood search (native code, which lets go of it) runs beside it from the
    same incumbent; the better plan of the two carries on. Each side stops on its own
    deterministic budget and they meet only at slice ends, so the result does not depend on
    which finishes first. Which side runs next goes by what each made of its last start. The
    two-worker CP-SAT arm keeps its turns: on loose budgets it closes.

    When a second exchange search runs in a child process, it is the side of every paired
    slice for as long as it works: a trajectory of its own, started from the incumbent of its
    first slice and never reset to ours, nor ours to its plans (pulled onto one plan, the two
    searches find the same things), judged by what it gained on itself. Single-worker CP-SAT
    and the neighbourhoods, which found nothing on tight budgets beside the exchange search,
    stay as the fallback should the child fail.
    """

    def __init__(self, run: _Run, ks: _Knapsacks, local: _LocalSearch | None, lag: _Lagrange,
                 lag_bound: float, plan: Ints, value: float, primal: str,
                 first_slice: list[str], step: float, scale: float, all_jobs: Ints,
                 all_pairs: Ints) -> None:
        self.run = run
        self.pb = run.pb
        self.local = local  # the tabu or exchange search, where it applies
        self.lag = lag
        self.lag_bound = lag_bound
        self.step = step  # the least gain that counts (1 on integral profits)
        self.scale = scale  # of profits to CP-SAT's integers
        self.all_jobs = all_jobs
        self.all_pairs = all_pairs
        # The incumbent, its value and the method that found it.
        self.plan = plan
        self.value = value
        self.primal = primal
        # The best proven bound and the method that proved it; CP-SAT's best.
        self.bound = lag_bound
        self.bound_method = "lagrangian"
        self.cp_bound = math.inf
        # The arms, what each gained in its last slice and in which slice it last ran.
        paired = local is not None and run.workers >= 2
        self.arms = ["cp-sat"] + (["paired"] if paired else
                                  (["tabu"] if local is not None else []) + ["lns"])
        self.gain = {arm: math.inf for arm in self.arms}
        self.last_used = {arm: -1 for arm in self.arms}
        self.guide = (ks, lag.u) if lag.table is not None else None
        self.related = _related_agents(self.pb, lag)
        self.lns_stats = {"lns_rounds": 0, "lns_improved": 0, "lns_improved_lagrangian": 0}
        self.used = run.stats["slices"] = list(first_slice)  # the slices so far, by arm
        for arm in self.used:
            self.gain[arm], self.last_used[arm] = 0.0, 0
        self.search_end = run.time_limit * (1.0 - _FINAL_SHARE)
        # The partners of the paired slices, chosen like the arms. Beside the child's search,
        # the others are fallbacks: untried, they do not go first.
        worker = run.worker is not None
        self.side_arms = (["exchange"] if worker else []) + ["cp-sat", "lns"]
        self.side_gain = {arm: (0.0 if worker and arm != "exchange" else math.inf)
                          for arm in self.side_arms}
        self.side_last = {arm: -1 for arm in self.side_arms}
        self.spent = _SLICE * len(self.used)  # shares of the time limit given to slices so far

    def done(self) -> bool:
        return self.bound - self.value < max(self.step, 1e-9 * max(1.0, abs(self.value)))

    def _offer(self, plan: Ints | None, value: float, method: str) -> None:
        if plan is not None and value > self.value + 1e-9:
            self.plan, self.value, self.primal = plan, value, method

    def solve(self) -> GapResult:
        run, stats = self.run, self.run.stats
        while (not self.done() and self.spent < _SEARCH_SHARE - 1e-9
               and time.perf_counter() - run.t0 < run.guard(self.search_end)):
            # Untried arms go first, CP-SAT first of all (it closes loose components). After
            # that, on ties the paired arm counts as used _PAIRED_LEAD slices earlier than it
            # was: the exchange search keeps gaining on tight budgets where CP-SAT stalls.
            arm = max(self.arms, key=lambda a: (
                self.gain[a],
                -(self.last_used[a]
                  - (_PAIRED_LEAD if a == "paired" and self.last_used[a] >= 0 else 0)),
                -self.arms.index(a)))
            self.last_used[arm] = len(self.used)
            before, bound_before = self.value, self.bound
            if arm == "paired":
                self._paired_slice(before)
            elif arm == "cp-sat":
                ran = self._cpsat_slice()
                if ran == "skipped":
                    continue
                if ran == "last":
                    break
            elif arm == "tabu":
                self._tabu_slice()
            else:
                self._lns_slice(before)
            # What a slice gained: a better plan or a tighter bound (both close the gap).
            self.gain[arm] = self.value - before + max(0.0, bound_before - self.bound)
            stats.setdefault("slice_ends", []).append(round(time.perf_counter() - run.t0, 2))
        stats.update(self.lns_stats)
        if not self.done() and self.spent < _SEARCH_SHARE - 1e-9:
            stats["wall_guard"] = True  # the search loop was stopped by the clock
        if not self.done() and run.left() > 0.05:
            self._exact_phase(_FINAL_SHARE, last=True)
        elif not self.done():
            stats["wall_guard"] = True
        return run.finish(self.plan, self.value, self.bound, "feasible",
                          bound_method=self.bound_method, primal_method=self.primal,
                          lagrangian_bound=self.lag_bound, cpsat_bound=self.cp_bound,
                          pairs_fixed=self.pb.profit.size
                          - stats.get("pairs_alive", self.pb.profit.size))

    # The arms' slices

    def _cpsat_slice(self) -> str:
        """``skipped`` (no time left to build the model), ``last`` (it took the rest of the
        search time) or ``ran``."""
        self.used.append("cp-sat")
        self.spent += _SLICE
        if self._exact_phase(_SLICE) == "skipped":
            self.arms.remove("cp-sat")
            return "skipped"
        alive = self.run.stats["pairs_alive"]
        if alive <= _PROBE_PAIRS and alive <= 0.5 * self.pb.profit.size:
            # Few pairs survive the fixing, so proving optimality is within reach: the rest
            # of the search time goes to CP-SAT on the reduced model.
            if not self.done():
                self._exact_phase(_SEARCH_SHARE + _FINAL_SHARE - self.spent, last=True)
            self.spent = _SEARCH_SHARE
            return "last"
        return "ran"

    def _tabu_slice(self) -> None:
        local = self.local
        assert local is not None  # the arm exists only where the local search applies
        self.used.append("tabu")
        self.spent += _SLICE
        found, val = local.slice(self.plan, _SLICE, self.value)
        self._offer(found, val, local.name)

    def _lns_slice(self, before: float) -> None:
        run = self.run
        self.used.append("lns")
        self.spent += _SLICE
        self.plan, self.value, got = _lns(
            self.pb, self.plan, self.value, self.scale,
            _LNS_DTIME_PER_SECOND * _SLICE * run.time_limit, run.t0 + run.guard(self.search_end),
            run.seed + len(self.used), self.bound, self.step, self.guide, self.related)
        for key in self.lns_stats:
            self.lns_stats[key] += got[key]
        run.stats["wall_guard"] |= got["lns_walled"]
        if self.value > before + 1e-9:
            self.primal = "lns"

    def _paired_slice(self, before: float) -> None:
        local = self.local
        assert local is not None  # the arm exists only where the local search applies
        share = min(_SLICE, _SEARCH_SHARE - self.spent)
        self.spent += share
        # On ties the child's exchange search goes first, else single-worker CP-SAT: it runs
        # in native code all through, while the neighbourhood search builds its models in
        # Python, beside ours.
        side = self._pick_side()
        self.side_last[side] = len(self.used)
        if side == "exchange" and self._worker_submit(local, share):
            self.used.append("tabu+exchange")
            # Neither search is pulled onto the other's plans: each keeps its own region.
            found, val = local.slice(self.plan, share,
                                     -math.inf if self.primal == "exchange-2" else self.value)
            self._offer(found, val, local.name)
            plan, value = self._worker_collect(local)
            self._offer(plan, value, "exchange-2")
            # Judged by what it gained on itself since it runs on its own.
            if value > -math.inf:
                self.side_gain[side] = (value - before if local.worker_best == -math.inf
                                        else max(0.0, value - local.worker_best))
                local.worker_best = max(local.worker_best, value)
            return
        if side == "exchange":  # the child failed: the next side arm takes this slice
            side = self._pick_side()
            self.side_last[side] = len(self.used)
        self.used.append("tabu+" + side)
        with ThreadPoolExecutor(max_workers=1) as beside:
            future = beside.submit(self._beside, side, self.plan.copy(), self.value,
                                   len(self.used), share)
            found, val = local.slice(self.plan, share, self.value)
            result = future.result()
        self._offer(found, val, local.name)
        side_value = before
        if side == "cp-sat":
            if self._absorb(result.exact, result.alive) == "skipped":
                self.side_arms.remove("cp-sat")
            elif result.exact is not None and result.exact[0].assign is not None:
                side_value = result.exact[0].value
        else:
            for key in self.lns_stats:
                self.lns_stats[key] += result.got[key]
            self.run.stats["wall_guard"] |= result.got["lns_walled"]
            side_value = result.value
            self._offer(result.plan, result.value, "lns")
        # Each side is judged by what it made of the common start, not by the tabu search.
        self.side_gain[side] = side_value - before

    def _pick_side(self) -> str:
        return max(self.side_arms, key=lambda a: (
            self.side_gain[a],
            -(self.side_last[a] - (_PAIRED_LEAD if a == self.side_arms[0] else 0)),
            -self.side_arms.index(a)))

    def _beside(self, arm: str, start: Ints, start_value: float, slot: int,
                share: float) -> _Beside:
        """The partner of a paired slice: pure, so that it may run in a second thread."""
        run = self.run
        if arm == "cp-sat":
            exact, alive = self._exact_run(share, start, start_value, 1, _SOLO_DTIME_PER_SECOND,
                                           min(run.left(), run.guard(2.0 * share * run.time_limit)),
                                           run.seed + slot, presolve=False)
            return _Beside(exact=exact, alive=alive)
        plan, value, got = _lns(self.pb, start, start_value, self.scale,
                                _LNS_DTIME_PER_SECOND * share * run.time_limit,
                                run.t0 + run.guard(self.search_end), run.seed + slot, self.bound,
                                self.step, self.guide, self.related)
        return _Beside(plan=plan, value=value, got=got)

    # The child's exchange search

    def _worker_submit(self, local: _LocalSearch, share: float) -> bool:
        """Start a slice of the child's search; False when the child failed (then dropped)."""
        try:
            local.submit(share, self.plan, self.value)
        except ExchangeWorkerError as exc:
            self._drop_worker(local, exc)
            return False
        return True

    def _worker_collect(self, local: _LocalSearch) -> tuple[Ints | None, float]:
        """The child's best plan so far and its value, or ``(None, -inf)``."""
        try:
            return local.collect()
        except ExchangeWorkerError as exc:
            self._drop_worker(local, exc)
            return None, -math.inf

    def _drop_worker(self, local: _LocalSearch, exc: ExchangeWorkerError) -> None:
        self.run.stats["exchange_worker"] = str(exc)
        self.side_arms.remove("exchange")
        local.close_worker()

    # CP-SAT on the reduced model

    def _exact_run(self, share: float, start: Ints, start_value: float, n_workers: int,
                   dtime_per_second: float, wall: float, run_seed: int,
                   presolve: bool | None = True) -> tuple[_Exact | None, int]:
        """CP-SAT on the pairs that survive fixing against ``start``, hinted with it.

        Pure, so that it may run beside the tabu search; :meth:`_absorb` takes its outcome.
        Returns ``None`` when building the model alone would eat the time left (the wall
        guard only starts with the solve): tens of thousands of pairs on a short limit.
        """
        run, pb = self.run, self.pb
        idx = _reduced_pairs(pb, self.lag, start, start_value, self.step, self.all_pairs)
        if idx.size * _BUILD_SECONDS_PER_PAIR > 0.5 * run.left():
            return None, idx.size
        if presolve is None:
            presolve = idx.size <= _PRESOLVE_PAIRS
        # The wall guard starts once the model is built: leave room for building it.
        wall = max(0.01, min(wall, run.left() - idx.size * _BUILD_SECONDS_PER_PAIR - 0.02))
        out = _cpsat(pb, idx, self.all_jobs, start, self.lag.bound, self.scale,
                     dtime_per_second * share * run.time_limit, wall, run_seed, n_workers,
                     presolve=presolve)
        # Plans using a fixed-out pair are worth no more than the plan fixed against.
        floor = start_value if idx.size < pb.profit.size else -math.inf
        return (out, floor), idx.size

    def _absorb(self, exact: _Exact | None, alive: int, method: str = "cp-sat") -> str:
        stats = self.run.stats
        stats["pairs_alive"] = int(alive)
        if exact is None:
            stats["exact_skipped"] = stats.get("exact_skipped", 0) + 1
            stats["wall_guard"] = True  # skipped for want of time left
            return "skipped"
        out, floor = exact
        stats["wall_guard"] |= out.walled
        self._offer(out.assign, out.value, method)
        cpb = max(out.bound, floor)
        self.cp_bound = min(self.cp_bound, cpb)
        if cpb < self.bound:
            self.bound, self.bound_method = cpb, "cp-sat"
        return out.status

    def _exact_phase(self, share: float, last: bool = False) -> str:
        run = self.run
        # The wall guard is per phase so that a slow phase cannot starve the search after it.
        wall = run.left() if last else min(run.left(), run.guard(1.5 * share * run.time_limit))
        return self._absorb(*self._exact_run(share, self.plan, self.value, run.workers,
                                             _DTIME_PER_SECOND, wall, run.seed, presolve=None))
