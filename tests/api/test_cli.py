"""The ``sandan`` command as a user types it."""

import argparse
import json
from pathlib import Path

from api.cli import build_parser, main

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


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every command and nested command of the parser, as (path, its parser)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def _squeezed(text: str) -> str:
    """Text without its whitespace: help is rewrapped to the terminal's width."""
    return "".join(text.split())


def test_every_command_answers_help(capsys):
    commands = dict(_commands(build_parser()))
    assert {("solve",), ("batch",), ("account",), ("account", "create"), ("account", "revoke")} <= set(commands)
    assert _exit_code(["--help"]) == 0
    listing = capsys.readouterr().out
    for path, parser in commands.items():
        assert _exit_code([*path, "--help"]) == 0, path
        out, err = capsys.readouterr()
        assert err == "" and out.startswith(f"usage: sandan {' '.join(path)}"), (path, out, err)
        assert "-h, --help" in out, path
        if len(path) == 1:
            assert path[0] in listing
        if path == ("solve",):  # the engine's own options
            assert "--seed" in out and "--output" in out and "problem" in out
            continue
        # what the command does, and what each of its arguments means
        assert parser.description and _squeezed(parser.description.split("。")[0]) in _squeezed(out), path
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help, (path, action.dest)


def test_solve_takes_its_options_in_any_order(tmp_path):
    out = tmp_path / "plan.json"
    assert main(["solve", "--seed", "1", "-o", str(out), str(EXAMPLE)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["status"] == "optimal"
