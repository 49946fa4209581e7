"""Commands that need the database or the engine but no HTTP: migrate, demo, solve, batch.

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

    p = sub.add_parser(
        "batch", help="sweep, then propose units for open projects with the engine (批量优化派单)",
        description="Expire claims and offers past their time to live, close unrated projects, then "
        "solve the open projects (优化派单, and 认领 past the claim deadline) against the published "
        "resources and write one proposal per matched project. Runs never overlap.",
        epilog="exit codes: 0 done (or dry run done); 1 unexpected failure, nothing written by the "
        "failed phase; 2 bad arguments or settings (unknown community or street); 3 another batch "
        "run holds the lock, nothing done.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--community", help="only projects of this community (社区代码)")
    where.add_argument("--street", help="only projects of this street (街道代码)")
    p.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    p.add_argument("--json", action="store_true", help="print the summary as JSON, for scripts")
    p.add_argument("--seed", type=int, default=0, help="engine seed (default 0); same seed, same plan")
    p.set_defaults(func=_batch)


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


def _batch(args: argparse.Namespace) -> int:
    import logging

    from . import batch
    from .errors import InvalidInput

    async def run() -> int:
        async with open_database(get_settings()) as pool:
            try:
                scope = batch.Scope(community=args.community, street=args.street)
                summary = await batch.run_batch(pool, scope, dry_run=args.dry_run, seed=args.seed)
            except InvalidInput as exc:
                print(f"sandan batch: {exc.message} ({exc.code})", file=sys.stderr)
                return batch.EXIT_USAGE
            except batch.BatchBusy as exc:
                print(f"sandan batch: {exc}", file=sys.stderr)
                return batch.EXIT_BUSY
        if args.json:
            print(summary.model_dump_json(indent=2))
        else:
            _print_batch(summary)
        return batch.EXIT_OK

    try:
        return asyncio.run(run())
    except Exception:
        logging.getLogger("catalog.batch").exception("batch run failed")
        return batch.EXIT_FAILED


_SCOPE_WORDS = {"county": "全县", "street": "街道", "community": "社区"}
_SKIP_WORDS = {"project_changed": "项目在求解期间已变化", "unit_cap_reached": "成员单位在办项目已达上限",
               "team_not_written": "多单位项目只派主办单位"}


def _scope_label(scope: str) -> str:
    kind, _, code = scope.partition(":")
    return f"{_SCOPE_WORDS.get(kind, kind)} {code}".strip()


def _print_batch(s) -> None:
    """The run summary for a person at a terminal (``--json`` is for scripts)."""
    from matching import Unmatched

    reasons = {u.code: u.label for u in Unmatched}
    head = "（试运行，未写入）" if s.dry_run else f"（运行记录 #{s.run_id}）"
    print(f"批量派单：{_scope_label(s.scope)} {head}")
    verb = "将过期" if s.dry_run else "已过期"
    print(f"  {verb}认领/派单 {s.expired} 个，未评价结单 {s.closed_unrated} 个")
    print(f"  项目 {s.projects} 个，资源 {s.resources} 个；目标值 {s.objective:.3f}，上界 {s.bound:.3f}，差距 {s.gap:.4%}")
    verb = "将派单" if s.dry_run else "已派单"
    print(f"  {verb} {len(s.proposed)} 个")
    for p in s.proposed:
        print(f"    {p.project} → 成员单位 {p.unit_id}（资源 {p.resource_id}，得分 {p.score:.3f}）")
    for k in s.skipped:
        print(f"    跳过 {k.project}：{_SKIP_WORDS.get(k.code, k.code)}（{k.code}）")
    for code, n in sorted(s.unmatched.items()):
        print(f"  未匹配 {n} 个：{reasons.get(code, code)}（{code}）")
