"""The batch job (批量优化派单): sweep, snapshot, solve, write.

One run, under a session-level advisory lock so that runs never overlap:

1. **Sweep**: claims and offers past their time to live expire, unrated projects close.
2. **Snapshot**: open projects and published resources with room left, read in bulk in one short
   REPEATABLE READ READ ONLY transaction, turned into the engine's :class:`matching.Problem`.
3. **Solve** outside any transaction, then check the plan with :func:`matching.validate`.
4. **Write** in one transaction: a proposal (优化派单) per matched project, its explanation and
   the run record. A project that changed since the snapshot is skipped and counted, never
   overwritten; a unit that reached its cap meanwhile is skipped the same way.

The phases are separate functions so that tests (and operators) can run them one by one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from pydantic import BaseModel, Field

import matching

from . import credit, projects
from .enums import AreaLevel, AssignmentKind, Role, Urgency
from .errors import DomainError, InvalidInput
from .models import Actor
from .sql import q
from .tx import Db, connection, transaction

log = logging.getLogger(__name__)

# An arbitrary constant that identifies "the sandan batch job" among advisory locks.
BATCH_LOCK_KEY = 0x5A4D_0002

BATCH_ACTOR = Actor(role=Role.BATCH, ref="optimiser")

# Exit codes of ``sandan batch``.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3

# A project without a window is open for this many days; a resource without dates is open always.
HORIZON_DAYS = 365
OPEN_END = 100_000

# Engine priority from the project's 优先级 (1..5 → 0..4) plus its urgency; `max_priority` is
# set to the top of that scale so the engine's urgency term grows over all of it.
URGENCY_BONUS = {Urgency.URGENT: 4, Urgency.NORMAL: 2, Urgency.LONG_TERM: 0}
PARAMS = matching.Params(max_priority=8)


class BatchBusy(Exception):
    """Another run holds the batch lock."""


class PlanRejected(Exception):
    """The engine's plan broke a hard rule; nothing is written."""


@dataclass(frozen=True)
class Scope:
    community: str | None = None
    street: str | None = None

    def __post_init__(self) -> None:
        if self.community and self.street:
            raise InvalidInput("只能指定一个范围：社区或街道", code="invalid_scope")

    def __str__(self) -> str:
        if self.community:
            return f"community:{self.community}"
        if self.street:
            return f"street:{self.street}"
        return "county"


@dataclass
class Snapshot:
    """What a run saw: the engine's problem plus what is needed to write the plan back."""

    scope: Scope
    taken_at: dt.datetime
    problem: matching.Problem
    project_ids: dict[str, int]  # engine id -> projects.id
    resource_ids: dict[str, int]  # engine id -> resources.id
    unit_ids: dict[str, int]  # engine id -> units.id
    versions: dict[int, dt.datetime]  # projects.id -> updated_at as seen
    skipped_no_point: list[str] = field(default_factory=list)


class Proposal(BaseModel):
    project: str
    project_id: int
    unit_id: int
    resource_id: int
    score: float
    assignment_id: int | None = None


class Skipped(BaseModel):
    project: str
    code: str


class BatchSummary(BaseModel):
    """What a run did (or, with ``dry_run``, would do); ``--json`` prints this."""

    run_id: int | None = None
    scope: str
    seed: int
    dry_run: bool
    expired: int = 0
    closed_unrated: int = 0
    projects: int = 0
    resources: int = 0
    objective: float = 0.0
    bound: float = 0.0
    gap: float = 0.0
    status: str = "optimal"
    proposed: list[Proposal] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    unmatched: dict[str, int] = Field(default_factory=dict)

    def counts(self) -> dict[str, Any]:
        by_code: dict[str, int] = {}
        for s in self.skipped:
            by_code[s.code] = by_code.get(s.code, 0) + 1
        return {
            "expired": self.expired, "closed_unrated": self.closed_unrated, "projects": self.projects,
            "resources": self.resources, "proposed": len(self.proposed), "skipped": by_code,
            "unmatched": self.unmatched,
        }


