"""Tiny-instance builders: every test states only what differs from an ordinary pair."""

from __future__ import annotations

import numpy as np
import pytest

from matching import Params, Plan, Problem, Status, from_problem, solve_arrays, validate_arrays
from matching.result import plan_model

LAT, LON = 36.0, 111.5
KM_LAT = 1 / 110.574
KM_LON = 1 / (111.32 * np.cos(np.radians(LAT)))


def at(dx_km: float = 0.0, dy_km: float = 0.0) -> dict:
    return {"lat": LAT + dy_km * KM_LAT, "lon": LON + dx_km * KM_LON}


def proj(pid: str, **kw) -> dict:
    d = {"id": pid, "community": "C1", "point": at(), "category": "公共服务类",
         "subcategory": "助老", "start": 0, "end": 10}
    d.update(kw)
    return d


def res(rid: str, unit: str | None = None, **kw) -> dict:
    d = {"id": rid, "unit": unit or f"U-{rid}", "categories": [{"category": "公共服务类"}],
         "area": {"communities": ["C1"]}, "start": 0, "end": 10, "capacity": 1}
    d.update(kw)
    return d


def problem(projects, resources, **kw) -> Problem:
    return Problem.model_validate({"projects": projects, "resources": resources, **kw})


def checked(pb: Problem, params: Params = Params(), seed: int = 0):
    """Solve, then insist the plan passes the validator with the same objective."""
    a = from_problem(pb)
    plan = solve_arrays(a, params, seed=seed)
    v = validate_arrays(a, plan.p, plan.r, params)
    assert v.ok, v.violations
    assert v.objective_scaled == plan.objective
    assert round(plan.stats["bound_unclamped"] * params.scale) >= plan.objective
    model = plan_model(plan)
    assert isinstance(model, Plan)
    return model


def pairs(plan: Plan) -> set[tuple[str, str]]:
    return {(x.project, x.resource) for x in plan.assignments}


def reasons(plan: Plan) -> dict[str, str]:
    return {u.project: u.code for u in plan.unmatched}


@pytest.fixture
def optimal():
    def check(plan: Plan):
        assert plan.status == Status.OPTIMAL
        assert plan.objective == plan.bound
        return plan
    return check
