"""Properties on random tiny problems: every plan is valid; on one-unit count-capacity
problems the objective equals the LP optimum; with k > 1 the bound really bounds."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy.optimize import linprog

from matching import Params, Problem, Status, from_problem, solve_arrays, validate_arrays
from matching.rules import RuleTables, pair_terms, slot_cost, unit_nominal
from matching.validate import check_pairs, evaluate

from .conftest import at

CATS = [("公共服务类", "助老"), ("公共服务类", "助残"), ("文体活动类", None)]
SKILLS = ["护理", "驾驶", "法律"]


@st.composite
def problems(draw, k_max=1, fixed=True, hours=False):
    n_p = draw(st.integers(0, 6))
    n_r = draw(st.integers(0, 4))
    n_u = draw(st.integers(1, 3))
    projects = []
    for i in range(n_p):
        cat, sub = draw(st.sampled_from(CATS[:2] + [("文体活动类", "")]))
        s = draw(st.integers(0, 5))
        projects.append({
            "id": f"P{i}", "community": draw(st.sampled_from(["C1", "C2"])),
            "point": at(draw(st.floats(0, 3)), draw(st.floats(0, 3))),
            "category": cat, "subcategory": sub or None,
            "skills": draw(st.lists(st.sampled_from(SKILLS), max_size=1, unique=True)),
            "start": s, "end": s + draw(st.integers(0, 3)),
            "priority": draw(st.integers(0, 3)), "days_waiting": draw(st.integers(0, 40)),
            "units_required": draw(st.integers(1, k_max)),
            "hours": draw(st.integers(0, 4)) if hours else 0,
        })
    resources = []
    for j in range(n_r):
        cats = draw(st.lists(st.sampled_from(CATS), min_size=1, max_size=2, unique=True))
        circle = draw(st.booleans())
        area = ({"center": at(draw(st.floats(0, 3)), 0), "radius_km": draw(st.floats(0.5, 3))} if circle
                else {"communities": draw(st.lists(st.sampled_from(["C1", "C2"]), min_size=1, max_size=2,
                                                   unique=True))})
        s = draw(st.integers(0, 4))
        use_hours = hours and draw(st.booleans())
        resources.append({
            "id": f"R{j}", "unit": f"U{draw(st.integers(0, n_u - 1))}",
            "categories": [{"category": c, "subcategory": sc} for c, sc in cats],
            "skills": draw(st.lists(st.sampled_from(SKILLS), max_size=3, unique=True)),
            "area": area, "start": s, "end": s + draw(st.integers(0, 5)),
            "capacity": None if use_hours else draw(st.integers(0, 3)),
            "hours_budget": draw(st.integers(0, 8)) if use_hours else None,
            "credit": draw(st.floats(0, 100)),
        })
    units = sorted({r["unit"] for r in resources})
    declined = []
    if projects and units:
        for _ in range(draw(st.integers(0, 3))):
            declined.append({"project": draw(st.sampled_from(projects))["id"], "unit": draw(st.sampled_from(units))})
    previous = []
    if projects and resources:
        for _ in range(draw(st.integers(0, 3))):
            previous.append({"project": draw(st.sampled_from(projects))["id"],
                             "resource": draw(st.sampled_from(resources))["id"]})
    fixed_pairs = []
    if fixed and projects and resources and draw(st.booleans()):
        r = draw(st.sampled_from(resources))
        if r["capacity"]:
            fixed_pairs.append({"project": draw(st.sampled_from(projects))["id"], "resource": r["id"]})
    return Problem.model_validate({"projects": projects, "resources": resources, "declined": declined,
                                   "previous": previous, "fixed": fixed_pairs})


SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _solve_checked(pb, params=Params()):
    a = from_problem(pb)
    plan = solve_arrays(a, params)
    v = validate_arrays(a, plan.p, plan.r, params)
    assert v.ok, v.violations
    assert v.objective_scaled == plan.objective <= plan.bound
    assert round(plan.stats["bound_unclamped"] * params.scale) >= plan.objective
    return a, plan


@SETTINGS
@given(problems(k_max=2))
def test_every_plan_is_valid(pb):
    _solve_checked(pb)


def _lp_optimum(a, params) -> float:
    """The flow LP written out densely, from the validator's rule definitions."""
    t = RuleTables(a)
    P, R = a.n_projects, a.n_resources
    p, r = (x.ravel() for x in np.meshgrid(np.arange(P), np.arange(R), indexing="ij"))
    ok = (t.category(p, r) & t.service_area(p, r) & t.skills(p, r) & t.time_window(p, r)
          & ~t.declined(p, r) & (a.r_capacity[r] > 0))
    p, r = p[ok], r[ok]
    if len(p) == 0:
        return 0.0
    score = pair_terms(t, params, p, r).sum(axis=1).astype(float)
    nominal = unit_nominal(a, params)
    slots_u = np.bincount(a.r_unit, weights=np.maximum(a.r_capacity, 0), minlength=a.n_units).astype(int)
    su = np.repeat(np.arange(a.n_units), slots_u)
    sj = np.concatenate([np.arange(n) for n in slots_u]) if len(su) else np.zeros(0, int)
    scost = slot_cost(params, nominal[su], sj).astype(float)
    n_y = len(su)
    c = np.concatenate([-score, scost])
    rows, b = [], []
    for q in range(P):
        rows.append(np.r_[(p == q).astype(float), np.zeros(n_y)])
        b.append(1)
    for j in range(R):
        rows.append(np.r_[(r == j).astype(float), np.zeros(n_y)])
        b.append(a.r_capacity[j])
    eq = [np.r_[(a.r_unit[r] == u).astype(float), -(su == u).astype(float)] for u in range(a.n_units)]
    out = linprog(c, A_ub=np.array(rows), b_ub=b, A_eq=np.array(eq), b_eq=np.zeros(len(eq)),
                  bounds=(0, 1), method="highs")
    assert out.status == 0
    return -out.fun


