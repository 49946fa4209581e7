"""One 0-1 knapsack per unit, all units at once: the subproblems of the Lagrangian relaxation
(:mod:`matching.gap.bound`) and of the neighbourhoods it guides."""

from __future__ import annotations

import numpy as np

from .budgets import _LP_CELLS_PER_PAIR, _MAX_DP_CELLS
from .problem import Bools, Floats, _Problem


class _Knapsacks:
    """Exact 0-1 knapsack per agent by DP over hours, vectorised across agents.

    Layer ``r`` holds the ``r``-th pair of every agent, so one numpy pass per layer updates all
    agents together; the cost per pass is (pairs x hours), not agents x jobs x hours.
    """

    def __init__(self, pb: _Problem) -> None:
        self.pb = pb
        self.width = int(pb.cap.max()) + 1 if pb.m else 1
        self.cols = np.arange(self.width)
        # Cells past an agent's own capacity must never be reached; -inf keeps them out.
        self.base = np.where(self.cols[None, :] <= pb.cap[:, None], 0.0, -np.inf)
        self.exact = pb.profit.size * self.width <= _MAX_DP_CELLS
        # DP cells touched so far: a machine-independent clock for the Lagrangian phase.
        self.work = 0

    def solve(self, value: Floats) -> tuple[Floats, Floats, Floats | None]:
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
        takes: list[Bools] = []
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
        for sel, take in zip(reversed(layers), reversed(takes), strict=True):
            a = pb.agent[sel]
            t = take[np.arange(sel.size), c[a]]
            x[sel[t]] = 1.0
            c[a[t]] -= pb.weight[sel[t]]
        per_agent = table[np.arange(pb.m), pb.cap]
        return x, per_agent, table

    def _solve_lp(self, value: Floats) -> tuple[Floats, Floats, None]:
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
