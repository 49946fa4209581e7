"""Differential check against scipy's linear_sum_assignment on one-to-one problems."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from matching import Params, Status, make_problem_arrays, solve_arrays, validate_arrays
from matching.rules import RuleTables, pair_terms


def one_to_one(seed: int, P: int, R: int):
    rng = np.random.default_rng(seed)
    return make_problem_arrays(
        p_community=rng.integers(0, 3, P), p_lat=36 + rng.uniform(0, 0.05, P),
        p_lon=111.5 + rng.uniform(0, 0.05, P), p_sub=rng.integers(0, 2, P),
        p_start=np.zeros(P), p_end=np.full(P, 9), p_priority=rng.integers(0, 4, P),
        p_waiting=rng.integers(0, 60, P),
        r_unit=np.arange(R), r_start=np.zeros(R), r_end=np.full(R, 9),
        r_sub=rng.integers(0, 2, R), r_comm=rng.integers(0, 3, R),
        r_lat=36 + rng.uniform(0, 0.05, R), r_lon=111.5 + rng.uniform(0, 0.05, R),
        r_capacity=np.ones(R), r_credit=rng.uniform(0, 100, R),
    )


@pytest.mark.parametrize("seed", range(12))
def test_equal_objective_to_linear_sum_assignment(seed):
    rng = np.random.default_rng(100 + seed)
    P, R = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    a = one_to_one(seed, P, R)
    params = Params()
    plan = solve_arrays(a, params)
    assert validate_arrays(a, plan.p, plan.r, params).ok
    assert plan.status == Status.OPTIMAL
    t = RuleTables(a)
    p, r = (x.ravel() for x in np.meshgrid(np.arange(P), np.arange(R), indexing="ij"))
    ok = t.category(p, r) & t.service_area(p, r)
    score = np.zeros((P, R))
    score[p, r] = np.where(ok, pair_terms(t, params, p, r).sum(axis=1), -1e12)
    # one "stay unmatched" column per project, worth nothing
    full = np.hstack([score, np.zeros((P, P))])
    rows, cols = linear_sum_assignment(full, maximize=True)
    assert int(full[rows, cols].sum()) == plan.objective