# --- 1. sweep --------------------------------------------------------------------------------


async def sweep(db: Db, now: dt.datetime | None = None) -> tuple[int, int]:
    """Expire claims and offers past their time to live; close projects left unrated."""
    expired = await projects.expire_pending(db, now)
    closed = await projects.close_unrated(db, now)
    return expired, len(closed)


# --- 2. snapshot -----------------------------------------------------------------------------


def _day(value: dt.datetime | dt.date | None, today: dt.date, default: int) -> int:
    if value is None:
        return default
    d = value.date() if isinstance(value, dt.datetime) else value
    return (d - today).days


async def check_scope(db: Db, scope: Scope) -> None:
    """An unknown community or street is a usage error, not an empty run."""
    for code, level in ((scope.community, AreaLevel.COMMUNITY), (scope.street, AreaLevel.STREET)):
        if code is None:
            continue
        async with connection(db) as conn:
            found = await conn.fetchval(q("batch_area_level"), code)
        if found != level:
            raise InvalidInput(f"没有这个{level.label}：{code}", code="unknown_area", details={"code": code})


async def take_snapshot(db: Db, scope: Scope = Scope(), now: dt.datetime | None = None) -> Snapshot:
    """Read everything the engine needs in one short read-only transaction, in bulk."""
    now = now or dt.datetime.now(dt.UTC)
    today = now.date()
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            return await _snapshot(conn, scope, now, today)
    return await _snapshot(db, scope, now, today)


async def _snapshot(conn: asyncpg.Connection, scope: Scope, now: dt.datetime, today: dt.date) -> Snapshot:
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        prows = await conn.fetch(q("batch_open_projects"), scope.community, scope.street, now)
        rrows = await conn.fetch(q("batch_open_resources"), today)
        pids = [r["id"] for r in prows]
        declined = await conn.fetch(q("batch_declined_pairs"), pids)
        previous = await conn.fetch(q("batch_previous_proposals"), pids, [r["id"] for r in rrows])
        scores = await credit.scores(conn, sorted({r["unit_id"] for r in rrows}))

    snap = Snapshot(scope=scope, taken_at=now, problem=matching.Problem(projects=[], resources=[]),
                    project_ids={}, resource_ids={}, unit_ids={}, versions={})
    plist = []
    for r in prows:
        if r["lat"] is None:
            snap.skipped_no_point.append(r["number"])
            continue
        start = max(0, _day(r["window_start"], today, 0))
        end = max(start, _day(r["window_end"], today, start + HORIZON_DAYS))
        plist.append(matching.ProjectIn(
            id=r["number"], community=r["community_code"], street=r["street_code"],
            point=matching.Point(lat=r["lat"], lon=r["lon"]), category=r["category"],
            subcategory=r["subcategory"], skills=list(r["required_skills"]), start=start, end=end,
            priority=(r["priority"] - 1) + URGENCY_BONUS[Urgency(r["urgency"])],
            days_waiting=max(0, (now - r["published_at"]).days), units_required=r["units_required"],
            hours=float(r["estimated_hours"]),
        ))
        snap.project_ids[r["number"]] = r["id"]
        snap.versions[r["id"]] = r["updated_at"]

    rlist = []
    for r in rrows:
        # Room left on the resource, and never more than the unit's own cap allows.
        room_unit = max(0, r["active_cap"] - r["unit_live"])
        capacity = None
        if r["capacity_projects"] is not None:
            capacity = max(0, min(r["capacity_projects"] - r["live"], room_unit))
        elif room_unit == 0:
            capacity = 0
        if capacity == 0:
            continue
        rid, uid = f"ZY{r['id']}", f"U{r['unit_id']}"
        centre = None
        if r["centre_lat"] is not None:
            centre = matching.Point(lat=r["centre_lat"], lon=r["centre_lon"])
        rlist.append(matching.ResourceIn(
            id=rid, unit=uid,
            categories=[matching.CategoryRef(category=r["category"], subcategory=r["subcategory"])],
            skills=list(r["skills"]),
            area=matching.ServiceArea(communities=list(r["area_communities"]), center=centre,
                                      radius_km=r["radius_km"]),
            point=centre,
            start=_day(r["valid_from"], today, -OPEN_END), end=_day(r["valid_to"], today, OPEN_END),
            capacity=capacity,
            hours_budget=float(r["capacity_hours"]) if r["capacity_hours"] is not None else None,
            credit=scores[r["unit_id"]].score,
        ))
        snap.resource_ids[rid] = r["id"]
        snap.unit_ids[uid] = r["unit_id"]

    by_pid = {v: k for k, v in snap.project_ids.items()}
    by_rid = {v: k for k, v in snap.resource_ids.items()}
    units = set(snap.unit_ids)
    declined_refs = [
        matching.DeclineRef(project=by_pid[d["project_id"]], unit=f"U{d['unit_id']}")
        for d in declined if d["project_id"] in by_pid and f"U{d['unit_id']}" in units
    ]
    previous_refs = [
        matching.PairRef(project=by_pid[p["project_id"]], resource=by_rid[p["resource_id"]])
        for p in previous if p["project_id"] in by_pid and p["resource_id"] in by_rid
    ]
    snap.problem = matching.Problem(projects=plist, resources=rlist, declined=declined_refs,
                                    previous=previous_refs)
    return snap


