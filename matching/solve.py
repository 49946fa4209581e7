"""The engine entry point: problem in, plan out, same seed -> same plan."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .arrays import ProblemArrays
from .candidates import Candidates, ResourceIndex, build_candidates
from .columns import from_problem
from .components import connected_components
from .flow import solve_flow
from .hours import solve_hours_gap
from .models import Plan, Problem
from .multi import lagrangian_bound, polish
from .outcome import reasons, supply_gap
from .params import Params
from .plan_arrays import PlanArrays
from .reasons import Status
from .repair import Ledger, complete_by_ejection, complete_teams
from .result import plan_model
from .rules import RuleTables, load_cost, project_terms, unit_nominal
from .validate import evaluate

Arr = NDArray[Any]


def solve(problem: Problem | ProblemArrays, params: Params = Params(), *, seed: int = 0) -> Plan:
    """Solve and return the JSON-ready plan; use `solve_arrays` to stay in arrays.

    Same input and seed give the same assignments, reasons and figures (only the timings in
    ``stats`` vary). The seed matters only where a component has hours budgets (the GAP
    solver); the flow itself has no randomness and breaks ties by input order.
    """
    a = from_problem(problem) if isinstance(problem, Problem) else problem
    return plan_model(solve_arrays(a, params, seed=seed))


def solve_arrays(a: ProblemArrays, params: Params = Params(), *, seed: int = 0) -> PlanArrays:
    """The hot path: candidates, components, min-cost flow (and GAP / k > 1 repair where the
    problem needs them), then the explanations. No per-project Python object is created
    except for projects in k > 1 repair.

    Status is ``optimal`` when the objective meets a proven bound: always for count
    capacities with k = 1, because the min-cost flow is exact. With k > 1 the bound is the
    priced bound of `multi` (each team all or none at prices on capacity and load, never
    above the flow relaxation, where a team may be short); with hours budgets it is the GAP
    solver's bound
    on pair scores, which does not subtract load spreading, so there the gap includes the
    load term. Unit marginal values come from the flow of the first pass (the relaxation
    when k > 1) and are left out for units in hours components.
    """
    clock = {"start": time.perf_counter()}
    tables = RuleTables(a)
    pterms = project_terms(a, params)
    index = ResourceIndex(a, params)
    cand = build_candidates(a, params, tables, index, pterms)
    clock["candidates"] = time.perf_counter()
    res = cand.res
    P, R, U = a.n_projects, a.n_resources, a.n_units
    nominal = unit_nominal(a, params)

    # components over projects, resources and units
    label = connected_components(
        P + R + U,
        np.concatenate([cand.p, P + np.arange(R)]),
        np.concatenate([P + cand.r, P + R + a.r_unit.astype(np.int64)]),
    )
    hours_root = np.unique(label[P + np.flatnonzero(a.r_budget_minutes >= 0)])
    in_hours = np.isin(label[P + cand.r], hours_root)
    n_components = len(np.unique(label[np.unique(cand.p)])) if len(cand.p) else 0

    fixed_units = np.bincount(a.r_unit[a.fixed_r], minlength=U).astype(np.int64)
    chosen = np.zeros(len(cand.p), bool)
    bound = 0.0
    exact = True

    # --- count capacities: min-cost flow, components packed into batches ------------------
    fm = np.flatnonzero(~in_hours)
    resource_value = np.zeros(R, dtype=np.int64) if params.compute_duals else None
    batches = _batches(label[P + cand.r[fm]], params.flow_batch_pairs)
    # k > 1: the flow's dual prices start the tighter bound (`multi`)
    has_multi = bool(len(fm)) and bool((res.k_need[cand.p[fm]] > 1).any())
    gain = np.zeros(R if has_multi else 0, dtype=np.int64)
    uprice = np.zeros(U if has_multi else 0, dtype=np.int64)
    flow_bound = 0
    for sel in batches:
        idx = fm[sel]
        fl = solve_flow(
            cand.p[idx], cand.r[idx], cand.score[idx], n_projects=P, n_resources=R,
            r_unit=a.r_unit, k_need=res.k_need, capacity=res.capacity, unit_offset=fixed_units,
            nominal=nominal, params=params, duals=params.compute_duals, prices=has_multi,
        )
        chosen[idx] = fl.chosen
        flow_bound += fl.objective
        if resource_value is not None and fl.resource_value is not None:
            np.maximum(resource_value, fl.resource_value, out=resource_value)
        if has_multi and fl.resource_gain is not None and fl.unit_price is not None:
            rb = np.unique(cand.r[idx])
            gain[rb] = fl.resource_gain[rb]
            ub = np.unique(a.r_unit[rb])
            uprice[ub] = fl.unit_price[ub]
    bound += flow_bound
    clock["flow"] = time.perf_counter()

    # --- hours budgets: the GAP solver on the components that carry them -----------------
    hm = np.flatnonzero(in_hours & (res.k_need[cand.p] == 1))
    if len(hm):
        hr = solve_hours_gap(cand.p[hm], cand.r[hm], cand.score[hm], minutes=a.p_minutes,
                             capacity=res.capacity, budget=res.budget, params=params, seed=seed)
        chosen[hm] = hr.chosen
        bound += hr.bound
        exact &= hr.status == "optimal"
    clock["hours"] = time.perf_counter()

    # --- k > 1: dissolve partial teams, complete greedily, refill single-unit projects ----
    multi_p = np.flatnonzero(res.k_need > 1)
    multi_stats: dict[str, float] = {}
    if len(multi_p):
        pair_label = label[P + cand.r]
        chosen, multi_bound = _repair(a, params, cand, chosen, in_hours, nominal, fixed_units,
                                      pair_label)
        bound += multi_bound
        if has_multi:
            clock["repair_greedy"] = time.perf_counter()
            chosen, priced, multi_stats = _tighten(a, params, cand, chosen, fm, nominal,
                                                    fixed_units, gain, uprice, flow_bound)
            bound += priced - flow_bound
            multi_stats["seconds_repair_greedy"] = clock["repair_greedy"] - clock["hours"]
    clock["repair"] = time.perf_counter()

    # --- objective, bound and explanations ------------------------------------------------
    sel = np.flatnonzero(chosen)
    p_all = np.concatenate([a.fixed_p, cand.p[sel]])
    r_all = np.concatenate([a.fixed_r, cand.r[sel]])
    fixed_flag = np.r_[np.ones(len(a.fixed_p), bool), np.zeros(len(sel), bool)]
    order = np.lexsort((r_all, p_all))
    p_all, r_all, fixed_flag = p_all[order], r_all[order], fixed_flag[order]
    ev = evaluate(a, params, p_all, r_all, tables)
    fixed_terms = ev.terms[fixed_flag].sum()
    const = int(fixed_terms) - int(load_cost(params, nominal, fixed_units).sum())
    raw_bound = int(np.floor(bound)) + const
    # a solver's float bound may round a hair below the exact integer objective
    bound_scaled = max(raw_bound, ev.objective)
    status = Status.OPTIMAL if bound_scaled == ev.objective and exact else Status.FEASIBLE

    reason, taken_r, taken_p = reasons(a, cand, chosen, p_all, r_all)
    unit_assigned = np.bincount(a.r_unit[r_all], minlength=U)
    unit_minutes = np.bincount(a.r_unit[r_all], weights=a.p_minutes[p_all], minlength=U)
    unit_value = np.full(U, np.nan)
    if resource_value is not None:
        flow_units = np.ones(U, bool)
        flow_units[a.r_unit[cand.r[in_hours]]] = False
        best = np.full(U, 0, dtype=np.int64)
        np.maximum.at(best, a.r_unit, resource_value)
        unit_value[flow_units] = best[flow_units] / params.scale
    gap_table = supply_gap(a, cand, p_all, r_all, params.hours_per_slot)
    clock["end"] = time.perf_counter()
    stats = {
        "projects": float(P), "resources": float(R), "units": float(U),
        "pairs": float(len(cand.p)), "components": float(n_components),
        "flow_batches": float(len(batches)),
        "bound_unclamped": raw_bound / params.scale,
        "hours_pairs": float(in_hours.sum()),
        "seconds_candidates": clock["candidates"] - clock["start"],
        "seconds_flow": clock["flow"] - clock["candidates"],
        "seconds_hours": clock["hours"] - clock["flow"],
        "seconds_repair": clock["repair"] - clock["hours"],
        "seconds_report": clock["end"] - clock["repair"],
        "seconds_total": clock["end"] - clock["start"],
        "seed": float(seed),
        **multi_stats,
    }
    return PlanArrays(
        problem=a, params=params, p=p_all, r=r_all, fixed=fixed_flag, terms=ev.terms,
        load=ev.load, objective=ev.objective, bound=bound_scaled, status=status, reason=reason,
        taken_by_r=taken_r, taken_by_p=taken_p, unit_assigned=unit_assigned,
        unit_nominal=nominal, unit_minutes=unit_minutes, unit_value=unit_value,
        supply_gap=gap_table, stats=stats, candidates=cand,
    )


def _batches(labels: Arr, target: int) -> list[Arr]:
    """Positions grouped into batches of whole components of about ``target`` pairs.

    Components are independent, so solving them apart gives the same optimum; it pays
    because the flow's running time grows faster than its size."""
    if len(labels) == 0:
        return []
    order = np.argsort(labels, kind="stable")
    ls = labels[order]
    starts = np.flatnonzero(np.r_[True, ls[1:] != ls[:-1]])
    if len(starts) == 1:
        return [order]
    ends = np.append(starts[1:], len(ls))
    cuts, acc = [0], 0
    for i, (s0, e0) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        acc += e0 - s0
        if acc >= target and i + 1 < len(starts):
            cuts.append(e0)
            acc = 0
    cuts.append(len(ls))
    return [np.sort(order[c0:c1]) for c0, c1 in zip(cuts[:-1], cuts[1:], strict=True) if c1 > c0]


