"""k > 1: the exact MIP on one neighbourhood of units, the rest of the plan fixed.

Built with OR-Tools' model builder and solved by HiGHS: one 0-1 variable per pair, a team
variable ``z_p`` per all-or-none project (``x_pu <= z_p``, one place per unit), each unit's
extra load priced in runs of slots of equal cost. The LP is tried first; when it is integral
it is the MIP's optimum, otherwise the MIP runs on a node limit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..params import Params
from ..rules import slot_cost


def _solve_hood(mbh: Any, fx: NDArray[Any], p: NDArray[Any], r: NDArray[Any],
                u_of: NDArray[np.int64], score: NDArray[Any], k_need: NDArray[Any],
                strong: NDArray[np.bool_], room: NDArray[Any], hu: NDArray[np.int64],
                load0: NDArray[Any], nominal: NDArray[Any], params: Params, node_limit: int,
                seconds: float) -> NDArray[np.bool_] | None:
    """The exact MIP on one neighbourhood; the new choice of the pairs ``fx``, or None."""
    m = mbh.ModelBuilderHelper()
    nx = len(fx)
    pp, rr, uu = p[fx], r[fx], u_of[fx]
    x = m.add_var_array_with_bounds(np.zeros(nx), np.ones(nx), np.ones(nx, bool), "x")
    obj_idx, obj_val = x.tolist(), score[fx].astype(np.float64).tolist()
    zs: list[int] = []
    # project rows
    projs, pstart = np.unique(pp, return_index=True)
    pend = np.append(pstart[1:], nx)
    for q, s0, e0 in zip(projs.tolist(), pstart.tolist(), pend.tolist(), strict=True):
        k = int(k_need[q])
        ct = m.add_linear_constraint()
        if k == 1 or not strong[q]:
            m.set_constraint_lower_bound(ct, 0.0)
            m.set_constraint_upper_bound(ct, float(k))
            for i in range(s0, e0):
                m.set_constraint_coefficient(ct, int(x[i]), 1.0)
            if k > 1:
                _group_rows(m, x, uu, s0, e0, None)
            continue
        if len(np.unique(uu[s0:e0])) < k:
            m.set_constraint_lower_bound(ct, 0.0)
            m.set_constraint_upper_bound(ct, 0.0)
            for i in range(s0, e0):
                m.set_constraint_coefficient(ct, int(x[i]), 1.0)
            continue
        z = int(m.add_var_array_with_bounds(np.zeros(1), np.ones(1), np.ones(1, bool), "z")[0])
        zs.append(z)
        m.set_constraint_lower_bound(ct, 0.0)
        m.set_constraint_upper_bound(ct, 0.0)
        for i in range(s0, e0):
            m.set_constraint_coefficient(ct, int(x[i]), 1.0)
        m.set_constraint_coefficient(ct, z, -float(k))
        _group_rows(m, x, uu, s0, e0, z)
    # resource rows
    order = np.argsort(rr, kind="stable")
    rs_, rstart = np.unique(rr[order], return_index=True)
    rend = np.append(rstart[1:], nx)
    for res_i, s0, e0 in zip(rs_.tolist(), rstart.tolist(), rend.tolist(), strict=True):
        if e0 - s0 <= room[res_i]:
            continue
        ct = m.add_linear_constraint()
        m.set_constraint_lower_bound(ct, 0.0)
        m.set_constraint_upper_bound(ct, float(max(room[res_i], 0)))
        for i in order[s0:e0].tolist():
            m.set_constraint_coefficient(ct, int(x[i]), 1.0)
    # unit rows: places = slots taken, slots priced in runs of equal cost
    for u in hu.tolist():
        on_u = np.flatnonzero(uu == u)
        if len(on_u) == 0:
            continue
        j = np.arange(len(on_u), dtype=np.int64) + load0[u]
        c = slot_cost(params, np.full(len(on_u), nominal[u]), j)
        newc = np.r_[True, c[1:] != c[:-1]]
        starts = np.flatnonzero(newc)
        runs = np.diff(np.append(starts, len(c)))
        y = m.add_var_array_with_bounds(np.zeros(len(runs)), runs.astype(np.float64),
                                        np.zeros(len(runs), bool), "y")
        obj_idx += y.tolist()
        obj_val += (-c[starts].astype(np.float64)).tolist()
        ct = m.add_linear_constraint()
        m.set_constraint_lower_bound(ct, -np.inf)
        m.set_constraint_upper_bound(ct, 0.0)
        for i in on_u.tolist():
            m.set_constraint_coefficient(ct, int(x[i]), 1.0)
        for v in y.tolist():
            m.set_constraint_coefficient(ct, int(v), -1.0)
    m.set_objective_coefficients(obj_idx, obj_val)
    m.set_maximize(True)
    # the neighbourhood's LP is usually integral already: then it is the MIP's optimum
    ints = x.tolist() + zs
    for v in range(m.num_variables()):
        m.set_var_integrality(v, False)
    lp = mbh.ModelSolverHelper("highs")
    lp.set_solver_specific_parameters("output_flag = false\nthreads = 1\npresolve = off\n")
    lp.solve(m)
    if lp.has_solution():
        xv: NDArray[np.float64] = lp.variable_values()[x]
        if np.all(np.abs(xv - np.round(xv)) <= 1e-6):
            return xv > 0.5
    for v in ints:
        m.set_var_integrality(v, True)
    solver = mbh.ModelSolverHelper("highs")
    solver.set_solver_specific_parameters(
        f"output_flag = false\nthreads = 1\nmip_max_nodes = {node_limit}\nmip_rel_gap = 1e-4\n")
    solver.set_time_limit_in_seconds(seconds)
    solver.solve(m)
    if not solver.has_solution():
        return None
    vals: NDArray[np.float64] = solver.variable_values()[x]
    return vals > 0.5


def _group_rows(m: Any, x: NDArray[Any], uu: NDArray[Any], s0: int, e0: int, z: int | None
                ) -> None:
    """One place per unit on a project; tied to the team variable when there is one."""
    seg = uu[s0:e0]
    order = np.argsort(seg, kind="stable")
    us, st = np.unique(seg[order], return_index=True)
    en = np.append(st[1:], len(seg))
    for a0, b0 in zip(st.tolist(), en.tolist(), strict=True):
        if b0 - a0 == 1 and z is None:
            continue
        ct = m.add_linear_constraint()
        m.set_constraint_lower_bound(ct, -np.inf)
        m.set_constraint_upper_bound(ct, 0.0 if z is not None else 1.0)
        for i in order[a0:b0].tolist():
            m.set_constraint_coefficient(ct, int(x[s0 + i]), 1.0)
        if z is not None:
            m.set_constraint_coefficient(ct, z, -1.0)
