"""What a plan says beyond its pairs: why each open project stayed open (and, where it lost its
place, to whom), and the supply gap by category and community. Computed once by the solve and
kept in `PlanArrays`; `matching.result.decode` reads them."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .arrays import ProblemArrays
from .candidates import Candidates
from .reasons import Unmatched

Arr = NDArray[Any]


def reasons(a: ProblemArrays, cand: Candidates, chosen: Arr, p_all: Arr, r_all: Arr
            ) -> tuple[Arr, Arr, Arr]:
    """Filter reasons come from candidate generation; for projects that had candidates but
    got nothing, say whether their candidates' capacity was used up (and by whom) or was
    still free but not worth the extra load."""
    P = a.n_projects
    reason = cand.reason.copy()
    taken_r = np.full(P, -1, dtype=np.int64)
    taken_p = np.full(P, -1, dtype=np.int64)
    served = np.bincount(p_all, minlength=P) > 0
    res = cand.res
    lost = (reason == 0) & ~served & (res.k_need > 0)
    reason[lost & (res.k_need > 1)] = Unmatched.INCOMPLETE_TEAM
    single = lost & (res.k_need == 1)
    if not single.any():
        return reason, taken_r, taken_p
    used_r = np.bincount(r_all, minlength=a.n_resources)
    used_m = np.bincount(r_all, weights=a.p_minutes[p_all], minlength=a.n_resources)
    m = single[cand.p]
    pp, rr, sc = cand.p[m], cand.r[m], cand.score[m]
    room = ((a.r_capacity[rr] < 0) | (used_r[rr] < a.r_capacity[rr])) & (
        (a.r_budget_minutes[rr] < 0) | (a.r_budget_minutes[rr] - used_m[rr] >= a.p_minutes[pp]))
    any_room = np.bincount(pp, weights=room, minlength=P) > 0
    reason[single & any_room] = Unmatched.NOT_WORTH_LOAD
    reason[single & ~any_room] = Unmatched.LOST_TO_BETTER_USE
    # name the winner: at the project's best candidate, the lowest-scoring pair placed there
    o = np.lexsort((rr, -sc, pp))
    first = o[np.r_[True, pp[o][1:] != pp[o][:-1]]]
    best_r = np.full(P, -1, dtype=np.int64)
    best_r[pp[first]] = rr[first]
    sel = np.flatnonzero(chosen)
    cp, cr, cs = cand.p[sel], cand.r[sel], cand.score[sel]
    o = np.lexsort((cp, cs, cr))
    low = o[np.r_[True, cr[o][1:] != cr[o][:-1]]] if len(o) else o
    weakest = np.full(a.n_resources, -1, dtype=np.int64)
    weakest[cr[low]] = cp[low]
    lost_better = np.flatnonzero(reason == Unmatched.LOST_TO_BETTER_USE)
    taken_r[lost_better] = best_r[lost_better]
    taken_p[lost_better] = weakest[best_r[lost_better]]
    return reason, taken_r, taken_p


def supply_gap(a: ProblemArrays, cand: Candidates, p_all: Arr, r_all: Arr, hours_per_slot: float
               ) -> dict[str, Arr]:
    """Demand, supply and shortfall by category x community: whom the alliance should recruit.

    Supply counts every resource able to serve a project there (after all hard filters), at
    its full nominal capacity, so a resource serving several areas counts in each: supply is
    a reach figure, not additive across rows."""
    n_comm = np.int64(max(1, len(a.communities)))
    pcat = a.p_category.astype(np.int64)
    pkey = pcat * n_comm + a.p_community
    keys, inv = np.unique(pkey, return_inverse=True)
    demand = np.bincount(inv, weights=a.p_k, minlength=len(keys)).astype(np.int64)
    matched = np.bincount(inv[p_all], minlength=len(keys)).astype(np.int64)
    rp = np.concatenate([cand.p, a.fixed_p])
    rr = np.concatenate([cand.r, a.fixed_r])
    nr = np.int64(max(1, a.n_resources))
    trip = np.unique(inv[rp].astype(np.int64) * nr + rr)
    row, res_of = trip // nr, trip % nr
    cap = np.where(a.r_capacity >= 0, a.r_capacity, 0).astype(np.float64)
    hours_only = (a.r_capacity < 0) & (a.r_budget_minutes >= 0)
    cap[hours_only] = np.ceil(a.r_budget_minutes[hours_only] / 60.0 / hours_per_slot)
    supply = np.bincount(row, weights=cap[res_of], minlength=len(keys)).astype(np.int64)
    nres = np.bincount(row, minlength=len(keys)).astype(np.int64)
    first = np.zeros(len(keys), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    return {
        "category": (keys // n_comm).astype(np.int64),
        "community": (keys % n_comm).astype(np.int64),
        "street": a.p_street[first].astype(np.int64),
        "demand": demand, "supply": supply, "resources": nres,
        "matched": matched, "unmatched": demand - matched,
    }
