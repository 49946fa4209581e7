"""Commands that need the database or the engine but no HTTP: migrate, demo, solve, batch.

``api.cli`` builds the ``sandan`` command from these plus ``serve``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import threading
import time

from catalog.storage.runtime import open_database
from catalog.storage.settings import get_settings


def add_commands(sub: argparse._SubParsersAction) -> None:
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
                       description="工作人员账号：创建账号，或停用账号并吊销其全部令牌。Create or revoke staff accounts.")
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

    # What follows "solve" is the engine's own command line (matching.cli), its help included:
    # ``api.cli.main`` hands it over unparsed, so that its options are written once and the
    # engine is loaded only for this command. The entry here lists it among the commands.
    p = sub.add_parser(
        "solve", add_help=False, help="solve a matching problem from JSON, write the plan as JSON (求解派单)"
    )
    p.add_argument("args", nargs=argparse.REMAINDER, help="PROBLEM.json --seed N [-o PLAN.json] [--params P.json]")
    p.set_defaults(func=solve)

    p = sub.add_parser(
        "batch", help="sweep, then propose units for open projects with the engine (批量优化派单)",
        description="Expire claims and offers past their time to live, close unrated projects, then "
        "solve the open projects (优化派单, and 认领 past the claim deadline) against the published "
        "resources and write one proposal per matched project. Runs never overlap.",
        epilog="exit codes: 0 done (or dry run done); 1 unexpected failure, nothing written by the "
        "failed phase; 2 bad arguments or settings (unknown community or street); 3 another batch "
        "run holds the lock, nothing done.\n\n"
        "The run lowers its own CPU priority first (nice 10 by default; --nice or "
        "SANDAN_BATCH_NICE, 0 keeps it as started), so that on a small machine the web service "
        "still answers promptly while a county-wide run solves.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--community", help="only projects of this community (社区代码)")
    where.add_argument("--street", help="only projects of this street (街道代码)")
    p.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    p.add_argument("--json", action="store_true", help="print the summary as JSON, for scripts")
    p.add_argument("--seed", type=int, default=0, help="engine seed (default 0); same seed, same plan")
    p.add_argument("--nice", type=int, default=None, metavar="N",
                   help="lower the run's CPU priority by N (0-19, default SANDAN_BATCH_NICE or 10; 0: not at all)")
    p.set_defaults(func=_batch)


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


def _account_create(args: argparse.Namespace) -> int:
    import getpass
    import os

    from pydantic import ValidationError

    from catalog.people import accounts
    from catalog.errors import DomainError
    from catalog.models import AccountIn

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
    from catalog.people import accounts
    from catalog.errors import DomainError

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


def solve(args: argparse.Namespace) -> int:
    """``sandan solve …``: ``args.args`` is everything after the command's name."""
    from matching import run_solve_cli

    return run_solve_cli(args.args)


def _batch(args: argparse.Namespace) -> int:
    import os

    from catalog.batch import job as batch
    from catalog.errors import InvalidInput

    try:
        nice = args.nice if args.nice is not None else int(os.environ.get("SANDAN_BATCH_NICE", batch.NICE))
    except ValueError:
        print("sandan batch: SANDAN_BATCH_NICE must be a whole number", file=sys.stderr)
        return batch.EXIT_USAGE
    if not 0 <= nice <= 19:
        print("sandan batch: --nice must be between 0 and 19", file=sys.stderr)
        return batch.EXIT_USAGE
    live = sys.stdout.isatty() and sys.stderr.isatty()

    async def run() -> int:
        progress = _TerminalProgress(sys.stderr) if live else _LogProgress()
        async with open_database(get_settings()) as pool:
            # Lowered only now: an embedded server this command starts must not inherit the
            # priority (the web service works on it too). The pool's connections are made anew,
            # so that the server processes working for this run share it.
            batch.lower_priority(nice)
            await pool.expire_connections()
            try:
                scope = batch.Scope(community=args.community, street=args.street)
                async with progress:
                    summary = await batch.run_batch(pool, scope, dry_run=args.dry_run, seed=args.seed,
                                                    progress=progress)
            except InvalidInput as exc:
                print(f"sandan batch: {exc.message} ({exc.code})", file=sys.stderr)
                return batch.EXIT_USAGE
            except batch.BatchBusy as exc:
                print(f"sandan batch: {exc}", file=sys.stderr)
                return batch.EXIT_BUSY
            if args.json:
                print(summary.model_dump_json(indent=2))
                return batch.EXIT_OK
            try:
                names = await batch.names_of(pool, summary)
            except Exception:  # the run is done; without names the summary still says what it did
                logging.getLogger("catalog.batch").warning("names for the summary not read", exc_info=True)
                names = batch.Names()
            _print_batch(summary, names)
        return batch.EXIT_OK

    def guarded() -> int:
        try:
            return asyncio.run(run())
        except Exception:
            logging.getLogger("catalog.batch").exception("batch run failed")
            return batch.EXIT_FAILED

    if not live:
        return guarded()
    with _logs_above(_live):
        return guarded()


