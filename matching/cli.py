"""`solve PROBLEM.json --seed N [-o PLAN.json] [--params PARAMS.json]` for the console script."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from .models import Problem
from .params import Params


def build_parser(prog: str = "sandan solve") -> argparse.ArgumentParser:
    """The command line of the solver: its options and their help, in one place."""
    ap = argparse.ArgumentParser(
        prog=prog, description="批量派单：读取问题 JSON，输出派单方案 JSON (solve a matching problem, write the plan)",
        epilog="exit codes: 0 plan written; 2 bad arguments, unreadable or invalid input.")
    ap.add_argument("problem", help="problem JSON file ('-' for stdin)")
    ap.add_argument("--seed", type=int, default=0, help="engine seed (default 0); same seed, same plan")
    ap.add_argument("-o", "--output", help="plan JSON file (default stdout)")
    ap.add_argument("--params", help="JSON file with Params overrides")
    return ap


def run_solve_cli(args: list[str]) -> int:
    """Exit codes: 0 plan written (or help shown), 2 bad arguments or invalid input (errors on stderr)."""
    if args and args[0] == "solve":
        args = args[1:]
    ap = build_parser()
    try:
        ns = ap.parse_args(args)
    except SystemExit as e:
        return int(e.code or 0)
    from .solve import solve

    try:
        text = sys.stdin.read() if ns.problem == "-" else Path(ns.problem).read_text(encoding="utf-8")
        problem = Problem.model_validate_json(text)
        params = Params.model_validate_json(Path(ns.params).read_text(encoding="utf-8")) if ns.params else Params()
    except OSError as e:
        print(f"error: cannot read input: {e}", file=sys.stderr)
        return 2
    except ValidationError as e:
        print(f"error: invalid input ({e.error_count()} problems)\n{e}", file=sys.stderr)
        return 2
    try:
        plan = solve(problem, params, seed=ns.seed)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = plan.model_dump_json(indent=2)
    if ns.output:
        Path(ns.output).write_text(out + "\n", encoding="utf-8")
    else:
        sys.stdout.write(out + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run_solve_cli(sys.argv[1:]))
