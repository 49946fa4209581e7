"""Search on dense unit x job matrices: the repair of relaxed solutions into plans, shift and
swap local search, and the tabu search that the multi-exchange search
(:mod:`matching.gap.exchange`) replaces on small enough components."""

from __future__ import annotations

import math

import numpy as np

from .budgets import _MAX_SWAP_JOBS, _TABU_ROWS
from .problem import Floats, Ints, _Problem


class _Dense:
    """Dense agent x job views for move evaluation; missing pairs have profit -inf."""

    def __init__(self, pb: _Problem) -> None:
        self.pb = pb
        self.P = np.full((pb.m, pb.n), -np.inf)
        self.W = np.full((pb.m, pb.n), np.iinfo(np.int64).max // 4, dtype=np.int64)
        self.P[pb.agent, pb.job] = pb.profit
        self.W[pb.agent, pb.job] = pb.weight
        self.pair = np.full((pb.m, pb.n), -1, dtype=np.int64)
        self.pair[pb.agent, pb.job] = np.arange(pb.profit.size)

    def value(self, assign: Ints) -> float:
        placed = assign >= 0
        return float(self.P[assign[placed], np.nonzero(placed)[0]].sum())

    def load(self, assign: Ints) -> Ints:
        placed = np.nonzero(assign >= 0)[0]
        return np.bincount(assign[placed], weights=self.W[assign[placed], placed],
                           minlength=self.pb.m).astype(np.int64)

    def repair(self, x: Floats, guide: Floats) -> Ints:
        """Turn a Lagrangian solution into a feasible assignment.

        A job kept by several knapsacks stays where it earns most; jobs kept by none are placed
        in order of regret (best minus second-best feasible profit), so the jobs with the fewest
        good options go first.
        """
        pb = self.pb
        assign = np.full(pb.n, -1, dtype=np.int64)
        chosen = np.nonzero(x > 0.5)[0]
        if chosen.size:
            order = chosen[np.lexsort((-pb.profit[chosen], pb.job[chosen]))]
            firsts = order[np.r_[True, pb.job[order][1:] != pb.job[order][:-1]]]
            assign[pb.job[firsts]] = pb.agent[firsts]
        load = self.load(assign)
        residual = self.pb.cap - load
        # Placing by the guide (profit less the multiplier) respects what the relaxation learnt.
        # One pass in regret order is enough: residual hours only shrink, so a job that fits
        # nowhere at its turn never fits later.
        free = np.nonzero(assign < 0)[0]
        if free.size == 0:
            return assign
        score = np.where(self.W[:, free] <= residual[:, None], guide[:, free], -np.inf)
        if not pb.must:
            score = np.where(self.P[:, free] > 0, score, -np.inf)
        best = score.max(axis=0)
        second = np.partition(score, -2, axis=0)[-2] if pb.m > 1 else np.full(free.size, -np.inf)
        finite = np.isfinite(second)
        regret = np.full(free.size, np.inf)
        regret[finite] = best[finite] - second[finite]
        order = np.lexsort((free, -regret))
        for k in order:
            if not np.isfinite(best[k]):
                continue
            j = int(free[k])
            col = np.where(self.W[:, j] <= residual, guide[:, j], -np.inf)
            if not pb.must:
                col = np.where(self.P[:, j] > 0, col, -np.inf)
            a = int(np.argmax(col))
            if not np.isfinite(col[a]):
                continue
            assign[j] = a
            residual[a] -= self.W[a, j]
        return assign

    def local_search(self, assign: Ints, max_moves: int, max_work: float) -> Ints:
        """Best-improvement shift moves, then swaps when no shift helps.

        Stops on a count of evaluated moves so that the outcome does not depend on speed.
        """
        pb = self.pb
        P, W = self.P, self.W
        assign = assign.copy()
        load = self.load(assign)
        jobs = np.arange(pb.n)
        moves = 0
        work = 0
        unplaced_value = -1e18 if pb.must else 0.0
        while moves < max_moves and work < max_work:
            moves += 1
            work += pb.m * pb.n
            placed = assign >= 0
            cur = np.where(placed, P[np.maximum(assign, 0), jobs], unplaced_value)
            own_w = np.where(placed, W[np.maximum(assign, 0), jobs], 0)
            fits = load[:, None] + W <= pb.cap[:, None]
            fits[assign[placed], jobs[placed]] = False
            gain = np.where(fits, P - cur[None, :], -np.inf)
            if not pb.must:
                # Dropping a job is a shift to "nowhere"; never improving with positive profits.
                pass
            k = int(np.argmax(gain))
            a, j = divmod(k, pb.n)
            if gain[a, j] > 1e-9:
                if assign[j] >= 0:
                    load[assign[j]] -= own_w[j]
                assign[j] = a
                load[a] += W[a, j]
                continue
            if pb.n > _MAX_SWAP_JOBS:
                break
            pj = np.nonzero(placed)[0]
            if pj.size < 2:
                break
            work += pj.size * pj.size
            pa = assign[pj]
            # Swap j1 (at a1) with j2 (at a2): row index j1, column index j2.
            p_new = P[pa[None, :], pj[:, None]] + P[pa[:, None], pj[None, :]]
            gain2 = p_new - cur[pj][:, None] - cur[pj][None, :]
            w1_new = W[pa[:, None], pj[None, :]]  # j2 moving into a1
            ok1 = load[pa][:, None] - own_w[pj][:, None] + w1_new <= pb.cap[pa][:, None]
            w2_new = W[pa[None, :], pj[:, None]]  # j1 moving into a2
            ok2 = load[pa][None, :] - own_w[pj][None, :] + w2_new <= pb.cap[pa][None, :]
            gain2 = np.where(ok1 & ok2 & (pa[:, None] != pa[None, :]), gain2, -np.inf)
            k = int(np.argmax(gain2))
            r, c = divmod(k, pj.size)
            if not gain2[r, c] > 1e-9:
                break
            j1, j2 = pj[r], pj[c]
            a1, a2 = assign[j1], assign[j2]
            load[a1] += W[a1, j2] - W[a1, j1]
            load[a2] += W[a2, j1] - W[a2, j2]
            assign[j1], assign[j2] = a2, a1
        return assign

    def tabu_search(self, assign: Ints, max_iter: int, seed: int, grow: float = 1.05,
                    tenure: int | None = None, patience: int = 1000,
                    kick: int | None = None) -> Ints | None:
        """Tabu search over shift, swap and two-step ejection-chain moves, allowed through
        over-budget plans at an adaptive price per unit of excess hours.

        On tight budgets (OR-Library type d) every improving change is a chain through
        several units, and the plans in between are over budget; pricing the excess per unit,
        raising the price of units that stay over and lowering all prices while the plan is
        within budget, makes the search oscillate around the budget boundary. ``assign`` may
        be over budget or incomplete. Returns the best within-budget (and, with
        ``must_assign``, complete) plan seen, or ``None``; a fixed iteration count keeps it
        reproducible.

        ``grow`` is the price factor per iteration, ``tenure`` the base number of iterations a
        job may not return to the unit it left, ``patience`` the iterations without a new best
        before a restart from the best plan with ``kick`` jobs moved at random.
        """
        pb = self.pb
        n = pb.n
        known = np.isfinite(self.P)
        if pb.must:
            P, W, cap = self.P, np.where(known, self.W, 0).astype(np.float64), pb.cap * 1.0
        else:
            # "Unplaced" is one more unit: no profit, no budget.
            P = np.vstack([self.P, np.zeros((1, n))])
            W = np.vstack([np.where(known, self.W, 0), np.zeros((1, n))]).astype(np.float64)
            cap = np.r_[pb.cap * 1.0, np.inf]
        M = P.shape[0]
        jobs = np.arange(n)
        a = np.asarray(assign, dtype=np.int64).copy()
        a[a < 0] = M - 1 if not pb.must else 0
        missing = ~np.isfinite(P[a, jobs])
        a[missing] = np.argmax(P[:, missing], axis=0)
        if not np.all(np.isfinite(P[a, jobs])):
            return None
        load = np.bincount(a, weights=W[a, jobs], minlength=M)
        finite = np.isfinite(P)
        price0 = float(np.abs(P[finite]).mean()) / max(float(W[finite].mean()), 1.0)
        price = np.full(M, price0)
        tabu = np.zeros((M, n), dtype=np.int64)
        tenure = tenure or max(3, n // 20)
        kick = min(n, kick or max(2, n // 20))
        rng = np.random.default_rng(seed)
        rows = np.arange(min(n, _TABU_ROWS))
        last_gain = 0
        best, best_value = None, -math.inf
        # each job's two best units for a chain, set in every iteration that has chains (M > 2)
        top = np.empty((2, 0), dtype=np.intp)
        for it in range(1, max_iter + 1):
            cp, cw = P[a, jobs], W[a, jobs]
            ex_now = np.maximum(load - cap, 0.0)
            excess = float(ex_now.sum())
            value = float(cp.sum())
            if excess <= 0 and value > best_value + 1e-9:
                best, best_value, last_gain = a.copy(), value, it
            elif best is not None and it - last_gain > patience:
                # Long without a new best: restart from the best plan, shaken by moving a few
                # random jobs to random units of theirs, with fresh prices and memory.
                a = best.copy()
                for j in rng.choice(n, size=kick, replace=False):
                    options = np.nonzero(finite[:, j])[0]
                    a[j] = options[rng.integers(options.size)]
                load = np.bincount(a, weights=W[a, jobs], minlength=M)
                price[:] = price0
                tabu[:] = 0
                last_gain = it
                continue
            la, ca, pa = load[a], cap[a], price[a]
            # Shift job j to unit i.
            add = np.maximum(load[:, None] + W - cap[:, None], 0.0) - ex_now[:, None]
            rem = np.maximum(la - cw - ca, 0.0) - ex_now[a]
            gain = P - cp[None, :]
            shift = gain - price[:, None] * add - (pa * rem)[None, :]
            shift[a, jobs] = -np.inf
            # A tabu move is still taken when it gives a new best plan within budget.
            aspire = (excess + add + rem[None, :] <= 0) & (gain > best_value - value + 1e-9)
            shift[(tabu > it) & ~aspire] = -np.inf
            # Swaps and chains start from a sample of rows r, so that an iteration costs
            # rows x jobs rather than jobs squared; the sample also diversifies the search.
            R = rows if rows.size == n else np.sort(rng.choice(n, size=rows.size, replace=False))
            aR = a[R]
            QR, QC = P[aR], P[a[None, :], R[:, None]]  # c at r's unit, r at c's unit
            VR, VC = W[aR], W[a[None, :], R[:, None]]
            same = aR[:, None] == a[None, :]
            g2 = QR + QC - cp[R][:, None] - cp[None, :]
            dr = np.maximum(la[R][:, None] - cw[R][:, None] + VR - ca[R][:, None], 0.0) \
                - ex_now[aR][:, None]
            dc = np.maximum(la[None, :] - cw[None, :] + VC - ca[None, :], 0.0) - ex_now[a][None, :]
            swap = g2 - pa[R][:, None] * dr - pa[None, :] * dc
            into_r = tabu[aR] > it  # c may not move to r's unit
            into_c = tabu[a[None, :], R[:, None]] > it  # r may not move to c's unit
            aspire = (excess + dr + dc <= 0) & (g2 > best_value - value + 1e-9)
            swap[(into_r | into_c) & ~aspire] = -np.inf
            swap[same] = -np.inf
            # Chain: r moves to c's unit, c moves on to its best other unit (not r's); that
            # unit's loads are untouched by the first step, so its best choice is per job.
            chain = np.full(swap.shape, -np.inf)
            if M > 2:
                ins = P - price[:, None] * add
                ins[tabu > it] = -np.inf
                ins[a, jobs] = -np.inf
                top = np.argsort(-ins, axis=0, kind="stable")[:2]
                v1, v2 = ins[top[0], jobs], ins[top[1], jobs]
                onward = np.where(top[0][None, :] == aR[:, None], v2[None, :], v1[None, :])
                chain = (QC - cp[R][:, None] + onward - cp[None, :]
                         - (pa * rem)[R][:, None] - pa[None, :] * dc)
                chain[same | into_c] = -np.inf
            ks, kw, kc = int(np.argmax(shift)), int(np.argmax(swap)), int(np.argmax(chain))
            sv, wv, cv = shift.flat[ks], swap.flat[kw], chain.flat[kc]
            if not max(sv, wv, cv) > -np.inf:
                break
            hold = tenure + int(rng.integers(0, tenure + 1))
            if cv > max(sv, wv) + 1e-9:
                r, c = divmod(kc, n)
                r = int(R[r])
                a1, a2 = a[r], a[c]
                a3 = int(top[1][c] if top[0][c] == a1 else top[0][c])
                load[a1] -= W[a1, r]
                load[a2] += W[a2, r] - W[a2, c]
                load[a3] += W[a3, c]
                a[r], a[c] = a2, a3
                tabu[a1, r] = tabu[a2, c] = it + hold
            elif sv >= wv:
                i, j = divmod(ks, n)
                old = a[j]
                load[old] -= W[old, j]
                load[i] += W[i, j]
                a[j] = i
                tabu[old, j] = it + hold
            else:
                r, c = divmod(kw, n)
                r = int(R[r])
                a1, a2 = a[r], a[c]
                load[a1] += W[a1, c] - W[a1, r]
                load[a2] += W[a2, r] - W[a2, c]
                a[r], a[c] = a2, a1
                tabu[a1, r] = tabu[a2, c] = it + hold
            over = load > cap
            if over.any():
                price[over] *= grow
            else:
                price = np.maximum(price / grow, 1e-3 * price0)
        cp = P[a, jobs]
        if float(np.maximum(load - cap, 0.0).sum()) <= 0 and float(cp.sum()) > best_value + 1e-9:
            best = a.copy()
        if best is not None and not pb.must:
            best[best == M - 1] = -1
        return best
