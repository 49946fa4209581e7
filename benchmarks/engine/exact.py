"""The engine's own model handed to exact solvers: CP-SAT, and its LP relaxation by HiGHS.

Both optimise the engine's objective (pair scores less the unit load term as integer slot
runs), so CP-SAT's plan and the LP's bound compare directly with the engine's.
"""

from __future__ import annotations

import numpy as np

from .peers import SkipMethod, candidates


def slot_runs(a, params, c):
    """Unit slots with equal consecutive cost merged: (unit, run length, cost) per run,
    exactly the flow's load term, so LP and CP-SAT optimise the engine's objective."""
    from matching.rules import slot_cost, unit_nominal

    nominal = unit_nominal(a, params)
    deg = np.bincount(c.r, minlength=a.n_resources)
    cap = np.where(c.res.capacity >= 0, np.minimum(c.res.capacity, deg), deg)
    slots = np.bincount(a.r_unit, weights=cap, minlength=a.n_units).astype(np.int64)
    owner = np.repeat(np.arange(a.n_units), slots)
    j = np.arange(slots.sum()) - np.repeat(np.cumsum(slots) - slots, slots)
    sc = slot_cost(params, nominal[owner], j)
    new = np.ones(len(sc), bool)
    new[1:] = (owner[1:] != owner[:-1]) | (sc[1:] != sc[:-1])
    starts = np.flatnonzero(new)
    run = np.diff(np.append(starts, len(sc)))
    return owner[starts], run, sc[starts], cap


