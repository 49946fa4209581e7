"""``sandan migrate``, ``sandan demo`` and ``sandan account``: the database and who may use it."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from catalog.storage.runtime import open_database
from catalog.storage.settings import get_settings

if TYPE_CHECKING:
    from catalog.demo.build import DemoSummary
    from catalog.storage.tx import Db


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "migrate", help="apply pending database migrations (数据库迁移)",
        description="把数据库迁移到最新版本：按编号执行尚未执行的迁移，期间持有咨询锁，多个进程同时启动也只执行一次"
        "（sandan serve 启动时也会做）。Apply the pending migrations of catalog/storage/sql/migrations in order, "
        "under an advisory lock. The database is SANDAN_DATABASE_URL, or the embedded one when it is unset.",
    )
    p.set_defaults(func=_migrate)

    p = sub.add_parser(
        "demo", help="load the demo county into an empty database (加载演示数据)",
        description="向空数据库加载演示县：区域、成员单位、资源、需求、项目、评价和各角色的演示账号，并打印账号"
        "与待结单项目的结单令牌。数据库不为空时不加载（退出码 1）。Load the demo county into an empty database.",
    )
    p.add_argument("--seed", type=int, default=7, help="demo data seed (default 7)")
    p.set_defaults(func=_demo)

    p = sub.add_parser("account", help="manage accounts (账号管理)",
                       description="工作人员账号：创建账号，或停用账号并吊销其全部令牌。"
                       "Create or revoke staff accounts.")
    acc = p.add_subparsers(dest="account_command", required=True)
    c = acc.add_parser(
        "create", help="create an account; the password is read from SANDAN_ACCOUNT_PASSWORD or asked for",
        description="创建工作人员账号。密码取自环境变量 SANDAN_ACCOUNT_PASSWORD，未设置时在终端输入。管辖范围随"
        "角色而定：网格员 --community 和 --grid，社区书记 --community，街道管理员 --street（不填即联盟管理员），"
        "成员单位 --unit。Create a staff account; its scope follows its role.",
    )
    c.add_argument("username", help="login name (用户名)")
    c.add_argument("--role", required=True, choices=["grid_worker", "secretary", "street_admin", "unit", "batch"],
                   help="网格员 grid_worker, 社区书记 secretary, 街道/联盟管理员 street_admin, 成员单位 unit, "
                   "批量派单任务 batch")
    c.add_argument("--name", default="", help="display name (显示名)")
    c.add_argument("--community", help="community code (secretary, grid_worker)")
    c.add_argument("--grid", help="grid code (grid_worker)")
    c.add_argument("--street", help="street code (street_admin; omit for the alliance administrator)")
    c.add_argument("--unit", type=int, help="member unit id (unit)")
    c.set_defaults(func=_account_create)
    r = acc.add_parser("revoke", help="deactivate an account and revoke all its tokens at once",
                       description="停用账号，其全部登录令牌立即失效。Deactivate an account; every token it holds "
                       "stops working at once.")
    r.add_argument("username", help="login name of the account to deactivate (用户名)")
    r.set_defaults(func=_account_revoke)



def _migrate(args: argparse.Namespace) -> int:
    async def run() -> None:
        async with open_database(get_settings()):
            pass

    asyncio.run(run())
    print("数据库已迁移到最新版本 (database is at the latest migration)")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from catalog.demo.build import load_demo
    from catalog.errors import Conflict

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


async def demo_if_empty(db: Db) -> DemoSummary | None:
    """The demo county loaded into ``db`` (``sandan serve --demo``); None when the database already
    has data. ``Conflict`` when another process loaded it between the check and the load."""
    from catalog.demo.build import has_data, load_demo

    if await has_data(db):
        return None
    return await load_demo(db)


def _account_create(args: argparse.Namespace) -> int:
    import getpass
    import os

    from pydantic import ValidationError

    from catalog.errors import DomainError
    from catalog.models import AccountIn
    from catalog.people import accounts

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
    from catalog.errors import DomainError
    from catalog.people import accounts

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

