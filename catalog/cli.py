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

    p = sub.add_parser("account", help="manage accounts (账号管理)")
    acc = p.add_subparsers(dest="account_command", required=True)
    c = acc.add_parser("create", help="create an account; the password is read from SANDAN_ACCOUNT_PASSWORD or asked for")
    c.add_argument("username")
    c.add_argument("--role", required=True, choices=["grid_worker", "secretary", "street_admin", "unit", "batch"])
    c.add_argument("--name", default="", help="display name (显示名)")
    c.add_argument("--community", help="community code (secretary, grid_worker)")
    c.add_argument("--grid", help="grid code (grid_worker)")
    c.add_argument("--street", help="street code (street_admin; omit for the alliance administrator)")
    c.add_argument("--unit", type=int, help="member unit id (unit)")
    c.set_defaults(func=_account_create)
    r = acc.add_parser("revoke", help="deactivate an account and revoke all its tokens at once")
    r.add_argument("username")
    r.set_defaults(func=_account_revoke)

    p = sub.add_parser(
        "solve", add_help=False, help="solve a matching problem from JSON, write the plan as JSON (求解派单)"
    )
    p.add_argument("args", nargs=argparse.REMAINDER, help="PROBLEM.json --seed N [-o PLAN.json] [--params P.json]")
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


def _account_create(args: argparse.Namespace) -> int:
    import getpass
    import os

    from pydantic import ValidationError

    from . import accounts
    from .errors import DomainError
    from .models import AccountIn

    password = os.environ.get("SANDAN_ACCOUNT_PASSWORD") or getpass.getpass("密码 (password): ")
    try:
        data = AccountIn(username=args.username, display_name=args.name, password=password, role=args.role,
                         community_code=args.community, grid_code=args.grid, street_code=args.street,
                         unit_id=args.unit)
    except ValidationError as exc:
        print(f"账号信息不符合要求：{exc}", file=sys.stderr)
        return 2

    async def run() -> int:
        async with open_database(get_settings()) as pool:
            try:
                account = await accounts.create_account(pool, data)
            except DomainError as exc:
                print(f"未创建账号：{exc.message} ({exc.code})", file=sys.stderr)
                return 1
        print(f"已创建账号 {account.username}（{account.role.label}）")
        return 0

    return asyncio.run(run())


def _account_revoke(args: argparse.Namespace) -> int:
    from . import accounts
    from .errors import DomainError

    async def run() -> int:
        async with open_database(get_settings()) as pool:
            try:
                await accounts.set_active(pool, args.username, False)
            except DomainError as exc:
                print(f"{exc.message} ({exc.code})", file=sys.stderr)
                return 1
        print(f"账号 {args.username} 已停用，全部令牌已吊销")
        return 0

    return asyncio.run(run())


def _solve(args: argparse.Namespace) -> int:
    from matching import run_solve_cli

    return run_solve_cli(args.args)