def _repair(a: ProblemArrays, params: Params, cand: Candidates, chosen: Arr, in_hours: Arr, nominal: Arr,
            fixed_units: Arr, pair_label: Arr) -> tuple[Arr, float]:
    """Make every k > 1 project all-or-nothing; returns the choice and the bound added for
    k > 1 projects the flow did not see (those in hours components).

    Partial teams from the relaxation first try to complete themselves, taking the weakest
    place on a full resource if need be (`repair.complete_by_ejection`). Teams still short
    are dissolved; the freed capacity completes other teams greedily, then a last flow gives
    what is left to single-unit projects.

    Then, for ``repair_rounds`` rounds, the relaxation is solved again with those decisions
    taken (completed teams kept, dissolved ones left out): everything else is re-planned
    around them, and the new plan replaces the old one only if it is better (than the first
    plan before its refill flow, which is run only if that plan is kept). Flows go by
    batches of whole components, like the first pass.
    """
    res = cand.res
    P = a.n_projects
    flow_pair = ~in_hours
    multi = res.k_need > 1
    lock = np.zeros(len(cand.p), bool)
    out = np.zeros(P, bool)
    lp = chosen
    # when a round follows, it re-plans the single-unit projects anyway: the first plan's
    # refill flow is only needed if it ends up being kept
    refill = params.repair_rounds == 0
    best = _repair_once(a, params, cand, lp, flow_pair, nominal, fixed_units, pair_label,
                        refill=refill)
    best_value = _plan_value(a, params, cand, best, nominal, fixed_units)
    for _ in range(params.repair_rounds):
        cnt_lp = np.bincount(cand.p[lp], minlength=P)
        cnt = np.bincount(cand.p[best], minlength=P)
        was_partial = multi & (cnt_lp > 0) & (cnt_lp < res.k_need)
        if not was_partial.any():
            break
        lock |= best & (was_partial & (cnt == res.k_need))[cand.p]
        out |= was_partial & (cnt == 0)
        locked_p = np.bincount(cand.p[lock], minlength=P) > 0
        cap, _bud, load = _residual_state(a, cand, lock, fixed_units)
        m = np.flatnonzero(flow_pair & ~out[cand.p] & ~locked_p[cand.p] & (cap[cand.r] != 0))
        lp = lock.copy()
        lp[m] = _flow_batched(a, params, cand, m, pair_label, cap, load, nominal)
        trial = _repair_once(a, params, cand, lp, flow_pair, nominal, fixed_units, pair_label)
        value = _plan_value(a, params, cand, trial, nominal, fixed_units)
        if value <= best_value:
            break
        best, best_value, refill = trial, value, True
    if not refill:
        best = _refill(a, params, cand, best, flow_pair, nominal, fixed_units, pair_label)
    # k > 1 projects in hours components are outside every solver bound: add their best
    # k scores, an upper bound on what they can contribute
    hm = np.flatnonzero(in_hours & (res.k_need[cand.p] > 1))
    extra = 0.0
    if len(hm):
        o = hm[np.lexsort((-cand.score[hm], cand.p[hm]))]
        po = cand.p[o]
        start = np.searchsorted(po, po)
        rank = np.arange(len(o)) - start
        extra = float(cand.score[o][rank < res.k_need[po]].sum())
    return best, extra


