"""One instance per unmatched reason code: the first filter that emptied the candidate set,
or the use the capacity went to instead."""

from __future__ import annotations

import pytest

from matching import Params, Unmatched

from .conftest import at, checked, problem, proj, reasons, res


@pytest.mark.parametrize(("resource", "expected"), [
    (res("R1", categories=[{"category": "文体活动类"}]), "no_category"),
    (res("R1", area={"communities": ["C2"]}), "no_service_area"),
    (res("R1", area={"center": at(9.0), "radius_km": 2.0}), "no_service_area"),
    (res("R1", skills=["法律"]), "no_skills"),
    (res("R1", start=20, end=30), "no_time_window"),
    (res("R1", capacity=0), "no_capacity"),
])
def test_first_emptying_filter(resource, expected):
    resource = {"skills": ["护理"], **resource}
    plan = checked(problem([proj("P1", skills=["护理"])], [resource]))
    assert reasons(plan) == {"P1": expected}


def test_filters_are_reported_in_order():
    # wrong area and wrong skills at once: the area filter runs first
    pb = problem([proj("P1", skills=["护理"])], [res("R1", area={"communities": ["C2"]})])
    assert reasons(checked(pb)) == {"P1": "no_service_area"}


def test_declined_by_all():
    pb = problem([proj("P1")], [res("R1", "U1"), res("R2", "U2")],
                 declined=[{"project": "P1", "unit": "U1"}, {"project": "P1", "unit": "U2"}])
    assert reasons(checked(pb)) == {"P1": "declined_by_all"}


def test_too_few_units():
    pb = problem([proj("P1", units_required=2)], [res("R1", "U1", capacity=5), res("R2", "U1")])
    assert reasons(checked(pb)) == {"P1": "too_few_units"}


def test_lost_to_better_use_names_the_winner():
    pb = problem([proj("P1"), proj("P2", priority=2)], [res("R1")])
    plan = checked(pb)
    (u,) = plan.unmatched
    assert (u.project, u.code, u.taken_by_resource, u.taken_by_project) == ("P1", "lost_to_better_use", "R1", "P2")
    assert u.label == Unmatched.LOST_TO_BETTER_USE.label


def test_not_worth_the_load():
    pb = problem([proj("P1"), proj("P2")], [res("R1", capacity=2)])
    plan = checked(pb, Params(w_load=100))
    assert len(plan.assignments) == 1
    assert set(reasons(plan).values()) == {"not_worth_load"}


def test_incomplete_team():
    pb = problem(
        [proj("P1", units_required=2), proj("P2", priority=3, days_waiting=30),
         proj("P3", priority=3, days_waiting=30)],
        [res("R1", "U1", categories=[{"category": "公共服务类"}]), res("R2", "U2")],
        declined=[{"project": "P2", "unit": "U2"}, {"project": "P3", "unit": "U1"}],
    )
    plan = checked(pb)
    assert {(x.project, x.unit) for x in plan.assignments} == {("P2", "U1"), ("P3", "U2")}
    assert reasons(plan) == {"P1": "incomplete_team"}


def test_every_reason_has_a_chinese_label():
    for r in Unmatched:
        assert r.label and not r.label.isascii()
