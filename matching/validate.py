"""The executable specification: check a plan against every hard rule and recompute its
objective, without any solver.

Pair rules go through `matching.rules` directly (not through the spatial index the solver
uses), so a bug in candidate generation shows up here as a violation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .arrays import ProblemArrays
from .models import Plan, Problem, Validation, Violation
from .params import Params
from .plan_arrays import PlanArrays
from .reasons import Rule
from .rules import RuleTables, is_member, load_cost, pair_keys, pair_terms, slot_cost, unit_nominal


@dataclass(frozen=True, eq=False)
class Evaluation:
    terms: np.ndarray  # int64 (n, 7) pair terms, points x scale
    load: np.ndarray  # int64 (n,) load cost attributed to each assignment
    objective: int  # scaled


def evaluate(a: ProblemArrays, params: Params, p: ArrayLike, r: ArrayLike,
             tables: RuleTables | None = None) -> Evaluation:
    """Objective = sum of pair terms - sum over units of their first n slot costs.

    For the per-assignment breakdown a unit's slots are handed to its assignments in order of
    falling score (ties by project index), so the cheapest slot goes to its best pair.
    """
    tables = tables or RuleTables(a)
    p = np.asarray(p, dtype=np.int64)
    r = np.asarray(r, dtype=np.int64)
    terms = pair_terms(tables, params, p, r)
    nominal = unit_nominal(a, params)
    u = a.r_unit[r].astype(np.int64)
    order = np.lexsort((p, -terms.sum(axis=1), u))
    us = u[order]
    counts = np.bincount(us, minlength=a.n_units)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(us)) - starts[us]
    load = np.empty(len(p), dtype=np.int64)
    load[order] = slot_cost(params, nominal[us], rank)
    total_load = int(load_cost(params, nominal, counts).sum())
    return Evaluation(terms=terms, load=load, objective=int(terms.sum()) - total_load)


def check_pairs(a: ProblemArrays, p: ArrayLike, r: ArrayLike,
                tables: RuleTables | None = None) -> list[tuple[Rule, int, int, str]]:
    """Every hard-rule violation as (rule, project index, resource index or -1, message)."""
    tables = tables or RuleTables(a)
    p = np.asarray(p, dtype=np.int64)
    r = np.asarray(r, dtype=np.int64)
    out: list[tuple[Rule, int, int, str]] = []
    R = max(1, a.n_resources)
    keys = pair_keys(p, r, R)
    fixed = is_member(np.sort(pair_keys(a.fixed_p, a.fixed_r, R)), keys)
    uniq, cnt = np.unique(keys, return_counts=True)
    for k in uniq[cnt > 1]:
        out.append((Rule.DUPLICATE_PAIR, int(k // R), int(k % R), "pair listed more than once"))
    free = ~fixed
    fp, fr = p[free], r[free]
    for rule, ok, msg in (
        (Rule.CATEGORY, tables.category(fp, fr), "resource does not offer the project's category"),
        (Rule.SERVICE_AREA, tables.service_area(fp, fr), "project lies outside the service area"),
        (Rule.SKILLS, tables.skills(fp, fr), "resource lacks a required skill"),
        (Rule.TIME_WINDOW, tables.time_window(fp, fr), "time windows do not overlap"),
        (Rule.DECLINED, ~tables.declined(fp, fr), "the unit declined this project"),
    ):
        for i in np.flatnonzero(~ok):
            out.append((rule, int(fp[i]), int(fr[i]), msg))
    n_r = np.bincount(r, minlength=a.n_resources)
    over = np.flatnonzero((a.r_capacity >= 0) & (n_r > a.r_capacity))
    for i in over:
        out.append((Rule.CAPACITY, -1, int(i), f"{n_r[i]} projects > capacity {a.r_capacity[i]}"))
    mins = np.bincount(r, weights=a.p_minutes[p], minlength=a.n_resources)
    over = np.flatnonzero((a.r_budget_minutes >= 0) & (mins > a.r_budget_minutes))
    for i in over:
        out.append((Rule.HOURS_BUDGET, -1, int(i),
                    f"{mins[i] / 60:g} h > budget {a.r_budget_minutes[i] / 60:g} h"))
    n_p = np.bincount(p, minlength=a.n_projects)
    n_fixed = np.bincount(a.fixed_p, minlength=a.n_projects)
    k = a.p_k
    single = (k == 1) & (n_p > 1)
    for i in np.flatnonzero(single):
        out.append((Rule.ONE_OWNER, int(i), -1, f"{n_p[i]} owners"))
    # exactly k or none; a project with accepted claims keeps them and may stay short of k
    bad_k = (k > 1) & (((n_fixed == 0) & (n_p != 0) & (n_p != k)) | (n_p > k))
    for i in np.flatnonzero(bad_k):
        out.append((Rule.UNITS_REQUIRED, int(i), -1, f"{n_p[i]} units, {k[i]} required"))
    uk = np.unique(pair_keys(p, a.r_unit[r], max(1, a.n_units)))
    distinct = np.bincount(uk // max(1, a.n_units), minlength=a.n_projects)
    for i in np.flatnonzero((distinct < n_p) & (k > 1)):
        out.append((Rule.DISTINCT_UNITS, int(i), -1, "one unit holds several places"))
    kept = is_member(np.sort(keys), pair_keys(a.fixed_p, a.fixed_r, R))
    for i in np.flatnonzero(~kept):
        out.append((Rule.FIXED_KEPT, int(a.fixed_p[i]), int(a.fixed_r[i]), "accepted claim dropped"))
    return out


def validate_arrays(a: ProblemArrays, p: ArrayLike, r: ArrayLike, params: Params = Params()) -> Validation:
    tables = RuleTables(a)
    found = check_pairs(a, p, r, tables)
    ev = evaluate(a, params, p, r, tables)
    vs = [
        Violation(
            rule=rule,
            project=str(a.project_ids[i]) if i >= 0 else None,
            resource=str(a.resource_ids[j]) if j >= 0 else None,
            message=msg,
        )
        for rule, i, j, msg in found
    ]
    return Validation(ok=not vs, violations=vs, objective=ev.objective / params.scale,
                      objective_scaled=ev.objective)


def validate(problem: Problem | ProblemArrays, plan: Plan | PlanArrays, params: Params = Params()) -> Validation:
    """Check any plan against every hard rule; accepts the JSON models or the array forms.

    Passing the `Params` the plan was solved with matters only for the recomputed objective.
    """
    from .columns import from_problem

    a = from_problem(problem) if isinstance(problem, Problem) else problem
    if isinstance(plan, PlanArrays):
        return validate_arrays(a, plan.p, plan.r, params)
    if not isinstance(plan, Plan):
        raise TypeError("plan must be a Plan or PlanArrays")
    pid = {s: i for i, s in enumerate(a.project_ids.tolist())}
    rid = {s: i for i, s in enumerate(a.resource_ids.tolist())}
    unknown = []
    ps, rs = [], []
    for x in plan.assignments:
        if x.project not in pid or x.resource not in rid:
            unknown.append(Violation(rule=Rule.UNKNOWN_ID, project=x.project, resource=x.resource,
                                     message="assignment names an unknown project or resource"))
            continue
        ps.append(pid[x.project])
        rs.append(rid[x.resource])
    v = validate_arrays(a, np.array(ps, np.int64), np.array(rs, np.int64), params)
    if unknown:
        v = Validation(ok=False, violations=unknown + v.violations, objective=v.objective,
                       objective_scaled=v.objective_scaled)
    return v
