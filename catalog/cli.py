"""Commands that need the database or the engine but no HTTP: migrate, demo, solve.

``api.cli`` builds the ``sandan`` command from these plus ``serve``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from .settings import get_settings
from .runtime import open_database


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="apply pending database migrations (数据库迁移)")
    p.set_defaults(func=_migrate)

    p = sub.add_parser("demo", help="load the demo county into an empty database (加载演示数据)")
    p.add_argument("--seed", type=int, default=7, help="demo data seed (default 7)")
    p.set_defaults(func=_demo)

    p = sub.add_parser("solve", help="solve a matching problem from JSON and write the plan as JSON (求解派单)")
    p.add_argument("problem", help="problem JSON file, or - for standard input")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", default="-", help="plan JSON file (default: standard output)")
    p.set_defaults(func=_solve)


def _migrate(args: argparse.Namespace) -> int:
    async def run() -> None:
        async with open_database(get_settings()):
            pass

    asyncio.run(run())
    print("数据库已迁移到最新版本 (database is at the latest migration)")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import load_demo
    from .errors import Conflict

    async def run() -> int:
        async with open_database(get_settings()) as pool:
            try:
                summary = await load_demo(pool, seed=args.seed)
            except Conflict as exc:
                print(f"未加载演示数据：{exc.message} ({exc.code})", file=sys.stderr)
                return 1
        print(summary)
        return 0

    return asyncio.run(run())


def _solve(args: argparse.Namespace) -> int:
    from matching import run_solve_cli

    argv = [args.problem, "--seed", str(args.seed), "-o", args.output]
    return run_solve_cli(argv)
