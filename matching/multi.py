"""k > 1: a tighter bound than the flow relaxation, and an exact neighbourhood search.

**Bound.** The flow relaxation lets a project that needs k units take fewer. Pricing every
resource's capacity (``pi_r >= 0``) and every unit's load (``mu_u``) instead splits the
problem into one small problem per project, which can be solved *exactly*: the k best
distinct units at their reduced scores ``score - pi_r - mu_u``, all or none. For any prices

    L(pi, mu) = sum_r pi_r cap_r + sum_u sum_j max(0, mu_u - slot_cost_uj) + sum_p best_p

is an upper bound on every plan (a plan's load cost is convex, so ``mu_u n - g_u(n)`` never
exceeds the slot sum). At the flow's own dual prices, with "up to k" per project, L equals the
flow bound; with "exactly k or none" it is lower wherever the relaxation kept a team short.
A few subgradient steps from there move the prices towards the best such bound, which is the
LP with ``x_pu <= z_p`` (one place per unit, scaled by the team's share), much tighter than
the flow. The bound is evaluated at integer prices in integer arithmetic, so it is exact.

**Plan.** The repair leaves a few teams and their neighbours sub-optimal. Where the bound's
complementary slackness fails (a project or resource earns less in the plan than its price
says it could), a neighbourhood of units is opened and re-planned exactly as a MIP
(HiGHS through OR-Tools' model builder) with everything outside it fixed; a better plan
replaces the old one. Neighbourhoods are visited in a fixed order and the MIP stops on a
node limit, so the same input gives the same plan; wall-clock limits are only a guard.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import NDArray

from .params import Params
from .rules import slot_cost


@dataclass(frozen=True, eq=False)
class Priced:
    """The bound L at integer prices and where it says the plan loses."""

    bound: int  # scaled, L(pi, mu) at the returned prices
    rho: NDArray[np.int64]  # per resource: pi_r + mu_u, what a pair pays there
    mu: NDArray[np.int64]  # per unit
    best: NDArray[np.int64]  # per project: its best team's reduced score at these prices
    iterations: int


class _Lagrangian:
    """Evaluates L(pi, mu) and a subgradient; the pair layout is fixed once."""

    def __init__(self, p: NDArray[Any], r: NDArray[Any], score: NDArray[Any], k: NDArray[Any],
                 strong: NDArray[np.bool_], capacity: NDArray[Any], r_unit: NDArray[Any],
                 nominal: NDArray[Any], offset: NDArray[Any], params: Params,
                 prefer: NDArray[np.bool_]) -> None:
        R, U = len(capacity), len(nominal)
        self.R, self.U, self.P = R, U, len(k)
        u = r_unit[r].astype(np.int64)
        o = np.lexsort((r, u, p))
        self.p, self.r, self.u = p[o], r[o], u[o]
        self.s = score[o].astype(np.float64)
        self.prefer = prefer[o].astype(np.float64)
        n = len(o)
        newg = np.r_[True, (self.p[1:] != self.p[:-1]) | (self.u[1:] != self.u[:-1])] if n else np.zeros(0, bool)
        self.gstart = np.flatnonzero(newg)
        self.gid = np.cumsum(newg) - 1
        self.gp = self.p[self.gstart]
        newp = np.r_[True, self.gp[1:] != self.gp[:-1]] if len(self.gp) else np.zeros(0, bool)
        self.pstart = np.flatnonzero(newp)
        self.pg = np.cumsum(newp) - 1  # project slot of each group
        self.proj = self.gp[self.pstart]
        self.k = k[self.proj]
        self.strong = strong[self.proj]
        self.ngroups = np.diff(np.append(self.pstart, len(self.gp)))
        deg = np.bincount(r, minlength=R)
        self.capr = np.where(capacity >= 0, np.minimum(capacity, deg), deg).astype(np.int64)
        self.limited = capacity >= 0
        self.r_unit = r_unit.astype(np.int64)
        slots = np.bincount(r_unit, weights=self.capr, minlength=U).astype(np.int64)
        self.owner = np.repeat(np.arange(U), slots)
        j = np.arange(slots.sum()) - np.repeat(np.cumsum(slots) - slots, slots)
        self.c = slot_cost(params, nominal[self.owner], offset[self.owner] + j)
        self.cf = self.c.astype(np.float64)
        # projects needing more than two units are rare: sorted the slow way
        self.wide = np.flatnonzero(self.k > 2)

    @overload
    def evaluate(self, rho: NDArray[Any], mu: NDArray[Any], exact: Literal[False] = False
                 ) -> tuple[float, NDArray[Any], tuple[NDArray[Any], NDArray[Any], NDArray[Any]]]:
        ...

    @overload
    def evaluate(self, rho: NDArray[Any], mu: NDArray[Any], exact: Literal[True]
                 ) -> tuple[int, None, None]:
        ...

    def evaluate(self, rho: NDArray[Any], mu: NDArray[Any], exact: bool = False
                 ) -> tuple[float, NDArray[Any] | None,
                            tuple[NDArray[Any], NDArray[Any], NDArray[Any]] | None]:
        """L and the chosen pairs' use of resources and units; float, or int64 if exact."""
        dt = np.int64 if exact else np.float64
        s = self.s.astype(dt) if exact else self.s
        rs = s - rho.astype(dt)[self.r]
        # ties go to the pairs the relaxation used, so the subgradient is zero where it is
        # already integral
        sel = rs + 1e-6 * self.prefer if not exact else rs.astype(np.float64) + 1e-6 * self.prefer
        G = len(self.gstart)
        if G == 0:
            best_total = dt(0)
            chosen = np.zeros(0, np.int64)
        else:
            gsel = np.maximum.reduceat(sel, self.gstart)
            hit = np.flatnonzero(sel == gsel[self.gid])
            first = hit[np.r_[True, self.gid[hit][1:] != self.gid[hit][:-1]]]
            gval = rs[first]
            # best and second-best group per project
            m1 = np.maximum.reduceat(gsel, self.pstart)
            h1 = np.flatnonzero(gsel == m1[self.pg])
            g1 = h1[np.r_[True, self.pg[h1][1:] != self.pg[h1][:-1]]]
            g2sel = gsel.copy()
            g2sel[g1] = -np.inf
            m2 = np.maximum.reduceat(g2sel, self.pstart)
            h2 = np.flatnonzero((g2sel == m2[self.pg]) & np.isfinite(m2[self.pg]))
            g2 = np.full(len(self.pstart), -1, np.int64)
            if len(h2):
                f2 = h2[np.r_[True, self.pg[h2][1:] != self.pg[h2][:-1]]]
                g2[self.pg[f2]] = f2
            v1 = gval[g1]
            v2 = np.where(g2 >= 0, gval[np.maximum(g2, 0)], 0)
            zero = dt(0)
            one = self.k == 1
            two = self.k == 2
            val = np.zeros(len(self.pstart), dt)
            take1 = np.zeros(len(self.pstart), bool)
            take2 = np.zeros(len(self.pstart), bool)
            # k = 1
            t = one & (v1 > 0)
            val[t], take1[t] = v1[t], True
            # k = 2, all or none
            st = two & self.strong & (g2 >= 0) & (v1 + v2 > 0)
            val[st] = (v1 + v2)[st]
            take1[st] = take2[st] = True
            # k = 2, up to 2 (a project with accepted claims may stay short)
            wk = two & ~self.strong
            t = wk & (v1 > 0)
            val[t] += v1[t]
            take1[t] = True
            t = wk & (g2 >= 0) & (v2 > 0)
            val[t] += v2[t]
            take2[t] = True
            pick = [first[g1[take1]], first[g2[take2]]]
            for q in self.wide.tolist():
                gs = np.arange(self.pstart[q], self.pstart[q] + self.ngroups[q])
                order = gs[np.argsort(-gsel[gs], kind="stable")]
                kq = int(self.k[q])
                top = order[:kq]
                v = gval[top]
                if self.strong[q]:
                    ok = len(top) == kq and v.sum() > 0
                    val[q] = v.sum() if ok else zero
                    if ok:
                        pick.append(first[top])
                else:
                    val[q] = v[v > 0].sum()
                    pick.append(first[top[v > 0]])
            chosen = np.concatenate(pick)
            best_total = val.sum()
        pi = rho.astype(dt) - mu.astype(dt)[self.r_unit]
        t1 = (pi * self.capr).sum()
        muo = mu.astype(dt)[self.owner]
        t2 = np.maximum(muo - (self.c if exact else self.cf), 0).sum()
        L = t1 + t2 + best_total
        if exact:
            self.project_value = val if G else np.zeros(0, np.int64)
            return int(L), None, None
        use_r = np.bincount(self.r[chosen], minlength=self.R)
        use_u = np.bincount(self.u[chosen], minlength=self.U)
        below = np.bincount(self.owner, weights=muo > self.cf, minlength=self.U)
        atmost = np.bincount(self.owner, weights=muo >= self.cf, minlength=self.U)
        return float(L), use_r, (use_u, below, atmost)