def _tighten(a: ProblemArrays, params: Params, cand: Candidates, chosen: Arr, fm: Arr, nominal: Arr,
             fixed_units: Arr, gain: Arr, uprice: Arr, flow_bound: int) -> tuple[Arr, int, dict[str, float]]:
    """k > 1 on the flow components: the priced bound of `multi` (never above the flow's),
    then the exact neighbourhood search where that bound says the plan loses.

    Returns the choice, the bound for these components and figures for ``stats``."""
    res = cand.res
    t0 = time.perf_counter()
    pp, rr, sc = cand.p[fm], cand.r[fm], cand.score[fm]
    # a project with accepted claims may stay short of k: only the others are all-or-none
    strong = (a.p_k == res.k_need) | (res.k_need == 1)
    ch = chosen[fm]

    def value(c: Arr) -> int:
        used = np.bincount(a.r_unit[rr[c]], minlength=a.n_units)
        extra = load_cost(params, nominal, fixed_units + used) - load_cost(params, nominal, fixed_units)
        return int(sc[c].sum()) - int(extra.sum())

    before = value(ch)
    rho0 = np.where(res.capacity >= 0, np.maximum(gain, uprice[a.r_unit]), uprice[a.r_unit])
    priced = lagrangian_bound(
        pp, rr, sc, k_need=res.k_need, strong=strong, capacity=res.capacity, r_unit=a.r_unit,
        nominal=nominal, offset=fixed_units, params=params, rho0=rho0, mu0=uprice,
        flow_chosen=ch, target=before, iterations=params.multi_bound_iterations)
    t1 = time.perf_counter()
    po = polish(pp, rr, sc, ch, k_need=res.k_need, strong=strong, capacity=res.capacity,
                r_unit=a.r_unit, nominal=nominal, offset=fixed_units, params=params,
                rho=priced.rho, mu=priced.mu, best=priced.best, max_units=params.multi_neighbourhood_units,
                max_neighbourhoods=params.multi_neighbourhoods,
                node_limit=params.multi_mip_nodes, seconds=params.multi_seconds,
                margin=round(params.multi_margin * params.scale),
                min_loss=round(params.multi_min_loss * params.scale))
    t2 = time.perf_counter()
    chosen = chosen.copy()
    chosen[fm] = po.chosen
    stats = {
        "bound_flow": flow_bound / params.scale, "bound_priced": priced.bound / params.scale,
        "bound_iterations": float(priced.iterations),
        "neighbourhoods": float(po.neighbourhoods), "neighbourhoods_improved": float(po.improved),
        "polish_gain": po.gain / params.scale,
        "seconds_bound": t1 - t0, "seconds_polish": t2 - t1,
    }
    return chosen, min(flow_bound, priced.bound), stats


