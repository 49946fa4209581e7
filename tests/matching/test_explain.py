"""Runner-ups: the next units for each assigned project, and the term each lost on."""

from __future__ import annotations

from matching import LOST_ON, Params, decode, from_problem, runner_ups, solve_arrays, validate_arrays
from matching.result import plan_model

from .conftest import at, problem, proj, res
from .synth import city


def _explained(pb, params=Params()):
    a = from_problem(pb)
    plan = solve_arrays(a, params)
    assert validate_arrays(a, plan.p, plan.r, params).ok
    model = plan_model(plan)
    d = decode(plan, runner_ups=runner_ups(plan))
    return {x.project: x for x in model.assignments}, {p: d.runner_ups[i] for i, p in enumerate(d.project_id)}


def test_a_farther_unit_loses_on_distance_and_its_score_adds_up():
    pb = problem([proj("P1")], [
        res("R1", "U1", point=at(0.1)), res("R2", "U2", point=at(3.0)), res("R3", "U3", point=at(6.0)),
    ])
    won, why = _explained(pb)
    assert won["P1"].unit == "U1"
    assert [(x["unit_id"], x["lost_on"]) for x in why["P1"]] == [("U2", "distance"), ("U3", "distance")]
    for x in why["P1"]:
        assert abs(sum(x["breakdown"].values()) - x["score"]) < 1e-9
        assert x["behind"] > 0 and x["label"] == "距离"
    assert why["P1"][0]["score"] > why["P1"][1]["score"]


def test_a_better_unit_that_was_full_lost_on_capacity():
    # both want R1 (close); the urgent one gets it, the other goes farther
    pb = problem([proj("P1", priority=3), proj("P2")],
                 [res("R1", "U1", point=at(0.1)), res("R2", "U2", point=at(5.0))])
    won, why = _explained(pb)
    assert (won["P1"].unit, won["P2"].unit) == ("U1", "U2")
    (x,) = why["P2"]
    assert (x["unit_id"], x["lost_on"]) == ("U1", "capacity") and x["behind"] < 0
    (y,) = why["P1"]
    assert (y["unit_id"], y["lost_on"]) == ("U2", "distance")


def test_a_better_unit_with_room_lost_on_load():
    # U1 is a little closer but already carries P1; one more would cost more than the distance gains
    pb = problem([proj("P1", point=at(0.0)), proj("P2", point=at(0.0))],
                 [res("R1", "U1", point=at(0.1), capacity=2), res("R2", "U2", point=at(0.6), capacity=2)])
    won, why = _explained(pb, Params(w_load=4))
    assert sorted(x.unit for x in won.values()) == ["U1", "U2"]
    lost = [x for p, w in won.items() if w.unit == "U2" for x in why[p]]
    assert [(x["unit_id"], x["lost_on"]) for x in lost] == [("U1", "load")]


def test_each_unit_once_never_the_winners_own_nor_one_that_declined():
    pb = problem([proj("P1")], [
        res("R1", "U1", point=at(0.1)), res("R1b", "U1", point=at(0.2)),
        res("R2", "U2", point=at(1.0)), res("R2b", "U2", point=at(0.9)),
        res("R3", "U3", point=at(0.5)), res("R4", "U4"), res("R5", "U5"),
    ], declined=[{"project": "P1", "unit": "U3"}])
    won, why = _explained(pb)
    assert won["P1"].unit == "U1"
    units = [x["unit_id"] for x in why["P1"]]
    assert units[0] == "U2" and why["P1"][0]["resource_id"] == "R2b"  # the unit's best resource
    assert len(units) == 3 == len(set(units)) and "U1" not in units and "U3" not in units


def test_a_team_project_names_runner_ups_outside_the_team():
    pb = problem([proj("P1", units_required=2)],
                 [res("R1", "U1", point=at(0.1)), res("R2", "U2", point=at(0.2)), res("R3", "U3", point=at(4.0))])
    won, why = _explained(pb)
    assert [(x["unit_id"], x["lost_on"]) for x in why["P1"]] == [("U3", "distance")]


def test_random_plans_runner_ups_are_ranked_and_never_on_the_project_already():
    for seed in range(3):
        a = city(300, 40, seed=seed, n_sub=4, k_max=2 if seed == 2 else 1, declined=20)
        plan = solve_arrays(a, Params(), seed=seed)
        ru = runner_ups(plan, k=2)
        decoded = decode(plan, runner_ups=ru)
        assert len(ru.ptr) == len(plan.p) + 1
        for i in range(len(plan.p)):
            got = decoded.runner_ups[i]
            assert len(got) <= 2
            assert [x["score"] for x in got] == sorted((x["score"] for x in got), reverse=True)
            mine = {str(a.unit_ids[a.r_unit[r]]) for r in plan.r[plan.p == plan.p[i]]}
            assert not mine & {x["unit_id"] for x in got}
            assert all(x["lost_on"] in LOST_ON for x in got)