def lagrangian_bound(p: NDArray[Any], r: NDArray[Any], score: NDArray[Any], *,
                     k_need: NDArray[Any], strong: NDArray[np.bool_], capacity: NDArray[Any],
                     r_unit: NDArray[Any], nominal: NDArray[Any], offset: NDArray[Any],
                     params: Params, rho0: NDArray[Any], mu0: NDArray[Any],
                     flow_chosen: NDArray[np.bool_], target: int, iterations: int) -> Priced:
    """The bound L (module docstring) over the given pairs, from the flow's dual prices
    ``rho0`` (per resource) and ``mu0`` (per unit), improved by ``iterations`` subgradient
    steps aimed at ``target`` (a plan's value); returns the best bound at integer prices.

    ``strong`` marks projects that must get all ``k_need`` units or none; the others may
    stay short. Deterministic: the steps depend only on the input.
    """
    lg = _Lagrangian(p, r, score, k_need, strong, capacity, r_unit, nominal, offset, params,
                     flow_chosen)
    mu = mu0.astype(np.float64)
    pi = np.maximum(rho0 - mu0[lg.r_unit], 0).astype(np.float64)
    pi[~lg.limited] = 0.0
    flow_u = np.bincount(r_unit[r[flow_chosen]], minlength=lg.U)
    best_rho = (pi + mu[lg.r_unit]).round().astype(np.int64)
    best_mu = mu.round().astype(np.int64)
    best = lg.evaluate(best_rho, best_mu, exact=True)[0]
    best_p = lg.project_value
    theta, stall, done = 1.0, 0, 0
    best_float = np.inf
    keep_pi = keep_mu = None
    for it in range(iterations):
        L, use_r, (use_u, below, atmost) = lg.evaluate(pi + mu[lg.r_unit], mu)
        done = it + 1
        if L < best_float - 1e-9:
            best_float, stall = L, 0
            keep_pi, keep_mu = pi, mu
        else:
            stall += 1
            if stall >= 3:
                theta *= 0.5
                stall = 0
        y = np.clip(flow_u, below, atmost)
        g_pi = np.where(lg.limited, lg.capr - use_r, 0).astype(np.float64)
        g_pi[(pi <= 0) & (g_pi > 0)] = 0.0  # projected: pi stays >= 0
        g_mu = (y - use_u).astype(np.float64)
        norm = float(g_pi @ g_pi + g_mu @ g_mu)
        if norm == 0.0:
            break
        step = theta * max(L - target, 1.0) / norm
        pi = np.maximum(pi - step * g_pi, 0.0)
        mu = mu - step * g_mu
    if keep_pi is not None and keep_mu is not None:
        cand_rho = (keep_pi + keep_mu[lg.r_unit]).round().astype(np.int64)
        cand_mu = keep_mu.round().astype(np.int64)
        exact = lg.evaluate(cand_rho, cand_mu, exact=True)[0]
        if exact < best:
            best, best_rho, best_mu, best_p = exact, cand_rho, cand_mu, lg.project_value
    per_project = np.zeros(len(k_need), np.int64)
    per_project[lg.proj] = best_p
    return Priced(bound=best, rho=best_rho, mu=best_mu, best=per_project, iterations=done)