class _LogProgress:
    """Plain log lines, one per phase start and end and every tenth of the write: for cron and
    journald, where a redrawn line would be noise."""

    def __init__(self) -> None:
        self.log = logging.getLogger("catalog.batch")
        self.shown = -1

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def start(self, phase: str) -> None:
        from catalog.batch.job import PHASE_LABELS

        self.log.info("batch phase %s started (%s)", phase, PHASE_LABELS[phase])

    def done(self, phase: str, seconds: float, note: str = "") -> None:
        self.log.info("batch phase %s done in %.2f s: %s", phase, seconds, note)

    def step(self, done: int, total: int) -> None:
        tenth = done * 10 // max(1, total)
        if tenth != self.shown:
            self.shown = tenth
            self.log.info("batch write %d/%d", done, total)


class _TerminalProgress:
    """One line per phase at a terminal, redrawn while the phase runs: its elapsed time, and for
    the write phase the count written so far; the finished phase stays with its time. Lines
    logged meanwhile (warnings: see :func:`_logs_above`) go above it, never into it."""

    def __init__(self, out) -> None:
        self.out = out
        self.phase: str | None = None
        self.t0 = 0.0
        self.count = ""
        self.ticker: asyncio.Task | None = None
        # the solve runs in a thread, and what it logs is written from there
        self.lock = threading.Lock()

    async def __aenter__(self):
        self.ticker = asyncio.create_task(self._tick())
        _live.append(self)
        return self

    async def __aexit__(self, *exc: object) -> None:
        _live.remove(self)
        assert self.ticker is not None
        self.ticker.cancel()
        try:
            await self.ticker
        except asyncio.CancelledError:
            pass
        if self.phase is not None:  # interrupted mid-phase: end the line
            self._write("\n")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            self._draw()

    def _write(self, text: str) -> None:
        with self.lock:
            self.out.write(text)
            self.out.flush()

    def _line(self) -> str:
        if self.phase is None:
            return ""
        elapsed = time.perf_counter() - self.t0
        return f"  … {_phase_column(self.phase)} {elapsed:6.1f} s {self.count}"

    def _draw(self) -> None:
        if self.phase is not None:
            self._write(f"\r\x1b[K{self._line()}")

    def note(self, text: str) -> None:
        """A line of its own above the progress line, which is drawn again under it."""
        self._write(f"\r\x1b[K{text}\n{self._line()}")

    def start(self, phase: str) -> None:
        self.phase, self.t0, self.count = phase, time.perf_counter(), ""
        self._draw()

    def done(self, phase: str, seconds: float, note: str = "") -> None:
        self.phase = None
        self._write(f"\r\x1b[K  ✓ {_phase_column(phase)} {seconds:6.2f} s  {note}\n")

    def step(self, done: int, total: int) -> None:
        self.count = f"{done}/{total}（{done / max(1, total):.0%}）"
        self._draw()


# The terminal display running now, if any: where log lines go while it draws.
_live: list[_TerminalProgress] = []
_LEVEL_WORDS = {"WARNING": "警告", "ERROR": "错误", "CRITICAL": "严重错误"}


class _AboveProgress(logging.Handler):
    """At a terminal: a warning or an error on a line of its own, in Chinese words where we have
    them, above the progress line (or plainly on stderr when none is drawn)."""

    def __init__(self, live: list[_TerminalProgress]) -> None:
        super().__init__(logging.WARNING)
        self.live = live
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = f"  ! {_LEVEL_WORDS.get(record.levelname, record.levelname)}（{record.name}）：{self.format(record)}"
            if self.live:
                self.live[-1].note(text)
            else:
                sys.stderr.write(text + "\n")
                sys.stderr.flush()
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def _logs_above(live: list[_TerminalProgress]):
    """While a person watches the run at a terminal, the log's info lines (English, one per phase
    and per module) stay out of the way: the progress display and the summary say the same in
    Chinese. Warnings and errors still show, each on a line of its own."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [_AboveProgress(live)]
    try:
        yield
    finally:
        root.handlers = saved


def _phase_column(phase: str) -> str:
    """The phase's Chinese name padded to one width (four characters), so the times line up."""
    return _phase_label(phase).ljust(4, "\u3000")


