"""k > 1: the exact neighbourhood search, where the priced bound says the plan loses.

The repair leaves a few teams and their neighbours sub-optimal. Where the bound's
complementary slackness fails (a project or resource earns less in the plan than its price
says it could), a neighbourhood of units is opened and re-planned exactly as a MIP
(HiGHS through OR-Tools' model builder) with everything outside it fixed; a better plan
replaces the old one. Neighbourhoods are visited in a fixed order and the MIP stops on a
node limit, so the same input gives the same plan; wall-clock limits are only a guard.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..params import Params
from ..rules import slot_cost
from .mip import _solve_hood


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
    for nom, s0, c in zip(nominal.tolist(), start.tolist(), count.tolist(), strict=True):
        if c:
            j = np.arange(s0, s0 + c, dtype=np.int64)
            total += int(slot_cost(params, np.full(c, nom), j).sum())
    return total