def _residual_state(a: ProblemArrays, cand: Candidates, ch: Arr, fixed_units: Arr) -> tuple[Arr, Arr, Arr]:
    res = cand.res
    R = a.n_resources
    used_r = np.bincount(cand.r[ch], minlength=R)
    used_m = np.bincount(cand.r[ch], weights=a.p_minutes[cand.p[ch]], minlength=R).astype(np.int64)
    cap = np.where(res.capacity >= 0, res.capacity - used_r, -1)
    bud = np.where(res.budget >= 0, res.budget - used_m, -1)
    load = fixed_units + np.bincount(a.r_unit[cand.r[ch]], minlength=a.n_units)
    return cap, bud, load


def _plan_value(a: ProblemArrays, params: Params, cand: Candidates, ch: Arr, nominal: Arr, fixed_units: Arr) -> int:
    """Pair scores minus the load cost beyond accepted claims: what the repair compares."""
    counts = fixed_units + np.bincount(a.r_unit[cand.r[ch]], minlength=a.n_units)
    return int(cand.score[ch].sum()) - int(load_cost(params, nominal, counts).sum())


def _flow_batched(a: ProblemArrays, params: Params, cand: Candidates, m: Arr, pair_label: Arr, cap: Arr, load: Arr,
                  nominal: Arr) -> Arr:
    """The flow on the pairs ``m`` (positions), solved by batches of whole components."""
    out = np.zeros(len(m), bool)
    for sel in _batches(pair_label[m], params.flow_batch_pairs):
        idx = m[sel]
        fl = solve_flow(cand.p[idx], cand.r[idx], cand.score[idx], n_projects=a.n_projects,
                        n_resources=a.n_resources, r_unit=a.r_unit, k_need=cand.res.k_need,
                        capacity=cap, unit_offset=load, nominal=nominal, params=params)
        out[sel] = fl.chosen
    return out