@SETTINGS
@given(problems(k_max=1, fixed=False))
def test_one_unit_objective_equals_the_lp_bound(pb):
    a, plan = _solve_checked(pb)
    assert plan.status == Status.OPTIMAL and plan.bound == plan.objective
    assert abs(_lp_optimum(a, Params()) - plan.objective) < 1e-6 * max(1, abs(plan.objective))


def _brute_force(a, params) -> int:
    t = RuleTables(a)
    P, R = a.n_projects, a.n_resources
    options = []
    for q in range(P):
        rs = np.arange(R)
        ok = (t.category(np.full(R, q), rs) & t.service_area(np.full(R, q), rs)
              & t.skills(np.full(R, q), rs) & t.time_window(np.full(R, q), rs)
              & ~t.declined(np.full(R, q), rs))
        elig = [int(x) for x in np.flatnonzero(ok)]
        opts = [()] + list(itertools.combinations(elig, int(a.p_k[q])))
        options.append(opts)
    best = 0
    for choice in itertools.product(*options):
        p = np.array([q for q, c in enumerate(choice) for _ in c], dtype=np.int64)
        r = np.array([x for c in choice for x in c], dtype=np.int64)
        if check_pairs(a, p, r, t):
            continue
        best = max(best, evaluate(a, params, p, r, t).objective)
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(k_max=2, fixed=False))
def test_k_units_bound_is_a_bound(pb):
    a, plan = _solve_checked(pb)
    if np.prod([1 + a.n_resources ** int(k) for k in a.p_k]) > 5000:
        return
    best = _brute_force(a, Params())
    assert plan.objective <= best <= plan.bound


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(k_max=2, hours=True))
def test_every_plan_with_hours_budgets_is_valid(pb):
    import pytest

    pytest.importorskip("matching.gap")
    _solve_checked(pb, Params(gap_time_limit=2.0))
