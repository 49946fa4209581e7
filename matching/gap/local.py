"""The local-search arm of the portfolio: slices of the multi-exchange search
(:mod:`matching.gap.exchange`) or, past its size limits, of the tabu search
(:mod:`matching.gap.search`), each counted in steps; the second exchange search in a child
process; and plans translated to and from the exchange search's terms."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .budgets import (
    _EX_CELLS_PER_SECOND,
    _EX_STEP_SECONDS,
    _EXCHANGE_DEPTH,
    _FINAL_SHARE,
    _MAX_EXCHANGE_JOBS,
    _MAX_SWAP_JOBS,
    _TABU_ROWS,
    _TS_CELLS_PER_SECOND,
    _TS_ITER_SECONDS,
    _WORKER_ACCEPT,
    _WORKER_GRACE,
    _WORKER_MIN_LIMIT,
)
from .exchange import MAX_UNITS, ExchangeSearch, ExchangeWorker
from .problem import Floats, Ints, _complete, _Problem
from .run import _Run
from .search import _Dense

# The exchange search's problem: profits (units x jobs), hours and budgets per unit.
_Arrays = tuple[Floats, Ints, NDArray[np.floating[Any]]]


def _exchange_arrays(pb: _Problem, dense: _Dense) -> _Arrays:
    """``(P, W, cap)`` for the multi-exchange search on ``dense``; "unplaced" is one more unit
    without a budget when placing is optional."""
    P, W, cap = dense.P, np.where(np.isfinite(dense.P), dense.W, 0), pb.cap * 1.0
    if not pb.must:
        P = np.vstack([P, np.zeros((1, pb.n))])
        W = np.vstack([W, np.zeros((1, pb.n), dtype=W.dtype)])
        cap = np.r_[cap, np.inf]
    return P, W, cap


def _exchange_plan(pb: _Problem, P: Floats, plan: ArrayLike) -> Ints:
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


def _exchange_result(pb: _Problem, found: Ints) -> Ints:
    found = found.copy()
    if not pb.must:
        found[found == pb.m] = -1
    return found


class _LocalSearch:
    """Slices of the Python searches on the dense matrices, where the tabu search applies (at
    most ``_MAX_SWAP_JOBS`` jobs). Up to ``_MAX_EXCHANGE_JOBS`` jobs and ``MAX_UNITS`` units the
    multi-exchange search takes its place; it keeps its trajectory from slice to slice."""

    def __init__(self, run: _Run, dense: _Dense) -> None:
        pb = run.pb
        self.run = run
        self.dense = dense
        self.units = pb.m + (0 if pb.must else 1)
        exchange_ok = (pb.n <= min(_MAX_SWAP_JOBS, _MAX_EXCHANGE_JOBS)
                       and self.units <= MAX_UNITS)
        # The exchange search's (P, W, cap), where it applies.
        self.arrays = _exchange_arrays(pb, dense) if exchange_ok else None
        self.name = "exchange" if exchange_ok else "tabu"  # the primal method of its plans
        self.end = run.time_limit * (1.0 - _FINAL_SHARE)  # its wall guard, from run.t0
        self.search: ExchangeSearch | None = None  # made at its first slice
        self.tabu_runs = 0
        self.worker_best = -math.inf  # the child search's best value so far

    def start_worker(self) -> None:
        """With two workers and at least ``_WORKER_MIN_LIMIT``, a second exchange search in a
        child process (see the paired slices in :mod:`matching.gap.portfolio`)."""
        run = self.run
        if self.arrays is None or run.workers < 2 or run.time_limit < _WORKER_MIN_LIMIT:
            return
        try:
            run.worker = ExchangeWorker(*self.arrays, run.seed + 1, depth=_EXCHANGE_DEPTH,
                                        accept=_WORKER_ACCEPT)
        except (OSError, RuntimeError) as exc:  # no processes here: one search it is
            run.stats["exchange_worker"] = f"not started: {exc}"

    def steps(self, share: float) -> int:
        n = self.run.pb.n
        depth = min(self.units, _EXCHANGE_DEPTH)
        per_step = _EX_STEP_SECONDS + depth * n * (n + self.units) / _EX_CELLS_PER_SECOND
        return max(10, int(share * self.run.time_limit / per_step))

    def found(self, found: Ints | None) -> tuple[Ints | None, float]:
        """An exchange search's plan in our terms and its value, or ``(None, -inf)``."""
        if found is None:
            return None, -math.inf
        found = _exchange_result(self.run.pb, found)
        if not _complete(found, self.run.pb):
            return None, -math.inf
        return found, self.dense.value(found)

    def slice(self, start: Ints, share: float,
              start_value: float = -math.inf) -> tuple[Ints | None, float]:
        """A slice of ``share`` of the time limit, counted in steps (exchange) or iterations
        (tabu): the best plan found and its value, or ``(None, -inf)``."""
        if self.arrays is not None:
            return self._exchange(self.arrays, start, start_value, share)
        run, pb = self.run, self.run.pb
        n = pb.n
        per_iter = _TS_ITER_SECONDS + (min(n, _TABU_ROWS) + pb.m + 1) * n / _TS_CELLS_PER_SECOND
        iters = max(10, int(share * run.time_limit / per_iter))
        run.stats["tabu_iterations"] = run.stats.get("tabu_iterations", 0) + iters
        self.tabu_runs += 1
        found = self.dense.tabu_search(start, iters, run.seed + self.tabu_runs)
        if found is None or not _complete(found, pb):
            return None, -math.inf
        return found, self.dense.value(found)

    def _exchange(self, arrays: _Arrays, start: Ints, start_value: float,
                  share: float) -> tuple[Ints | None, float]:
        """A slice of the multi-exchange search; it takes ``start`` only when that is better
        than its best."""
        run = self.run
        if self.search is None:
            self.search = ExchangeSearch(*arrays, run.seed, depth=_EXCHANGE_DEPTH)
        search = self.search
        steps = self.steps(share)
        run.stats["exchange_steps"] = run.stats.get("exchange_steps", 0) + steps
        found = search.run(_exchange_plan(run.pb, arrays[0], start), start_value, steps,
                           run.t0 + run.guard(self.end))
        run.stats["wall_guard"] |= search.walled
        return self.found(found)

    def submit(self, share: float, start: Ints, start_value: float) -> None:
        """Start a slice of the child's search; raises ``ExchangeWorkerError`` when the child
        failed. The first slice hands it ``start``; later ones run on its own trajectory."""
        run, worker, arrays = self.run, self.run.worker, self.arrays
        assert worker is not None and arrays is not None  # a worker runs the exchange search
        steps = self.steps(share)
        run.stats["exchange_worker_steps"] = run.stats.get("exchange_worker_steps", 0) + steps
        first = self.worker_best == -math.inf
        worker.submit(_exchange_plan(run.pb, arrays[0], start),
                      start_value if first else -math.inf, steps,
                      run.t0 + run.guard(self.end) - time.perf_counter())

    def collect(self) -> tuple[Ints | None, float]:
        """The child's best plan so far and its value, or ``(None, -inf)``; raises
        ``ExchangeWorkerError`` when the child failed."""
        run, worker = self.run, self.run.worker
        assert worker is not None
        found, _, walled = worker.result(
            max(0.0, run.t0 + run.guard(self.end) - time.perf_counter()) + _WORKER_GRACE)
        run.stats["wall_guard"] |= walled
        return self.found(found)

    def close_worker(self) -> None:
        worker, self.run.worker = self.run.worker, None
        if worker is not None:
            worker.close()
