"""Turn the k > 1 flow relaxation into a plan where each project has exactly k units or none.

The relaxation may give a project fewer than k units. Those partial teams are dissolved; the
freed capacity first completes teams greedily (most valuable project first, each project's
best distinct units with room left, only if the team's net score is positive), then goes to
single-unit projects through one more min-cost flow on what is left.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .params import Params
from .rules import slot_cost


class Ledger:
    """Capacity, hours and unit load left while pairs are added one team at a time."""

    def __init__(self, capacity: NDArray[np.int64], budget: NDArray[np.int64],
                 minutes: NDArray[np.int64], r_unit: NDArray[Any], unit_load: NDArray[np.int64],
                 nominal: NDArray[np.int64], params: Params) -> None:
        self.cap = capacity.copy()
        self.bud = budget.copy()
        self.minutes = minutes
        self.r_unit = r_unit
        self.load = unit_load.copy()
        self.nominal = nominal
        self.params = params

    def room(self, p: int, r: int) -> bool:
        fits: bool = self.cap[r] != 0 and (self.bud[r] < 0 or self.bud[r] >= self.minutes[p])
        return fits

    def next_cost(self, u: int) -> int:
        return int(slot_cost(self.params, self.nominal[u:u + 1], self.load[u:u + 1])[0])

    def take(self, p: int, r: int) -> None:
        if self.cap[r] > 0:
            self.cap[r] -= 1
        if self.bud[r] >= 0:
            self.bud[r] -= self.minutes[p]
        self.load[self.r_unit[r]] += 1

    def release(self, p: int, r: int) -> None:
        if self.cap[r] >= 0:
            self.cap[r] += 1
        if self.bud[r] >= 0:
            self.bud[r] += self.minutes[p]
        self.load[self.r_unit[r]] -= 1


def complete_teams(p: NDArray[Any], r: NDArray[Any], score: NDArray[np.int64],
                   projects: NDArray[Any], k_need: NDArray[np.int64],
                   ledger: Ledger) -> NDArray[np.bool_]:
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
    for s, e in zip(starts, ends, strict=True):
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


def complete_by_ejection(p: NDArray[Any], r: NDArray[Any], score: NDArray[np.int64],
                         chosen: NDArray[np.bool_], k_need: NDArray[np.int64], ledger: Ledger,
                         eligible: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Complete partial teams, most valuable first, by taking the weakest place on a full
    resource when no resource with room fits.

    A team that stays short is dissolved later: it loses what it holds, and the places it
    frees go to the best open single-unit projects there. So completing it is worth the new
    pair plus what it holds, minus what those open projects would have made of its places,
    minus what the displaced project loses. Places are taken from single-unit projects
    (which the final flow may re-place elsewhere) or from other partial teams, never from a
    complete team. Returns the new choice.
    """
    chosen = chosen.copy()
    P = len(k_need)
    cnt = np.bincount(p[chosen], minlength=P)
    # best open single-unit project at each resource: what a dissolved team's place is worth
    open_single = eligible & (k_need[p] == 1) & (cnt[p] == 0)
    alt_r = np.zeros(len(ledger.cap), dtype=np.int64)
    np.maximum.at(alt_r, r[open_single], score[open_single])
    partial = np.flatnonzero((k_need > 1) & (cnt > 0) & (cnt < k_need))
    if len(partial) == 0:
        return chosen
    r_unit = ledger.r_unit
    on_r: dict[int, set[int]] = {}
    for c in np.flatnonzero(chosen):
        on_r.setdefault(int(r[c]), set()).add(int(c))
    mine = np.flatnonzero(np.isin(p, partial) & eligible)
    mine = mine[np.lexsort((r[mine], -score[mine], p[mine]))]
    by_p: dict[int, list[int]] = {}
    for i in mine.tolist():
        by_p.setdefault(int(p[i]), []).append(i)
    held = np.bincount(p[chosen], weights=score[chosen], minlength=P).astype(np.int64)
    alt = np.bincount(p[chosen], weights=alt_r[r[chosen]], minlength=P).astype(np.int64)
    cnt = cnt.astype(np.int64)
    order = partial[np.lexsort((partial, -held[partial]))]
    for x in order.tolist():
        while 0 < cnt[x] < k_need[x]:
            units = {int(r_unit[r[i]]) for i in by_p.get(x, []) if chosen[i]}
            best_net, best_i, best_victim = 0, -1, -1
            for i in by_p.get(x, []):
                ri = int(r[i])
                u = int(r_unit[ri])
                if chosen[i] or u in units:
                    continue
                if ledger.room(x, ri):
                    net = int(score[i]) - ledger.next_cost(u) + int(held[x]) - int(alt[x])
                    victim = -1
                else:
                    victim, vloss = -1, None
                    for j in on_r.get(ri, ()):
                        q = int(p[j])
                        if q == x or (k_need[q] > 1 and cnt[q] >= k_need[q]):
                            continue
                        if ledger.bud[ri] >= 0 and ledger.bud[ri] + ledger.minutes[q] < ledger.minutes[x]:
                            continue
                        loss = int(score[j]) if k_need[q] == 1 else int(held[q])
                        if vloss is None or loss < vloss or (loss == vloss and j < victim):
                            victim, vloss = j, loss
                    if victim < 0:
                        continue
                    assert vloss is not None  # set with the victim
                    net = int(score[i]) + int(held[x]) - int(alt[x]) - vloss
                if net > best_net:
                    best_net, best_i, best_victim = net, i, victim
            if best_i < 0:
                break
            ri = int(r[best_i])
            if best_victim >= 0:
                q = int(p[best_victim])
                chosen[best_victim] = False
                on_r[ri].discard(best_victim)
                cnt[q] -= 1
                held[q] -= int(score[best_victim])
                ledger.release(q, ri)
            chosen[best_i] = True
            on_r.setdefault(ri, set()).add(best_i)
            cnt[x] += 1
            held[x] += int(score[best_i])
            alt[x] += alt_r[ri]
            ledger.take(x, ri)
    return chosen

