"""The engine and the simple peers: each takes the array form and returns (p, r, info).

The peers start from the engine's own candidate pairs (the same hard rules), so they differ
only in how they choose.
"""

from __future__ import annotations

import numpy as np


class SkipMethod(Exception):
    """A method that has no form for this instance: the table says why instead of a row."""


def candidates(a, params):
    # internal API: the engine exports no public "candidates only" call yet
    from matching.candidates import ResourceIndex, build_candidates
    from matching.rules import RuleTables, project_terms

    tables = RuleTables(a)
    return build_candidates(a, params, tables, ResourceIndex(a, params), project_terms(a, params))


def dissolve_partial(p, r, k_need):
    """Projects needing k units keep their team only if it is complete."""
    cnt = np.bincount(p, minlength=len(k_need))
    ok = cnt[p] == k_need[p]
    return p[ok], r[ok]


def run_ours(a, params, seed, limits):
    from matching import solve_arrays

    plan = solve_arrays(a, params, seed=seed)
    info = {"engine_bound": int(plan.bound), "status": plan.status.value
            if hasattr(plan.status, "value") else str(plan.status),
            "pairs": int(plan.stats["pairs"]),
            "seconds_candidates": plan.stats["seconds_candidates"],
            "seconds_flow": plan.stats["seconds_flow"],
            "seconds_repair": plan.stats["seconds_repair"],
            "seconds_report": plan.stats["seconds_report"]}
    return plan.p, plan.r, info


def run_fcfs(a, params, seed, limits):
    """Projects in arrival order (longest waiting first); each takes the first resources in
    the directory (index order) that are eligible and still have room, from distinct units.
    Inherently sequential: one pass over the eligible pairs."""
    c = candidates(a, params)
    P = a.n_projects
    arrival = np.lexsort((np.arange(P), -a.p_waiting))
    rank = np.empty(P, np.int64)
    rank[arrival] = np.arange(P)
    o = np.lexsort((c.r, rank[c.p]))
    pl, rl = c.p[o].tolist(), c.r[o].tolist()
    cap = c.res.capacity.tolist()
    unit = a.r_unit.tolist()
    need = c.res.k_need.tolist()
    out_p, out_r = [], []
    i, n = 0, len(pl)
    while i < n:
        q = pl[i]
        j = i
        while j < n and pl[j] == q:
            j += 1
        team, units = [], set()
        for t in range(i, j):
            rr = rl[t]
            if cap[rr] != 0 and unit[rr] not in units:
                team.append(rr)
                units.add(unit[rr])
                if len(team) == need[q]:
                    break
        if len(team) == need[q]:
            for rr in team:
                if cap[rr] > 0:
                    cap[rr] -= 1
                out_p.append(q)
                out_r.append(rr)
        i = j
    return np.array(out_p, np.int64), np.array(out_r, np.int64), {"pairs": len(pl)}


def run_greedy(a, params, seed, limits):
    """Pairs by falling score; take a pair while its project and resource have room
    (distinct units per project); partial teams are dropped at the end."""
    c = candidates(a, params)
    o = np.lexsort((c.r, c.p, -c.score))
    pl, rl = c.p[o].tolist(), c.r[o].tolist()
    cap = c.res.capacity.tolist()
    need = c.res.k_need.tolist()
    unit = a.r_unit.tolist()
    multi = bool((c.res.k_need > 1).any())
    got = [0] * a.n_projects
    on = set()
    out_p, out_r = [], []
    for q, rr in zip(pl, rl, strict=True):
        if got[q] >= need[q] or cap[rr] == 0:
            continue
        if multi:
            key = (q, unit[rr])
            if key in on:
                continue
            on.add(key)
        got[q] += 1
        if cap[rr] > 0:
            cap[rr] -= 1
        out_p.append(q)
        out_r.append(rr)
    p, r = dissolve_partial(np.array(out_p, np.int64), np.array(out_r, np.int64), c.res.k_need)
    return p, r, {"pairs": len(pl)}


def run_lsa(a, params, seed, limits):
    """Each resource expanded into its capacity slots; maximise the total pair score with
    `linear_sum_assignment` (dense) or `min_weight_full_bipartite_matching` (sparse) when
    the dense matrix would not fit. The load-spreading term is not in this model (it is a
    per-unit convex cost no slot expansion of resources represents); the plan is scored
    with it afterwards like every other."""
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    c = candidates(a, params)
    if (c.res.k_need > 1).any():
        raise SkipMethod("assignment has no k > 1 form")
    deg = np.bincount(c.r, minlength=a.n_resources)
    cap = np.where(c.res.capacity >= 0, np.minimum(c.res.capacity, deg), deg)
    slot_start = np.r_[0, np.cumsum(cap)]
    S = int(slot_start[-1])
    rows, row_of = np.unique(c.p, return_inverse=True)
    n = len(rows)
    if n * S <= limits["lsa_dense_cells"]:
        m = np.zeros((n, S))
        k = cap[c.r]
        own = np.repeat(np.arange(len(c.p)), k)
        col = slot_start[c.r][own] + np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
        m[row_of[own], col] = c.score[own]
        ri, ci = linear_sum_assignment(m, maximize=True)
        keep = m[ri, ci] > 0
        ri, ci = ri[keep], ci[keep]
        variant = "dense"
    else:
        k = cap[c.r]
        own = np.repeat(np.arange(len(c.p)), k)
        col = slot_start[c.r][own] + np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
        big = float(c.score.max()) + 1.0
        # one private "stay open" column per project makes a full matching of rows exist;
        # costs big - score > 0, so the explicit-zero rule of sparse matrices never bites
        data = np.r_[big - c.score[own], np.full(n, big)]
        ii = np.r_[row_of[own], np.arange(n)]
        jj = np.r_[col, S + np.arange(n)]
        g = csr_matrix((data, (ii, jj)), shape=(n, S + n))
        ri, ci = min_weight_full_bipartite_matching(g)
        keep = ci < S
        ri, ci = ri[keep], ci[keep]
        variant = "sparse"
    res = np.searchsorted(slot_start, ci, side="right") - 1
    return rows[ri].astype(np.int64), res.astype(np.int64), {"variant": variant, "slots": S,
                                                             "edges": int(cap[c.r].sum())}
