"""Min-cost flow for count capacities: the proven optimum when every project needs one unit,
the bound when some need several.

Network (one node per project, per (project, unit) group where a project needs k > 1 units,
per resource, per unit, and a sink)::

    project --(1, -score)--> resource --(capacity, 0)--> unit ==slots==> sink
    project --(k, 0)------------------------------------------------------> sink   (unmatched)

A project's supply is the number of units it still needs; the bypass arc lets it stay
unmatched at no cost, so minimising cost maximises total score. A unit's slots are parallel
arcs of capacity 1 whose costs rise (`rules.slot_cost`): that convex cost is the load
spreading term, and a flow fills the cheap slots first. For k > 1 a group node caps each
unit at one arc per project, so the units on a project are distinct; the only relaxation
left is that a project may get fewer than k units, which the repair step removes.

Everything is loaded into OR-Tools in one call from numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from .params import Params
from .rules import pair_keys, slot_cost

_INF = np.int64(1) << np.int64(62)


@dataclass(frozen=True, eq=False)
class FlowResult:
    chosen: NDArray[np.bool_]  # per input pair
    objective: int  # pair scores minus slot costs, scaled integers
    resource_value: NDArray[np.int64] | None  # per resource: gain of one more capacity slot
    # with ``prices``: dual prices of the relaxation, int64, what one more unit of flow
    # arriving at a resource node / unit node is worth (`multi.lagrangian_bound` uses them)
    resource_gain: NDArray[np.int64] | None = None
    unit_price: NDArray[np.int64] | None = None


def solve_flow(
    p: NDArray[Any],
    r: NDArray[Any],
    score: NDArray[Any],
    *,
    n_projects: int,
    n_resources: int,
    r_unit: NDArray[Any],
    k_need: NDArray[Any],
    capacity: NDArray[Any],
    unit_offset: NDArray[Any],
    nominal: NDArray[Any],
    params: Params,
    duals: bool = False,
    prices: bool = False,
) -> FlowResult:
    """Maximise total pair score minus unit slot costs; ``capacity`` -1 means no count limit,
    ``unit_offset`` counts slots each unit already used (accepted claims, earlier passes)."""
    n_units = len(nominal)
    if len(p) == 0:
        return FlowResult(np.zeros(0, bool), 0, np.zeros(n_resources, np.int64) if duals else None,
                          np.zeros(n_resources, np.int64) if prices else None,
                          np.zeros(n_units, np.int64) if prices else None)
    ru = r_unit[r].astype(np.int64)
    # a (project, unit) group node keeps a unit to one place on a project; only needed where
    # a project needing several units has more than one pair with the same unit
    n_u = max(1, n_units)
    multi = k_need[p] > 1
    keys = pair_keys(p, ru, n_u)
    mk = keys[multi]
    uk, cnt = np.unique(mk, return_counts=True)
    shared = np.zeros(len(p), bool)
    shared[multi] = np.isin(mk, uk[cnt > 1])
    gu, ginv = np.unique(keys[shared], return_inverse=True)
    G = len(gu)
    base_g = n_projects
    base_r = base_g + G
    base_u = base_r + n_resources
    sink = base_u + n_units

    tails, heads, caps, costs = [], [], [], []
    # Every unit of a project's supply leaves through exactly one pair arc or its bypass, so
    # adding `shift` to both leaves the optimum unchanged; it centres the costs, which makes
    # OR-Tools' cost scaling about 15 % faster here.
    shift = int(score.min())

    # project (or group) -> resource
    t_pair = p.astype(np.int64).copy()
    t_pair[shared] = base_g + ginv
    tails.append(t_pair)
    heads.append(base_r + r)
    caps.append(np.ones(len(p), np.int64))
    costs.append(shift - score)
    # project -> group
    if G:
        tails.append(gu // n_u)
        heads.append(base_g + np.arange(G))
        caps.append(np.ones(G, np.int64))
        costs.append(np.zeros(G, np.int64))
    # bypass
    projs = np.unique(p)
    tails.append(projs)
    heads.append(np.full(len(projs), sink))
    caps.append(k_need[projs])
    costs.append(np.full(len(projs), shift, np.int64))
    # resource -> unit
    deg = np.bincount(r, minlength=n_resources)
    res = np.flatnonzero(deg)
    rcap = np.where(capacity[res] >= 0, np.minimum(capacity[res], deg[res]), deg[res])
    tails.append(base_r + res)
    heads.append(base_u + r_unit[res].astype(np.int64))
    caps.append(rcap)
    costs.append(np.zeros(len(res), np.int64))
    # unit slots, equal consecutive costs merged into one arc
    slots = np.bincount(r_unit[res], weights=rcap, minlength=n_units).astype(np.int64)
    owner = np.repeat(np.arange(n_units), slots)
    j = np.arange(slots.sum()) - np.repeat(np.cumsum(slots) - slots, slots)
    sc = slot_cost(params, nominal[owner], unit_offset[owner] + j)
    if len(sc):
        new = np.ones(len(sc), bool)
        new[1:] = (owner[1:] != owner[:-1]) | (sc[1:] != sc[:-1])
        starts = np.flatnonzero(new)
        run = np.diff(np.append(starts, len(sc)))
        tails.append(base_u + owner[starts])
        heads.append(np.full(len(starts), sink))
        caps.append(run)
        costs.append(sc[starts])
    T = np.concatenate(tails).astype(np.int32)
    H = np.concatenate(heads).astype(np.int32)
    C = np.concatenate(caps).astype(np.int64)
    W = np.concatenate(costs).astype(np.int64)

    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(T, H, C, W)
    supply_nodes = np.append(projs, sink).astype(np.int32)
    supplies = np.append(k_need[projs], -k_need[projs].sum()).astype(np.int64)
    mcf.set_nodes_supplies(supply_nodes, supplies)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = mcf.flows(np.arange(len(T), dtype=np.int32))
    chosen = flows[: len(p)] > 0
    objective = shift * int(k_need[projs].sum()) - int(mcf.optimal_cost())
    value = gain = price = None
    if duals or prices:
        dist = _distances_from(sink, T, H, C, W, flows, sink + 1)
        if prices:
            # -distance from the sink in the residual graph: unreachable nodes get no price
            dr = dist[base_r: base_r + n_resources]
            du = dist[base_u: base_u + n_units]
            gain = np.where(dr < _INF, -dr, 0)
            price = np.where(du < _INF, -du, 0)
        if duals:
            used = np.bincount(r_unit[r[chosen]], minlength=n_units) + unit_offset
            nxt = slot_cost(params, nominal, used)
            dr = dist[base_r: base_r + n_resources]
            value = np.where(dr < _INF, np.maximum(-(dr + nxt[r_unit]), 0), 0)
            value = np.where(capacity >= 0, value, 0)
    return FlowResult(chosen=chosen, objective=objective, resource_value=value,
                      resource_gain=gain, unit_price=price)


def _distances_from(src: int, T: NDArray[np.int32], H: NDArray[np.int32], C: NDArray[np.int64],
                    W: NDArray[np.int64], flows: NDArray[Any], n_nodes: int,
                    max_rounds: int = 100_000) -> NDArray[np.int64]:
    """Shortest residual-path costs from ``src`` (Bellman-Ford, relaxing only the arcs that
    leave nodes whose distance changed in the previous round).

    At an optimal flow the residual graph has no negative cycle, so this terminates; the
    distance to a resource node is the cheapest way to re-route one unit of flow into it,
    which is what one more slot there is worth.
    """
    fwd = flows < C
    bwd = flows > 0
    tail = np.concatenate([T[fwd], H[bwd]]).astype(np.int64)
    head = np.concatenate([H[fwd], T[bwd]]).astype(np.int64)
    cost = np.concatenate([W[fwd], -W[bwd]])
    order = np.argsort(tail, kind="stable")
    head, cost = head[order], cost[order]
    ptr = np.searchsorted(tail[order], np.arange(n_nodes + 1))
    d = np.full(n_nodes, _INF, dtype=np.int64)
    d[src] = 0
    frontier = np.array([src], dtype=np.int64)
    for _ in range(max_rounds):
        n = ptr[frontier + 1] - ptr[frontier]
        if n.sum() == 0:
            break
        arcs = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n) + np.repeat(ptr[frontier], n)
        cand = np.repeat(d[frontier], n) + cost[arcs]
        h = head[arcs]
        better = cand < d[h]
        if not better.any():
            break
        h, cand = h[better], cand[better]
        np.minimum.at(d, h, cand)
        frontier = np.unique(h)
    return d