@dataclass(frozen=True, eq=False)
class Polished:
    chosen: NDArray[np.bool_]  # per pair
    gain: int  # scaled improvement over the plan passed in
    neighbourhoods: int
    improved: int


def _csr(key: NDArray[Any], n: int) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    order = np.argsort(key, kind="stable")
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(key, minlength=n), out=ptr[1:])
    return order, ptr


def polish(p: NDArray[Any], r: NDArray[Any], score: NDArray[Any], chosen: NDArray[np.bool_], *,
           k_need: NDArray[Any], strong: NDArray[np.bool_], capacity: NDArray[Any],
           r_unit: NDArray[Any], nominal: NDArray[Any], offset: NDArray[Any], params: Params,
           rho: NDArray[np.int64], mu: NDArray[np.int64], best: NDArray[np.int64],
           max_units: int, max_neighbourhoods: int, node_limit: int, seconds: float,
           margin: int, min_loss: int = 0) -> Polished:
    """Re-plan neighbourhoods of units exactly, where the priced bound says the plan loses.

    Each project's loss is what it could earn at the prices ``rho`` / ``mu`` (``best``, the
    best team of reduced scores) minus what it earns in the plan. From the project with the largest loss,
    a neighbourhood of up to ``max_units`` units is grown from its candidates and those of
    the losing projects that share them; every project whose assignment lies inside (or
    that is unassigned) is re-planned there by a MIP with the rest of the plan fixed. The
    MIP keeps one place per unit tied to the team (``x_pu <= z_p``), so its LP is nearly
    integral and HiGHS closes it in few nodes. ``seconds`` is a wall-clock guard only.
    """
    from ortools.linear_solver.python import model_builder_helper as mbh

    start = time.perf_counter()
    chosen = chosen.copy()
    P, R, U = len(k_need), len(capacity), len(nominal)
    n = len(p)
    if n == 0:
        return Polished(chosen, 0, 0, 0)
    u_of = r_unit[r].astype(np.int64)
    rs = score.astype(np.int64) - rho[r]
    # each project's loss at these prices: best team (``best``, from the bound) minus what
    # the plan gives it
    held = np.bincount(p[chosen], weights=rs[chosen], minlength=P).astype(np.int64)
    loss = best - held
    seeds = np.flatnonzero(loss > min_loss)
    seeds = seeds[np.lexsort((seeds, -loss[seeds]))]
    by_p, p_ptr = _csr(p, P)
    by_u, u_ptr = _csr(u_of, U)
    covered = np.zeros(P, bool)
    free_mask = np.zeros(P, bool)
    in_hood = np.zeros(U, bool)
    capr = np.where(capacity >= 0, capacity, n).astype(np.int64)
    gain_total, hoods, improved = 0, 0, 0
    for seed in seeds.tolist():
        if hoods >= max_neighbourhoods or time.perf_counter() - start > seconds:
            break
        if covered[seed]:
            continue
        # grow: the seed's candidate units (best reduced score first), then those of other
        # losing projects met there
        units: list[int] = []
        queue = [seed]
        seen_p = {seed}
        head = 0
        while head < len(queue) and len(units) < max_units:
            q = queue[head]
            head += 1
            pi = by_p[p_ptr[q]:p_ptr[q + 1]]
            added = []
            for i in pi[np.argsort(-rs[pi], kind="stable")].tolist():
                uu = int(u_of[i])
                if not in_hood[uu]:
                    in_hood[uu] = True
                    units.append(uu)
                    added.append(uu)
                    if len(units) >= max_units:
                        break
            if len(units) >= max_units:
                break
            for uu in added:
                on_u = p[by_u[u_ptr[uu]:u_ptr[uu + 1]]]
                for qq in np.unique(on_u[(loss[on_u] > 0) & ~covered[on_u]]).tolist():
                    if qq not in seen_p:
                        seen_p.add(qq)
                        queue.append(qq)
        hu = np.array(units, np.int64)
        in_hood[hu] = False
        hood = np.zeros(U, bool)
        hood[hu] = True
        pairs_in = np.concatenate([by_u[u_ptr[uu]:u_ptr[uu + 1]] for uu in units])
        touch = np.unique(p[pairs_in])
        # free projects: every place they hold lies inside
        held_out = np.zeros(len(touch), bool)
        tp = np.concatenate([by_p[p_ptr[q]:p_ptr[q + 1]] for q in touch.tolist()])
        out = tp[chosen[tp] & ~hood[u_of[tp]]]
        held_out[np.searchsorted(touch, p[out])] = True
        free = touch[~held_out]
        free_mask[free] = True
        covered[free[loss[free] > 0]] = True
        covered[seed] = True
        is_free = free_mask[p[pairs_in]]
        free_mask[free] = False
        fx = pairs_in[is_free]
        # pairs far below their price cannot pay for a change; the plan's own always stay
        fx = fx[(rs[fx] >= -margin) | chosen[fx]]
        fx = fx[np.lexsort((r[fx], p[fx]))]
        hoods += 1
        if len(fx) == 0:
            continue
        # what the fixed part of the plan leaves inside
        fixed_in = pairs_in[chosen[pairs_in] & ~is_free]
        room = capr - np.bincount(r[fixed_in], minlength=R)
        load0 = offset + np.bincount(u_of[fixed_in], minlength=U)
        cur = chosen[fx]
        cur_units = np.bincount(u_of[fx[cur]], minlength=U)[hu]
        cur_value = int(score[fx[cur]].sum()) - _load(params, nominal[hu], load0[hu], cur_units)
        new = _solve_hood(mbh, fx, p, r, u_of, score, k_need, strong, room, hu, load0, nominal,
                          params, node_limit, max(0.05, seconds - (time.perf_counter() - start)))
        if new is None:
            continue
        new_units = np.bincount(u_of[fx[new]], minlength=U)[hu]
        new_value = int(score[fx[new]].sum()) - _load(params, nominal[hu], load0[hu], new_units)
        if new_value > cur_value:
            chosen[fx] = new
            gain_total += new_value - cur_value
            improved += 1
    return Polished(chosen, gain_total, hoods, improved)


def _load(params: Params, nominal: NDArray[Any], start: NDArray[Any], count: NDArray[Any]
          ) -> int:
    """Load cost of ``count`` more slots on units that already used ``start``."""
    total = 0
    for nom, s0, c in zip(nominal.tolist(), start.tolist(), count.tolist()):
        if c:
            j = np.arange(s0, s0 + c, dtype=np.int64)
            total += int(slot_cost(params, np.full(c, nom), j).sum())
    return total


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
    for q, s0, e0 in zip(projs.tolist(), pstart.tolist(), pend.tolist()):
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
    for res_i, s0, e0 in zip(rs_.tolist(), rstart.tolist(), rend.tolist()):
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
    for a0, b0 in zip(st.tolist(), en.tolist()):
        if b0 - a0 == 1 and z is None:
            continue
        ct = m.add_linear_constraint()
        m.set_constraint_lower_bound(ct, -np.inf)
        m.set_constraint_upper_bound(ct, 0.0 if z is not None else 1.0)
        for i in order[a0:b0].tolist():
            m.set_constraint_coefficient(ct, int(x[s0 + i]), 1.0)
        if z is not None:
            m.set_constraint_coefficient(ct, z, -1.0)
