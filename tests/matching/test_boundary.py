"""JSON in and out: strict validation with clear errors, round trips, the CLI function."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from matching import Params, Plan, Problem, run_solve_cli, solve

from .conftest import problem, proj, res


def test_plan_json_round_trip():
    pb = problem([proj("P1"), proj("P2", priority=3)], [res("R1")])
    plan = solve(pb)
    again = Plan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert Problem.model_validate_json(pb.model_dump_json()) == pb


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["projects"][0].update(colour="red"), "Extra inputs are not permitted"),
    (lambda d: d["projects"][0].update(end=-1), "before start"),
    (lambda d: d["projects"][0].update(units_required=0), "greater than or equal to 1"),
    (lambda d: d["projects"][0]["point"].update(lat=91), "less than or equal to 90"),
    (lambda d: d["resources"][0].update(capacity=None), "capacity, hours_budget or both"),
    (lambda d: d["resources"][0].update(area={}), "communities or center"),
    (lambda d: d["resources"][0].update(area={"radius_km": 2}), "both center and radius_km"),
    (lambda d: d["projects"].append(dict(d["projects"][0])), "duplicate project ids"),
    (lambda d: d.update(fixed=[{"project": "P1", "resource": "RX"}]), "unknown project or resource"),
    (lambda d: d.update(declined=[{"project": "P1", "unit": "UX"}]), "unknown project or unit"),
])
def test_bad_input_names_the_problem(mutate, message):
    d = {"projects": [proj("P1")], "resources": [res("R1")]}
    mutate(d)
    with pytest.raises(ValidationError, match=message):
        Problem.model_validate(d)


def test_fixed_pairs_beyond_capacity_are_rejected():
    pb = problem([proj("P1"), proj("P2")], [res("R1")],
                 fixed=[{"project": "P1", "resource": "R1"}, {"project": "P2", "resource": "R1"}])
    with pytest.raises(ValueError, match="exceed the capacity"):
        solve(pb)


def test_params_are_frozen_and_strict() -> None:
    p = Params()
    with pytest.raises(ValidationError):
        p.w_match = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Params(w_colour=1)  # type: ignore[call-arg]


def test_cli_writes_a_plan(tmp_path, capsys):
    src = tmp_path / "problem.json"
    out = tmp_path / "plan.json"
    src.write_text(problem([proj("P1")], [res("R1")]).model_dump_json(), encoding="utf-8")
    assert run_solve_cli(["solve", str(src), "--seed", "7", "-o", str(out)]) == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["assignments"][0]["project"] == "P1"
    assert plan["stats"]["seed"] == 7


def test_cli_reports_invalid_input(tmp_path, capsys):
    src = tmp_path / "problem.json"
    src.write_text('{"projects": [], "resources": [], "extra": 1}', encoding="utf-8")
    assert run_solve_cli([str(src)]) == 2
    assert "invalid input" in capsys.readouterr().err
    assert run_solve_cli([str(tmp_path / "missing.json")]) == 2