def _repair_once(a: ProblemArrays, params: Params, cand: Candidates, chosen: Arr, flow_pair: Arr, nominal: Arr,
                 fixed_units: Arr, pair_label: Arr, refill: bool = True) -> Arr:
    res = cand.res
    P = a.n_projects
    has_cand = np.bincount(cand.p, minlength=P) > 0
    if params.repair_ejection:
        cap, bud, load = _residual_state(a, cand, chosen, fixed_units)
        ledger = Ledger(cap, bud, a.p_minutes, a.r_unit, load, nominal, params)
        chosen = complete_by_ejection(cand.p, cand.r, cand.score, chosen, res.k_need, ledger,
                                      flow_pair)
    cnt = np.bincount(cand.p[chosen], minlength=P)
    partial = (res.k_need > 1) & (cnt > 0) & (cnt < res.k_need)
    chosen = chosen & ~partial[cand.p]
    cap, bud, load = _residual_state(a, cand, chosen, fixed_units)
    ledger = Ledger(cap, bud, a.p_minutes, a.r_unit, load, nominal, params)
    cnt = np.bincount(cand.p[chosen], minlength=P)
    open_multi = np.flatnonzero((res.k_need > 1) & (cnt == 0) & has_cand)
    chosen |= complete_teams(cand.p, cand.r, cand.score, open_multi, res.k_need, ledger)
    if refill:
        chosen = _refill(a, params, cand, chosen, flow_pair, nominal, fixed_units, pair_label)
    return chosen


def _refill(a: ProblemArrays, params: Params, cand: Candidates, chosen: Arr, flow_pair: Arr, nominal: Arr,
            fixed_units: Arr, pair_label: Arr) -> Arr:
    """With the teams settled, single-unit projects are re-planned exactly on what they
    leave (flow components only): this also re-places projects that lost a place to a team."""
    res = cand.res
    chosen = chosen.copy()
    single = flow_pair & (res.k_need[cand.p] == 1)
    cap, bud, load = _residual_state(a, cand, chosen & ~single, fixed_units)
    m = np.flatnonzero(single & (cap[cand.r] != 0))
    if len(m):
        got = _flow_batched(a, params, cand, m, pair_label, cap, load, nominal)
        chosen[single] = False
        chosen[m] = got
    return chosen
