"""The ``sandan`` command as a user types it."""

import json
from pathlib import Path

from api.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "problem.json"


def test_solve_writes_an_explained_plan(tmp_path):
    out = tmp_path / "plan.json"
    assert main(["solve", str(EXAMPLE), "--seed", "1", "-o", str(out)]) == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    taken = {a["project"]: a["unit"] for a in plan["assignments"]}
    # the civil affairs bureau declined XM0000102 once; it is never proposed again
    assert taken.get("XM0000102") != "县民政局"
    # nobody offers skills training here: unmatched, with the reason
    unmatched = {u["project"]: u["code"] for u in plan["unmatched"]}
    assert unmatched == {"XM0000104": "no_category"}
    assert plan["status"] == "optimal"


def test_solve_refuses_a_broken_problem(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"projects": [{"id": "X"}], "resources": []}', encoding="utf-8")
    assert main(["solve", str(bad)]) == 2
    assert "invalid input" in capsys.readouterr().err
