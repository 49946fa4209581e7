"""One call of :func:`matching.gap.solve_gap`: its problem, settings, clock and stats, which
every phase shares, and the result it ends with (:meth:`_Run.finish`)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .exchange import ExchangeWorker
from .problem import GapResult, Ints, _Problem


@dataclass
class _Run:
    pb: _Problem
    time_limit: float
    seed: int
    workers: int
    wall_guard: bool
    t0: float  # time.perf_counter() at the call
    deadline: float = field(init=False)  # the wall-clock guard of the whole call
    empty: Ints = field(init=False)  # the plan with every job unplaced
    # "wall_guard": whether a wall-clock guard cut a phase short of its deterministic budget:
    # only then may the result differ between runs with the same inputs and seed.
    stats: dict[str, Any] = field(init=False)
    # The child process of a second exchange search, when one is started; always stopped.
    worker: ExchangeWorker | None = None

    def __post_init__(self) -> None:
        self.deadline = self.t0 + self.guard(self.time_limit)
        self.empty = np.full(self.pb.n, -1, dtype=np.int64)
        self.stats = {"wall_guard": False}

    def guard(self, seconds: float) -> float:
        """A wall-clock allowance, or none at all without the guard."""
        return seconds if self.wall_guard else math.inf

    def left(self) -> float:
        """Seconds to the deadline, at least 0.01."""
        return max(0.01, self.deadline - time.perf_counter())

    def finish(self, assign: Ints | None, value: float, bound: float, status: str, *,
               bound_method: str = "", primal_method: str = "",
               lagrangian_bound: float = math.inf, cpsat_bound: float = math.inf,
               pairs_fixed: int = 0) -> GapResult:
        pb = self.pb
        assign = self.empty if assign is None else np.asarray(assign, dtype=np.int64)
        if status in ("optimal", "feasible"):
            bound = max(bound, value)
            if pb.integral:
                bound = math.floor(bound + 1e-6)
            if bound - value < (1 if pb.integral else 1e-9 * max(1.0, abs(value))):
                status, bound = "optimal", value
        gap = (bound - value) / max(abs(value), 1.0) if math.isfinite(value) else math.inf
        return GapResult(assign=assign, objective=value, bound=bound, status=status, gap=gap,
                         wall_time=time.perf_counter() - self.t0, stats=self.stats,
                         bound_method=bound_method, primal_method=primal_method,
                         lagrangian_bound=lagrangian_bound, cpsat_bound=cpsat_bound,
                         pairs_fixed=pairs_fixed)
