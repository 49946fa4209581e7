"""Resources with both an hours budget and a count capacity: both limits hold, and projects a
near resource cannot take go to one that can."""

from __future__ import annotations

from matching import Params

from .conftest import at, checked, pairs, problem, proj, res


def test_a_resource_with_both_limits_passes_what_it_cannot_take_to_the_next_resource():
    # R1 is next door and has the hours for all three, but takes one project at a time; R2 is
    # farther away with hours for two. Serving all three beats keeping the best pairs on R1.
    projects = [proj(f"P{i}", hours=3, point=at(0.1 * i)) for i in range(1, 4)]
    near = res("R1", capacity=1, hours_budget=10, point=at())
    far = res("R2", capacity=None, hours_budget=6, point=at(1.5), area={"communities": ["C1"]})
    plan = checked(problem(projects, [near, far]))
    got = pairs(plan)
    assert len(got) == 3
    assert sum(1 for _, r in got if r == "R1") == 1
    assert sum(1 for _, r in got if r == "R2") == 2


def test_both_limits_hold_when_supply_is_short():
    projects = [proj(f"P{i}", hours=2, priority=i % 4) for i in range(6)]
    resources = [res("R1", capacity=2, hours_budget=8), res("R2", capacity=3, hours_budget=4)]
    plan = checked(problem(projects, resources), Params())
    got = pairs(plan)
    on = {r: sum(1 for _, x in got if x == r) for r in ("R1", "R2")}
    assert on["R1"] <= 2 and on["R2"] <= 2  # R2: 4 hours hold two 2-hour projects
    assert len(got) == 4  # every unit of supply is used
    # the urgent ones (priority 3) are among those served
    assert {"P3"} <= {p for p, _ in got}


def test_the_same_plan_every_time():
    projects = [proj(f"P{i}", hours=1 + i % 3, point=at(0.2 * i)) for i in range(12)]
    resources = [res(f"R{j}", capacity=2 + j % 2, hours_budget=5 + j, point=at(0.5 * j))
                 for j in range(4)]
    pb = problem(projects, resources)
    assert pairs(checked(pb, seed=3)) == pairs(checked(pb, seed=3))
