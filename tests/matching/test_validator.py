"""The validator catches each violated rule when fed a broken plan."""

from __future__ import annotations

import numpy as np
import pytest

from matching import Assignment, Breakdown, Plan, Rule, Status, from_problem, validate, validate_arrays

from .conftest import at, problem, proj, res

PB = problem(
    [proj("P1", skills=["护理"], hours=2), proj("P2", units_required=2), proj("P3"),
     proj("P4", community="C2"), proj("P5", start=30, end=40)],
    [res("R1", "U1", skills=["护理"], capacity=1), res("R2", "U1", capacity=3),
     res("R3", "U2", categories=[{"category": "文体活动类"}], capacity=3),
     res("R4", "U3", capacity=None, hours_budget=1, area={"center": at(), "radius_km": 1}),
     res("R5", "U4", capacity=3)],
    fixed=[{"project": "P3", "resource": "R5"}],
    declined=[{"project": "P1", "unit": "U4"}],
)
A = from_problem(PB)
PID = {s: i for i, s in enumerate(A.project_ids.tolist())}
RID = {s: i for i, s in enumerate(A.resource_ids.tolist())}


def rules_of(assignments: list[tuple[str, str]]) -> set[Rule]:
    p = np.array([PID[x] for x, _ in assignments], dtype=np.int64)
    r = np.array([RID[y] for _, y in assignments], dtype=np.int64)
    return {v.rule for v in validate_arrays(A, p, r).violations}


KEEP = [("P3", "R5")]


@pytest.mark.parametrize(("broken", "rule"), [
    ([("P1", "R3")], Rule.CATEGORY),
    ([("P4", "R1")], Rule.SERVICE_AREA),
    ([("P1", "R2")], Rule.SKILLS),
    ([("P5", "R2")], Rule.TIME_WINDOW),
    ([("P1", "R1"), ("P4", "R1")], Rule.CAPACITY),
    ([("P1", "R4")], Rule.HOURS_BUDGET),
    ([("P1", "R5")], Rule.DECLINED),
    ([("P1", "R1"), ("P1", "R4")], Rule.ONE_OWNER),
    ([("P2", "R5")], Rule.UNITS_REQUIRED),
    ([("P2", "R1"), ("P2", "R2")], Rule.DISTINCT_UNITS),
    ([("P1", "R1"), ("P1", "R1")], Rule.DUPLICATE_PAIR),
])
def test_each_rule_is_caught(broken, rule):
    assert rule in rules_of(KEEP + broken)


def test_dropping_an_accepted_claim_is_caught():
    assert rules_of([]) == {Rule.FIXED_KEPT}


def test_a_clean_plan_passes():
    assert rules_of(KEEP + [("P1", "R1"), ("P2", "R2"), ("P2", "R5")]) == set()


def test_unknown_ids_in_a_json_plan():
    plan = Plan(status=Status.OPTIMAL, objective=0, bound=0, gap=0, unmatched=[], unit_loads=[],
                supply_gap=[], assignments=[
                    Assignment(project="P3", resource="R5", unit="U4", score=0, breakdown=Breakdown()),
                    Assignment(project="PX", resource="R5", unit="U4", score=0, breakdown=Breakdown()),
                ])
    v = validate(PB, plan)
    assert not v.ok
    assert [x.rule for x in v.violations] == [Rule.UNKNOWN_ID]
    assert Rule.UNKNOWN_ID.label
