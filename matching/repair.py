"""Turn the k > 1 flow relaxation into a plan where each project has exactly k units or none.

The relaxation may give a project fewer than k units. Those partial teams are dissolved; the
freed capacity first completes teams greedily (most valuable project first, each project's
best distinct units with room left, only if the team's net score is positive), then goes to
single-unit projects through one more min-cost flow on what is left.
"""

from __future__ import annotations

import numpy as np

from .params import Params
from .rules import slot_cost


class Ledger:
    """Capacity, hours and unit load left while pairs are added one team at a time."""

    def __init__(self, capacity, budget, minutes, r_unit, unit_load, nominal, params: Params):
        self.cap = capacity.copy()
        self.bud = budget.copy()
        self.minutes = minutes
        self.r_unit = r_unit
        self.load = unit_load.copy()
        self.nominal = nominal
        self.params = params

    def room(self, p: int, r: int) -> bool:
        return self.cap[r] != 0 and (self.bud[r] < 0 or self.bud[r] >= self.minutes[p])

    def next_cost(self, u: int) -> int:
        return int(slot_cost(self.params, self.nominal[u:u + 1], self.load[u:u + 1])[0])

    def take(self, p: int, r: int) -> None:
        if self.cap[r] > 0:
            self.cap[r] -= 1
        if self.bud[r] >= 0:
            self.bud[r] -= self.minutes[p]
        self.load[self.r_unit[r]] += 1


def complete_teams(p, r, score, projects, k_need, ledger: Ledger) -> np.ndarray:
    """Greedy teams for ``projects`` (most promising first); returns chosen pair mask."""
    chosen = np.zeros(len(p), bool)
    want = np.isin(p, projects)
    idx = np.flatnonzero(want)
    if len(idx) == 0:
        return chosen
    order = idx[np.lexsort((r[idx], -score[idx], p[idx]))]
    ps = p[order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
    ends = np.append(starts[1:], len(order))
    # most promising: the sum of the k best scores, ties by project index
    potential = []
    for s, e in zip(starts, ends):
        q = int(ps[s])
        potential.append(int(score[order[s:e]][: k_need[q]].sum()))
    seq = np.lexsort((ps[starts], -np.asarray(potential)))
    r_unit = ledger.r_unit
    for g in seq:
        s, e = starts[g], ends[g]
        q = int(ps[s])
        k = int(k_need[q])
        picked: list[int] = []
        units: set[int] = set()
        extra: dict[int, int] = {}
        net = 0
        for i in order[s:e]:
            ri = int(r[i])
            u = int(r_unit[ri])
            if u in units or not ledger.room(q, ri):
                continue
            load_u = ledger.load[u] + extra.get(u, 0)
            c = int(slot_cost(ledger.params, ledger.nominal[u:u + 1], np.array([load_u]))[0])
            picked.append(i)
            units.add(u)
            extra[u] = extra.get(u, 0) + 1
            net += int(score[i]) - c
            if len(picked) == k:
                break
        if len(picked) == k and net > 0:
            for i in picked:
                ledger.take(q, int(r[i]))
                chosen[i] = True
    return chosen
