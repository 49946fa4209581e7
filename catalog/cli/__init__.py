"""Commands that need the database or the engine but no HTTP: migrate, demo, account, solve, batch.

``api.cli`` builds the ``sandan`` command from these plus ``serve``. One module per command
group, each with its ``add_parser``: ``admin`` (migrate, demo, account), ``batch`` (the batch
job's command: its exit codes and CPU priority), with what ``sandan batch`` shows a person in
``display`` (progress, log lines above it) and ``report`` (the summary). ``solve`` hands over
to the engine's own command line. A new command group gets a module of its own here and a line
in :func:`add_commands`.
"""

from __future__ import annotations

import argparse

from catalog.cli import admin, batch
from catalog.cli.admin import demo_if_empty as demo_if_empty  # the web app's ``serve --demo``


def add_commands(sub: argparse._SubParsersAction) -> None:
    admin.add_parser(sub)
    # What follows "solve" is the engine's own command line (matching.cli), its help included:
    # ``api.cli.main`` hands it over unparsed, so that its options are written once and the
    # engine is loaded only for this command. The entry here lists it among the commands.
    p = sub.add_parser(
        "solve", add_help=False, help="solve a matching problem from JSON, write the plan as JSON (求解派单)"
    )
    p.add_argument("args", nargs=argparse.REMAINDER, help="PROBLEM.json --seed N [-o PLAN.json] [--params P.json]")
    p.set_defaults(func=solve)
    batch.add_parser(sub)


def solve(args: argparse.Namespace) -> int:
    """``sandan solve …``: ``args.args`` is everything after the command's name."""
    from matching import run_solve_cli

    return run_solve_cli(args.args)

