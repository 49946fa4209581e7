"""k > 1: the priced bound, tighter than the flow relaxation.

The flow relaxation lets a project that needs k units take fewer. Pricing every
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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import NDArray

from ..params import Params
from ..rules import slot_cost


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
            val = np.zeros(0, np.int64)
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
            self.project_value = val
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
        if best_float - 1e-9 > L:
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
