"""A demo county (汾河县, fictional), loaded deterministically through the service functions.

The shape follows the alliance reports: two streets, six communities, twenty grids; 58 member
units (19 departments, 14 talent studios, 25 professional associations); 45 listed resources in
the five categories; about 300 needs in the words a grid worker would write down; and some 80
projects left at every stage of their lifecycle, with the detours real work takes (declined and
expired offers, released and rejected claims, units giving work back, late finishes), so that
history, the credit ledger and unit scores are all the product of real commands. The six units
with demo accounts each have an offer to answer, a proposal of the batch job, open projects the
engine suggests to them, work in progress and rated work (``showcase`` in units.toml).

Everything goes through ``catalog`` service functions, inside one transaction: a failed load
leaves nothing behind, and two loads racing each other cannot both pass the emptiness check.
At the end the stories are spread over the past weeks (needs waited, offers went unanswered,
work ran late), and the batch job runs once, as it would every half hour: its sweep colours the
time limits and fills the supervision list (督办), and its write leaves the proposals, their
explanations and the run record. Text and choices come from ``random.Random(seed)``; only
timestamps and closing tokens differ between two loads with the same seed.

The words and tables are the package's TOML files (``catalog.demo.data`` reads them); the
builder is layered by idea, each layer a subclass of the one before: ``county`` (areas, units,
resources), ``residents`` (needs and their review), ``stories`` (one project's way through its
lifecycle) and ``plans`` (which projects there are). This module runs it in one transaction and
finishes the load: the demo accounts, the backdating, the first batch run and the summary.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

import asyncpg
from pydantic import BaseModel, ConfigDict

from catalog.batch import job as batch
from catalog.batch.summary import PARAMS as BATCH_PARAMS, BatchSummary, Progress, Scope
from catalog.demo.county import ADMIN
from catalog.demo.data import COMMUNITIES, LAST_STEP_HOURS, STORY_DAYS, STREETS, TZ
from catalog.demo.plans import Builder
from catalog.enums import (
    AreaLevel,
    AssignmentStatus,
    Labelled,
    NeedStatus,
    ProjectStatus,
    ResourceStatus,
    Role,
    UnitType,
)
from catalog.errors import Conflict
from catalog.models import AccountIn
from catalog.people import accounts
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

# ADMIN: the alliance administrator the demo acts as (tests create their own units with it).
__all__ = ["ADMIN", "DEMO_PASSWORD", "DemoSummary", "has_data", "load_demo"]

log = logging.getLogger(__name__)

# Read-only checks and the summary's counts. Small, and only the demo needs them.
class DemoSummary(BaseModel):
    """What was loaded: counts per entity and status, and the open closing links."""

    model_config = ConfigDict(frozen=True)

    seed: int
    areas: dict[str, int]
    units: dict[str, int]
    resources: dict[str, int]
    needs: dict[str, int]
    projects: dict[str, int]
    assignments: dict[str, int]
    progress_entries: int
    ratings: int
    credit_events: int
    # (project number, token) of every project waiting for the resident's 结单: the token is
    # shown only here, since the database keeps its hash alone.
    closing_links: list[tuple[str, str]]
    # (username, role) of every demo account; all share DEMO_PASSWORD.
    accounts: list[tuple[str, str]] = []

    def __str__(self) -> str:
        def line(title: str, counts: dict[str, int], labels: type[Labelled]) -> str:
            parts = "，".join(f"{labels(k).label} {counts[k]}" for k in labels if k in counts)
            return f"{title}：{sum(counts.values())}（{parts}）"

        rows = [
            f"演示数据（seed={self.seed}）",
            line("区域", self.areas, AreaLevel),
            line("成员单位", self.units, UnitType),
            line("资源", self.resources, ResourceStatus),
            line("需求", self.needs, NeedStatus),
            line("项目", self.projects, ProjectStatus),
            line("认领/派单", self.assignments, AssignmentStatus),
            f"进展 {self.progress_entries}，评价 {self.ratings}，信用记录 {self.credit_events}",
            "待结单项目的结单令牌：",
            *(f"  {number}  {token}" for number, token in self.closing_links),
            f"演示账号（密码均为 {DEMO_PASSWORD}）：",
            *(f"  {username}  {Role(role).label}" for username, role in self.accounts),
        ]
        return "\n".join(rows)


async def has_data(db: Db) -> bool:
    """True when the database already holds member units or needs (so the demo must not load)."""
    async with connection(db) as conn:
        return bool(await conn.fetchval(q("demo_has_data")))


async def load_demo(db: Db, *, seed: int = 7) -> DemoSummary:
    """Load the demo county into an empty database; ``Conflict('demo_exists')`` otherwise.

    One transaction: every service call below runs in a savepoint of it, so their own rules
    (guarded transitions, caps, history, credit) apply unchanged, and a failure rolls all back.
    """
    # One hash for the shared demo password: argon2 is slow on purpose.
    password_hash = await accounts.hash_password(DEMO_PASSWORD)
    # Repeatable read, as the batch job's snapshot asks of the transaction it reads in: its read
    # becomes a savepoint of this one and sees everything loaded so far.
    async with connection(db) as conn, conn.transaction(isolation="repeatable_read"):
        await conn.execute(q("demo_lock"))
        if bool(await conn.fetchval(q("demo_has_data"))):
            raise Conflict("数据库中已有成员单位或需求，不能加载演示数据", code="demo_exists")
        builder = Builder(conn, random.Random(seed))
        await builder.build()
        made = await _demo_accounts(conn, builder, password_hash)
        now = await conn.fetchval(q("demo_now"))
        await _backdate(conn, builder, now)
        run = await _first_batch_run(conn, now)
        summary = await _summarise(conn, seed, builder.closing_links)
        log.info("demo: batch run %s proposed %d, time limits %s", run.run_id, len(run.proposed),
                 run.sweep.get("time_limits"))
        return summary.model_copy(update={"accounts": made})


# --- after the stories: their times, and the first run of the batch job ---------------------------

_GUARDS = ("", "_ratings", "_credit")


async def _backdate(conn: asyncpg.Connection, builder: Builder, now: dt.datetime) -> None:
    """Spread the stories over the past weeks (``demo_backdate``): every service call stamped
    its rows with the load's moment, and a newcomer should see projects that waited, ran late
    and were rated days ago, so that time limits, charts and ledgers read like a real month."""
    r = builder.rng
    pids, starts, ends, shifts = [], [], [], []
    for plan in builder.plans:
        if not plan.project_id:
            continue
        lo, hi = LAST_STEP_HOURS[plan.status]
        end_h = r.uniform(lo, hi)
        lo, hi = STORY_DAYS[plan.status]
        start_h = end_h + 24 * r.uniform(lo, hi)
        shift_h = start_h
        if plan.story == "late":  # planned to end about a third of the way into its story
            planned_end = dt.datetime.combine(builder.today - dt.timedelta(days=5), dt.time(9), TZ)
            target = now - dt.timedelta(hours=start_h - (start_h - end_h) / 3)
            shift_h = (planned_end - target).total_seconds() / 3600
        pids.append(plan.project_id)
        starts.append(round(start_h * 60))
        ends.append(round(end_h * 60))
        shifts.append(round(shift_h * 60))
    nids, nstarts, nends = [], [], []
    for need_id, status in builder.loose_needs:
        # a pending need waits from an hour to four days (its review clock: 1 working day)
        end_h = r.uniform(1, 100) if status == "pending" else r.uniform(24, 600)
        nids.append(need_id)
        nends.append(round(end_h * 60))
        nstarts.append(round((end_h + (0 if status == "pending" else r.uniform(2, 48))) * 60))
    for g in _GUARDS:
        await conn.execute(q(f"demo_guards_off{g}"))
    moved = await conn.fetchrow(q("demo_backdate"), now, pids, starts, ends, shifts, nids, nstarts, nends)
    for g in _GUARDS:
        await conn.execute(q(f"demo_guards_on{g}"))
    log.debug("demo backdated: %s", dict(moved))


async def _first_batch_run(conn: asyncpg.Connection, now: dt.datetime) -> BatchSummary:
    """The batch job's four phases, county-wide, exactly as ``sandan batch`` runs them, but on
    the load's connection and inside its transaction: the sweep (nothing to expire; time-limit
    colours and 督办), the snapshot, the solve, and the write of proposals, explanations and the
    run record. Only the batch lock is left out: nothing else sees the data before it commits."""
    summary = BatchSummary(scope=str(Scope()), seed=0, dry_run=False)
    progress = Progress()
    return await batch._phases(conn, Scope(), summary, batch._Clock(summary, progress), now=now,
                               params=BATCH_PARAMS, started_at=now, progress=progress)


# Documented in README.md; every demo account uses it. Never load the demo into a real database.
DEMO_PASSWORD = "sandan-demo-2024"
DEMO_UNIT_ACCOUNTS = 6


async def _demo_accounts(conn: asyncpg.Connection, builder: Builder, password_hash: str) -> list[tuple[str, str]]:
    """A secretary and a grid worker (first grid) per community, an admin per street, the
    alliance administrator, the first few units and the batch job."""
    wanted: list[AccountIn] = []
    pw = DEMO_PASSWORD
    for m in COMMUNITIES:
        wanted.append(AccountIn(username=f"sec-{m.code}", display_name=f"{m.name}书记", password=pw,
                                role=Role.SECRETARY, community_code=m.code))
        grid = builder.grids[m.code][0][0]
        wanted.append(AccountIn(username=f"grid-{grid}", display_name=f"{m.name}网格员", password=pw,
                                role=Role.GRID_WORKER, community_code=m.code, grid_code=grid))
    for code, name in STREETS:
        wanted.append(AccountIn(username=f"street-{code}", display_name=f"{name}管理员", password=pw,
                                role=Role.STREET_ADMIN, street_code=code))
    wanted.append(AccountIn(username="alliance", display_name="联盟管理员", password=pw, role=Role.STREET_ADMIN))
    for u in builder.units[:DEMO_UNIT_ACCOUNTS]:
        wanted.append(AccountIn(username=f"unit-{u.id}", display_name=u.name, password=pw,
                                role=Role.UNIT, unit_id=u.id))
    wanted.append(AccountIn(username="batch", display_name="批量派单任务", password=pw, role=Role.BATCH))
    for a in wanted:
        await accounts.create_account(conn, a, password_hash=password_hash)
    return [(a.username, a.role.value) for a in wanted]


async def _summarise(conn: asyncpg.Connection, seed: int, links: list[tuple[str, str]]) -> DemoSummary:
    counts: dict[str, dict[str, int]] = {
        e: {} for e in ("areas", "units", "resources", "needs", "projects", "assignments")
    }
    for r in await conn.fetch(q("demo_counts")):
        counts[r["entity"]][r["k"]] = r["n"]
    totals = dict(await conn.fetchrow(q("demo_totals")))
    return DemoSummary(seed=seed, **counts, **totals, closing_links=links)