_SCOPE_WORDS = {"county": "全县", "street": "街道", "community": "社区"}
_KIND_WORDS = {"claim": "认领", "directed": "定向派单", "proposal": "优化派单"}
# Lines per list at a terminal; --json has them all.
_SHOWN = 30


def _scope_label(scope: str, names) -> str:
    kind, _, code = scope.partition(":")
    if code and code in names.areas:
        return f"{names.areas[code]} [{code}]"
    return f"{_SCOPE_WORDS.get(kind, kind)} {code}".strip()


def _unit(names, unit_id: int) -> str:
    """A unit by its name, its id in brackets (ids are what the API and the run records use)."""
    name = names.units.get(unit_id)
    return f"{name} [{unit_id}]" if name else f"成员单位 [{unit_id}]"


def _listed(items: list, line) -> None:
    for x in items[:_SHOWN]:
        print(line(x))
    if len(items) > _SHOWN:
        print(f"    ……另有 {len(items) - _SHOWN} 个（--json 可看全部）")


def _proposal_line(p, names) -> str:
    part = "协办" if p.role == "helper" else "主办"
    resource = names.resources.get(p.resource_id)
    resource = f"资源“{resource}” [{p.resource_id}]" if resource else f"资源 [{p.resource_id}]"
    text = f"    {p.project} → {part} {_unit(names, p.unit_id)}，{resource}，得分 {p.score:.3f}"
    if p.runner_ups:
        r = p.runner_ups[0]
        text += f"；次选 {_unit(names, int(r['unit_id']))}（{r['score']:.3f} 分，输在{r['label']}）"
    return text


def _print_batch(s, names) -> None:
    """The run summary for a person (``--json`` is for scripts), with units, resources and
    communities by name. A dry run says what would change against the current proposals."""
    from catalog.batch import job as batch

    dry = s.dry_run
    head = "（试运行，未写入）" if dry else f"（运行记录 #{s.run_id}）"
    print(f"批量派单：{_scope_label(s.scope, names)}{head}")
    verb = "将过期" if dry else "已过期"
    print(f"  {verb}认领/派单 {s.expired} 个，未评价结单 {s.closed_unrated} 个")
    if dry:
        _listed(s.expiring, lambda e: f"    {e.project} {_unit(names, e.unit_id)} 的{_KIND_WORDS.get(e.kind, e.kind)}"
                f"（{e.expires_at:%Y-%m-%d %H:%M} 到期），项目将重新开放")
    limits = s.sweep.get("time_limits")
    if limits:
        print(f"  时限：红灯 {limits['red']} 个，黄灯 {limits['yellow']} 个，蓝灯 {limits['blue']} 个；"
              f"{'将' if dry else '已'}新列督办 {limits['raised']} 个，{'将' if dry else '已'}解除督办 "
              f"{limits['resolved']} 个，逾期记信用 {limits['credited']} 次")
    print(f"  项目 {s.projects} 个，资源 {s.resources} 个；目标值 {s.objective:.3f}，上界 {s.bound:.3f}，差距 {s.gap:.4%}")
    verb = "将新派单" if dry else "已派单"
    helpers = sum(1 for p in s.proposed if p.role == "helper")
    print(f"  {verb} {len(s.proposed)} 个" + (f"（其中协办 {helpers} 个）" if helpers else ""))
    _listed(s.proposed, lambda p: _proposal_line(p, names))
    _listed(s.skipped, lambda k: f"    跳过 {k.project}：{batch.SKIP_LABELS.get(k.code, k.code)}（{k.code}）")
    if dry:
        print(f"  因成员单位已拒绝而不再派给它 {len(s.declined)} 对")
        _listed(s.declined, lambda d: f"    {d.project} ✗ {_unit(names, d.unit_id)}")
    verb = "仍未匹配" if dry else "未匹配"
    by_code: dict[str, list] = {}
    for u in s.unmatched_projects:
        by_code.setdefault(u.code, []).append(u)
    for code, items in sorted(by_code.items()):
        print(f"  {verb} {len(items)} 个：{items[0].label}（{code}）")
        _listed(items, lambda u: f"    {u.project}（{names.areas.get(u.community) or '社区 ' + u.community}）"
                + (f"，名额给了 {u.taken_by_project}" if u.taken_by_project else ""))
    if s.phases:
        print("  用时：" + "，".join(f"{_phase_label(k)} {v:.2f} s" for k, v in s.phases.items()))


def _phase_label(name: str) -> str:
    from catalog.batch.job import PHASE_LABELS

    return PHASE_LABELS.get(name, name)
