"""Projects needing several units: the priced bound (tighter than the flow relaxation) and
the exact neighbourhood search of `matching.multi`."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings

from matching import Params, Status, from_problem, solve_arrays
from matching.candidates import ResourceIndex, build_candidates
from matching.flow import solve_flow
from matching.multi import lagrangian_bound, polish
from matching.rules import RuleTables, project_terms, unit_nominal
from matching.validate import evaluate

from .conftest import checked, pairs, problem, proj, reasons, res
from .synth import city
from .test_properties import _brute_force, _solve_checked, problems

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# No wall-clock guard on the neighbourhood search: its node and neighbourhood limits alone decide,
# so that a loaded machine takes longer but gives the same plan.
UNHURRIED = Params(multi_seconds=math.inf)


def _team_or_urgent_single():
    # A needs two units, R1 and R2; B (urgent, waiting) can only use R2. The flow relaxation
    # gives R1 to A and R2 to B: a short team.
    return problem(
        [proj("A", units_required=2), proj("B", community="C2", priority=3, days_waiting=30)],
        [res("R1", unit="U1"), res("R2", unit="U2", area={"communities": ["C1", "C2"]})],
    )


def test_team_of_two_beats_a_single_project_and_the_bound_proves_it():
    plan = checked(_team_or_urgent_single())
    assert pairs(plan) == {("A", "R1"), ("A", "R2")}
    assert reasons(plan) == {"B": "lost_to_better_use"}
    # A's team: 2 x (10 match + 1 skill + 2 distance + 0.6 credit) - 2 load; B would make 19.6
    assert plan.objective == 25.2
    assert plan.stats["bound_flow"] == 31.2
    assert plan.bound == 25.2 and plan.status == Status.OPTIMAL


def test_without_steps_the_bound_is_the_flow_relaxation_here():
    # at the flow's own prices B's place on R2 is worth what A would pay: no tightening yet
    plan = checked(_team_or_urgent_single(), Params(multi_bound_iterations=0))
    assert plan.bound == 31.2 and plan.status == Status.FEASIBLE
    assert plan.objective == 25.2


def _flow_and_prices(a, params):
    cand = build_candidates(a, params, RuleTables(a), ResourceIndex(a, params),
                            project_terms(a, params))
    r0 = cand.res
    nominal = unit_nominal(a, params)
    offset = np.bincount(a.r_unit[a.fixed_r], minlength=a.n_units).astype(np.int64)
    fl = solve_flow(cand.p, cand.r, cand.score, n_projects=a.n_projects,
                    n_resources=a.n_resources, r_unit=a.r_unit, k_need=r0.k_need,
                    capacity=r0.capacity, unit_offset=offset, nominal=nominal, params=params,
                    prices=True)
    rho = np.where(r0.capacity >= 0, np.maximum(fl.resource_gain, fl.unit_price[a.r_unit]),
                   fl.unit_price[a.r_unit])
    return cand, nominal, offset, fl, rho


@SETTINGS
@given(problems(k_max=3))
def test_flow_prices_are_its_exact_duals(pb):
    # with "up to k" per project, L at the flow's prices is the flow optimum: the prices
    # read off the residual graph are an optimal dual solution
    a, params = from_problem(pb), Params()
    cand, nominal, offset, fl, rho = _flow_and_prices(a, params)
    weak = lagrangian_bound(
        cand.p, cand.r, cand.score, k_need=cand.res.k_need, strong=np.zeros(a.n_projects, bool),
        capacity=cand.res.capacity, r_unit=a.r_unit, nominal=nominal, offset=offset,
        params=params, rho0=rho, mu0=fl.unit_price, flow_chosen=fl.chosen, target=0,
        iterations=0)
    assert weak.bound == fl.objective


@SETTINGS
@given(problems(k_max=3, fixed=False))
def test_priced_bound_bounds_the_brute_force_optimum(pb):
    a, plan = _solve_checked(pb)
    counts = np.bincount(plan.p, minlength=a.n_projects)
    assert np.all((counts == 0) | (counts == a.p_k))
    if np.prod([1 + a.n_resources ** int(k) for k in a.p_k]) > 5000:
        return
    best = _brute_force(a, Params())
    assert plan.objective <= best <= plan.bound
    if plan.status == Status.OPTIMAL:
        assert plan.objective == best


@SETTINGS
@given(problems(k_max=3, fixed=False))
def test_one_neighbourhood_over_every_unit_is_the_exact_optimum(pb):
    # from the empty plan at zero prices every project with a team loses, and one
    # neighbourhood holding every unit re-plans the whole problem: the MIP must find the
    # brute-force optimum
    a, params = from_problem(pb), Params()
    if np.prod([1 + a.n_resources ** int(k) for k in a.p_k]) > 5000:
        return
    cand, nominal, offset, _fl, _rho = _flow_and_prices(a, params)
    r0 = cand.res
    zero_r, zero_u = np.zeros(a.n_resources, np.int64), np.zeros(a.n_units, np.int64)
    strong = np.ones(a.n_projects, bool)
    priced = lagrangian_bound(
        cand.p, cand.r, cand.score, k_need=r0.k_need, strong=strong, capacity=r0.capacity,
        r_unit=a.r_unit, nominal=nominal, offset=offset, params=params, rho0=zero_r,
        mu0=zero_u, flow_chosen=np.zeros(len(cand.p), bool), target=0, iterations=0)
    po = polish(cand.p, cand.r, cand.score, np.zeros(len(cand.p), bool), k_need=r0.k_need,
                strong=strong, capacity=r0.capacity, r_unit=a.r_unit, nominal=nominal,
                offset=offset, params=params, rho=zero_r, mu=zero_u, best=priced.best,
                max_units=max(1, a.n_units), max_neighbourhoods=100, node_limit=10_000,
                seconds=60.0, margin=10**9)
    got = evaluate(a, params, cand.p[po.chosen], cand.r[po.chosen]).objective
    assert got == po.gain == _brute_force(a, params)


def test_same_input_same_plan_with_teams():
    a = city(3000, 300, seed=7, k_max=2)
    one, two = solve_arrays(a, UNHURRIED, seed=3), solve_arrays(a, UNHURRIED, seed=3)
    assert np.array_equal(one.p, two.p) and np.array_equal(one.r, two.r)
    assert one.objective == two.objective and one.bound == two.bound


def test_priced_bound_is_never_looser_than_the_flow():
    a = city(3000, 300, seed=4, k_max=3)
    plan = solve_arrays(a, UNHURRIED)
    s = plan.stats
    assert plan.objective <= plan.bound
    assert s["bound_priced"] <= s["bound_flow"]
    assert plan.gap < 0.01
