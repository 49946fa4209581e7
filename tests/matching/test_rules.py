"""One tiny instance per hard rule and per soft term, with the exact expected outcome."""

from __future__ import annotations

from matching import Params, Status

from .conftest import at, checked, pairs, problem, proj, reasons, res

# --- hard rules ------------------------------------------------------------------------------

def test_category_must_match():
    pb = problem([proj("P1")], [res("R1", categories=[{"category": "文体活动类"}]), res("R2")])
    assert pairs(checked(pb)) == {("P1", "R2")}


def test_subcategory_must_match():
    pb = problem([proj("P1")], [
        res("R1", categories=[{"category": "公共服务类", "subcategory": "助残"}]),
        res("R2", categories=[{"category": "公共服务类", "subcategory": "助老"}]),
    ])
    assert pairs(checked(pb)) == {("P1", "R2")}


def test_service_area_by_community():
    pb = problem([proj("P1")], [res("R1", area={"communities": ["C2"]}), res("R2")])
    assert pairs(checked(pb)) == {("P1", "R2")}


def test_service_area_by_circle():
    pb = problem([proj("P1", community="C9")], [
        res("R1", area={"center": at(3.0), "radius_km": 1.0}),
        res("R2", area={"center": at(3.0), "radius_km": 3.5}),
    ])
    assert pairs(checked(pb)) == {("P1", "R2")}


def test_skills_all_required():
    pb = problem([proj("P1", skills=["护理", "驾驶"])], [
        res("R1", skills=["护理"]), res("R2", skills=["护理", "驾驶"]),
    ])
    assert pairs(checked(pb)) == {("P1", "R2")}


def test_time_windows_must_overlap():
    pb = problem([proj("P1", start=0, end=10)], [res("R1", start=11, end=20), res("R2", start=10, end=20)])
    assert pairs(checked(pb)) == {("P1", "R2")}


def test_capacity_counts_projects():
    pb = problem([proj("P1"), proj("P2"), proj("P3")], [res("R1", capacity=2)])
    assert len(checked(pb).assignments) == 2


def test_one_owner_per_project(optimal):
    pb = problem([proj("P1")], [res("R1"), res("R2"), res("R3")])
    plan = optimal(checked(pb))
    assert len(plan.assignments) == 1


def test_k_units_are_distinct_units(optimal):
    pb = problem([proj("P1", units_required=2)], [
        res("R1a", "U1", capacity=1), res("R1b", "U1", capacity=1, credit=100), res("R2", "U2"),
    ])
    plan = checked(pb)
    got = pairs(plan)
    assert len(got) == 2
    assert {x.unit for x in plan.assignments} == {"U1", "U2"}
    assert ("P1", "R1b") in got  # the better of U1's two resources


def test_k_units_all_or_nothing():
    pb = problem([proj("P1", units_required=3)], [res("R1", "U1"), res("R2", "U2")])
    plan = checked(pb)
    assert plan.assignments == []
    assert reasons(plan) == {"P1": "too_few_units"}


def test_fixed_pair_stays_and_uses_capacity():
    pb = problem([proj("P1"), proj("P2", priority=3)], [res("R1")],
                 fixed=[{"project": "P1", "resource": "R1"}])
    plan = checked(pb)
    assert pairs(plan) == {("P1", "R1")}
    assert plan.assignments[0].fixed
    assert reasons(plan) == {"P2": "no_capacity"}


def test_declined_unit_is_excluded():
    pb = problem([proj("P1")], [res("R1", "U1", credit=100), res("R2", "U2")],
                 declined=[{"project": "P1", "unit": "U1"}])
    assert pairs(checked(pb)) == {("P1", "R2")}


def test_hours_budget_limits_total_hours():
    import pytest

    pytest.importorskip("matching.gap")
    pb = problem([proj("P1", hours=2), proj("P2", hours=2, priority=3), proj("P3", hours=1)],
                 [res("R1", capacity=None, hours_budget=3)])
    plan = checked(pb)
    assert pairs(plan) == {("P2", "R1"), ("P3", "R1")}
    # the GAP profit has no load term, so the optimum is proven only without load spreading
    assert checked(pb, Params(w_load=0)).status == Status.OPTIMAL


# --- soft terms ------------------------------------------------------------------------------

def test_skill_fit_prefers_the_specialist():
    pb = problem([proj("P1", skills=["护理"])], [
        res("R1", skills=["护理", "驾驶", "法律", "心理"]), res("R2", skills=["护理"]),
    ])
    plan = checked(pb)
    assert pairs(plan) == {("P1", "R2")}
    assert plan.assignments[0].breakdown.skill == 1.0


def test_distance_full_score_within_a_short_walk():
    pb = problem([proj("P1")], [res("R1", point=at(3.0)), res("R2", point=at(0.3))])
    plan = checked(pb)
    assert pairs(plan) == {("P1", "R2")}
    assert plan.assignments[0].breakdown.distance == 2.0


def test_credit_prefers_the_better_unit():
    pb = problem([proj("P1")], [res("R1", credit=50), res("R2", credit=90)])
    assert pairs(checked(pb)) == {("P1", "R2")}


def test_urgent_project_wins_scarce_capacity():
    pb = problem([proj("P1"), proj("P2", priority=3)], [res("R1")])
    plan = checked(pb)
    assert pairs(plan) == {("P2", "R1")}
    assert reasons(plan) == {"P1": "lost_to_better_use"}
    lost = plan.unmatched[0]
    assert (lost.taken_by_resource, lost.taken_by_project) == ("R1", "P2")


def test_long_waiting_project_wins_scarce_capacity():
    pb = problem([proj("P1"), proj("P2", days_waiting=40)], [res("R1")])
    assert pairs(checked(pb)) == {("P2", "R1")}


def test_stability_keeps_last_proposal():
    two = [res("R1"), res("R2")]
    for prev in ("R1", "R2"):
        pb = problem([proj("P1")], two, previous=[{"project": "P1", "resource": prev}])
        plan = checked(pb)
        assert pairs(plan) == {("P1", prev)}
        assert plan.assignments[0].breakdown.stability == 1.0


def test_load_spreading_uses_the_idle_unit():
    pb = problem([proj("P1"), proj("P2")],
                 [res("R1", "U1", capacity=5, credit=61), res("R2", "U2", capacity=5, credit=60)])
    spread = checked(pb)
    assert {x.unit for x in spread.assignments} == {"U1", "U2"}
    hoard = checked(pb, Params(w_load=0))
    assert {x.unit for x in hoard.assignments} == {"U1"}


def test_breakdown_adds_up_to_score_and_objective():
    pb = problem([proj("P1", priority=2, days_waiting=10), proj("P2")],
                 [res("R1", "U1", capacity=2, point=at(1.0))])
    plan = checked(pb)
    total = 0.0
    for x in plan.assignments:
        b = x.breakdown.model_dump()
        assert abs(sum(b.values()) - x.score) < 1e-9
        total += x.score
    assert abs(total - plan.objective) < 1e-9