# --- 3. solve --------------------------------------------------------------------------------


def solve(snapshot: Snapshot, seed: int = 0, params: matching.Params = PARAMS) -> matching.Plan:
    """Solve the snapshot's problem and run the plan through the validator; pure, no database."""
    plan = matching.solve(snapshot.problem, params, seed=seed)
    check = matching.validate(snapshot.problem, plan, params)
    if not check.ok:
        shown = "; ".join(v.message for v in check.violations[:5])
        raise PlanRejected(f"plan failed validation: {shown}")
    return plan


def proposals_of(snapshot: Snapshot, plan: matching.Plan) -> tuple[list[Proposal], list[Skipped]]:
    """The lead proposal per project: its best-scoring resource in the plan.

    Only a lead is written: a project needing a team gets its lead now and the rest of the team
    is counted as ``team_not_written``.
    """
    best: dict[str, matching.Assignment] = {}
    extra: list[Skipped] = []
    for a in sorted(plan.assignments, key=lambda a: (a.project, -a.score, a.resource)):
        if a.fixed:
            continue
        if a.project in best:
            extra.append(Skipped(project=a.project, code="team_not_written"))
            continue
        best[a.project] = a
    out = [
        Proposal(project=a.project, project_id=snapshot.project_ids[a.project],
                 unit_id=snapshot.unit_ids[a.unit], resource_id=snapshot.resource_ids[a.resource],
                 score=round(a.score, 4))
        for a in best.values()
    ]
    return sorted(out, key=lambda p: p.project_id), extra


# --- 4. write --------------------------------------------------------------------------------