def run_cpsat(a, params, seed, limits):
    """The engine's model as a CP-SAT integer program: a Boolean per eligible pair, project
    and resource limits, distinct units for k > 1 (exactly k or none), and the unit load
    cost as integer slot runs. Time-limited; its own proven bound is reported too."""
    from ortools.sat.python import cp_model

    c = candidates(a, params)
    if len(a.fixed_p):
        raise SkipMethod("accepted claims are not modelled here")
    m = cp_model.CpModel()
    n = len(c.p)
    x = [m.new_bool_var("") for _ in range(n)]
    order = np.argsort(c.p, kind="stable")
    bounds = np.flatnonzero(np.r_[True, c.p[order][1:] != c.p[order][:-1], True])
    need = c.res.k_need
    for s, e in zip(bounds[:-1], bounds[1:], strict=True):
        idx = order[s:e]
        q = int(c.p[idx[0]])
        if need[q] == 1:
            m.add_at_most_one(x[i] for i in idx)
        else:
            z = m.new_bool_var("")
            m.add(sum(x[i] for i in idx) == int(need[q]) * z)
            units = a.r_unit[c.r[idx]]
            for u in np.unique(units):
                same = idx[units == u]
                if len(same) > 1:
                    m.add_at_most_one(x[i] for i in same)
    deg = np.bincount(c.r, minlength=a.n_resources)
    order = np.argsort(c.r, kind="stable")
    cuts = np.r_[0, np.cumsum(deg)]
    for rr in np.flatnonzero((c.res.capacity >= 0) & (c.res.capacity < deg)):
        m.add(sum(x[i] for i in order[cuts[rr]:cuts[rr + 1]]) <= int(c.res.capacity[rr]))
    run_unit, run_len, run_cost, _ = slot_runs(a, params, c)
    y = [m.new_int_var(0, int(L), "") for L in run_len]
    pu = a.r_unit[c.r]
    order = np.argsort(pu, kind="stable")
    ucount = np.bincount(pu, minlength=a.n_units)
    ucuts = np.r_[0, np.cumsum(ucount)]
    rorder = np.argsort(run_unit, kind="stable")
    rcount = np.bincount(run_unit, minlength=a.n_units)
    rcuts = np.r_[0, np.cumsum(rcount)]
    for u in np.flatnonzero(ucount):
        m.add(sum(x[i] for i in order[ucuts[u]:ucuts[u + 1]])
              == sum(y[j] for j in rorder[rcuts[u]:rcuts[u + 1]]))
    m.maximize(cp_model.LinearExpr.weighted_sum(x, c.score.tolist())
               - cp_model.LinearExpr.weighted_sum(y, run_cost.tolist()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limits["cpsat_seconds"]
    solver.parameters.num_workers = limits["cpsat_workers"]
    solver.parameters.random_seed = seed
    st = solver.solve(m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SkipMethod(f"CP-SAT found no solution ({solver.status_name(st)})")
    chosen = np.array([solver.boolean_value(v) for v in x], bool)
    return c.p[chosen], c.r[chosen], {"status": solver.status_name(st),
                                      "cpsat_bound": float(solver.best_objective_bound),
                                      "cpsat_objective": float(solver.objective_value),
                                      "pairs": n}


def _coo(entries):
    """(rows, columns, values) blocks as the ``(data, (row, col))`` a sparse matrix is built from."""
    rows, cols, vals = zip(*entries, strict=True)
    return np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))


def run_lp(a, params, seed, limits):
    """LP relaxation of the same model on the candidate pairs, solved by HiGHS. With k = 1
    and count capacities the constraint matrix is a network matrix, so this equals the flow
    optimum; with k > 1 (x = k z per project, one pair per unit) it is tighter than the flow
    relaxation but looser than the engine's priced bound, which the table then uses."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    c = candidates(a, params)
    n = len(c.p)
    run_unit, run_len, run_cost, cap = slot_runs(a, params, c)
    nr = len(run_len)
    need = c.res.k_need
    projs, prow = np.unique(c.p, return_inverse=True)
    multi = need[projs] > 1
    mp_idx = np.flatnonzero(multi)
    nz = len(mp_idx)
    zcol = np.full(len(projs), -1)
    zcol[mp_idx] = n + nr + np.arange(nz)
    nvar = n + nr + nz
    # the constraint matrices block by block: (rows, columns, values) of each block's entries
    ub_entries, ub_rhs = [], []
    eq_entries, eq_rhs = [], []
    row = 0
    # single-unit projects: at most one pair
    single = ~multi[prow]
    ub_entries.append((prow[single], np.flatnonzero(single), np.ones(single.sum())))
    ub_rhs.append(np.ones(len(projs)))
    row += len(projs)
    # resources: at most capacity
    ub_entries.append((row + c.r, np.arange(n), np.ones(n)))
    ub_rhs.append(cap.astype(float))
    row += a.n_resources
    # units: pairs <= slots taken
    ub_entries.append((row + a.r_unit[c.r], np.arange(n), np.ones(n)))
    ub_entries.append((row + run_unit, n + np.arange(nr), -np.ones(nr)))
    ub_rhs.append(np.zeros(a.n_units))
    row += a.n_units
    if nz:
        # project p with k > 1: sum of its pairs = k z_p; one pair per (project, unit)
        mpair = np.flatnonzero(~single)
        eq_entries.append((np.searchsorted(mp_idx, prow[mpair]), mpair, np.ones(len(mpair))))
        eq_entries.append((np.arange(nz), n + nr + np.arange(nz), -need[projs[mp_idx]].astype(float)))
        eq_rhs.append(np.zeros(nz))
        keys = c.p[mpair].astype(np.int64) * a.n_units + a.r_unit[c.r[mpair]]
        uk, inv = np.unique(keys, return_inverse=True)
        ub_entries.append((row + inv, mpair, np.ones(len(mpair))))
        ub_rhs.append(np.ones(len(uk)))
        row += len(uk)
    A_ub = csr_matrix(_coo(ub_entries), shape=(row, nvar))
    kw = {}
    if nz:
        kw = dict(A_eq=csr_matrix(_coo(eq_entries), shape=(nz, nvar)), b_eq=np.concatenate(eq_rhs))
    cost = np.concatenate([-c.score.astype(float), run_cost.astype(float), np.zeros(nz)])
    ub = np.concatenate([np.ones(n), run_len.astype(float), np.ones(nz)])
    res = linprog(cost, A_ub=A_ub, b_ub=np.concatenate(ub_rhs), bounds=np.c_[np.zeros(nvar), ub],
                  method="highs", **kw)
    if res.status != 0:
        raise SkipMethod(f"HiGHS: {res.message}")
    return None, None, {"lp_bound": float(-res.fun), "pairs": n, "rows": row}