async def write_plan(
    db: Db, snapshot: Snapshot, plan: matching.Plan, summary: BatchSummary, started_at: dt.datetime,
    params: matching.Params = PARAMS,
) -> BatchSummary:
    """Write proposals, explanations and the run record in one transaction.

    ``summary.proposed`` comes in as planned and goes out as written; every pair that could not
    be written lands in ``summary.skipped`` with its reason code.
    """
    breakdowns = {(a.project, snapshot.resource_ids[a.resource]): a for a in plan.assignments}
    written: list[Proposal] = []
    async with transaction(db) as conn:
        # Lock order: every unit first (in id order), then each project as we reach it.
        await conn.fetch(q("batch_lock_units"), sorted({p.unit_id for p in summary.proposed}))
        for p in summary.proposed:
            try:
                async with conn.transaction():  # a savepoint: a refused pair leaves nothing behind
                    fresh = await conn.fetchval(
                        q("batch_project_unchanged"), p.project_id, snapshot.versions[p.project_id]
                    )
                    if fresh is None:
                        summary.skipped.append(Skipped(project=p.project, code="project_changed"))
                        continue
                    a = await projects.direct_project(
                        conn, p.project_id, p.unit_id, BATCH_ACTOR, p.resource_id, kind=AssignmentKind.PROPOSAL
                    )
            except DomainError as exc:
                summary.skipped.append(Skipped(project=p.project, code=exc.code))
                continue
            written.append(p.model_copy(update={"assignment_id": a.id}))
        summary.proposed = written
        row = await conn.fetchrow(
            q("batch_run_insert"), started_at, str(snapshot.scope), summary.seed,
            params.model_dump(mode="json"), summary.counts(),
            plan.objective, plan.bound, plan.gap, plan.status.value,
        )
        summary.run_id = row["id"]
        if written:
            explained = [breakdowns[(p.project, p.resource_id)] for p in written]
            await conn.execute(
                q("batch_explanations_insert"), [p.assignment_id for p in written], row["id"],
                [e.score for e in explained], [e.breakdown.model_dump_json() for e in explained],
            )
    return summary


# --- the whole run ---------------------------------------------------------------------------


class _Lock:
    """The batch lock, held on one connection for the whole run."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> _Lock:
        self.conn = await self.pool.acquire()
        try:
            got = await self.conn.fetchval(q("batch_try_lock"), BATCH_LOCK_KEY)
        except BaseException:
            await self.pool.release(self.conn)
            raise
        if not got:
            await self.pool.release(self.conn)
            raise BatchBusy("另一个批量派单任务正在运行 (another batch run holds the lock)")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.conn is not None
        try:
            await self.conn.fetchval(q("batch_unlock"), BATCH_LOCK_KEY)
        finally:
            await self.pool.release(self.conn)


def batch_lock(pool: asyncpg.Pool) -> _Lock:
    """``async with batch_lock(pool):`` holds the batch lock or raises :class:`BatchBusy` at once."""
    return _Lock(pool)


async def run_batch(
    pool: asyncpg.Pool, scope: Scope = Scope(), *, dry_run: bool = False, seed: int = 0,
    now: dt.datetime | None = None,
) -> BatchSummary:
    """Sweep, snapshot, solve and write, under the batch lock.

    With ``dry_run`` nothing is written: the sweep is only counted and the proposals are the
    engine's, before the write phase's checks.
    """
    started_at = dt.datetime.now(dt.UTC)
    await check_scope(pool, scope)
    async with batch_lock(pool):
        summary = BatchSummary(scope=str(scope), seed=seed, dry_run=dry_run)
        if dry_run:
            async with connection(pool) as conn:
                summary.expired = await conn.fetchval(q("batch_due_pending"), now or dt.datetime.now(dt.UTC))
        else:
            summary.expired, summary.closed_unrated = await sweep(pool, now)
        snap = await take_snapshot(pool, scope, now)
        plan = await asyncio.to_thread(solve, snap, seed)
        summary.projects = len(snap.problem.projects)
        summary.resources = len(snap.problem.resources)
        summary.objective, summary.bound, summary.gap = plan.objective, plan.bound, plan.gap
        summary.status = plan.status.value
        for u in plan.unmatched:
            summary.unmatched[u.code] = summary.unmatched.get(u.code, 0) + 1
        summary.proposed, summary.skipped = proposals_of(snap, plan)
        summary.skipped += [Skipped(project=n, code="no_location") for n in snap.skipped_no_point]
        if dry_run:
            return summary
        summary = await write_plan(pool, snap, plan, summary, started_at)
        log.info("batch run %s (%s): %d proposed, %d skipped", summary.run_id, scope, len(summary.proposed),
                 len(summary.skipped))
        return summary
