"""The batch job (批量优化派单): sweep, snapshot, solve, write.

One run, under a session-level advisory lock so that runs never overlap:

1. **Sweep**: claims and offers past their time to live expire, unrated projects close, running
   clocks get their time-limit colour (时限预警, 督办).
2. **Snapshot**: open projects and published resources with room left, read in bulk in one short
   REPEATABLE READ READ ONLY transaction, turned column by column into the engine's
   :class:`matching.ProblemArrays` (:func:`catalog.batch.engine_input.problem_arrays`).
3. **Solve** outside any transaction (:func:`matching.solve_arrays`), then check the plan with
   :func:`matching.validate_arrays`. Proposals, explanations and reasons are read off the
   plan's arrays: at 100k projects a record per project would cost more than the solve.
4. **Write** in one transaction (:func:`catalog.batch.bulk.write_plan_bulk`, set-based): a
   proposal (优化派单) per matched project, its explanation (score by term, and the runner-up
   units with the term each lost on) and the run record (parameters, seed, counts, objective,
   bound, gap, seconds per phase, what the sweep did, the unmatched projects with their
   reasons, the supply-gap table). A project that changed since the snapshot is skipped and
   counted, never overwritten; a unit that reached its cap or a resource that filled up
   meanwhile is skipped the same way. Everything that takes CPU time (the explanations' JSON)
   is ready before the transaction starts, so its locks last only as long as its statements.

All or nothing: a run killed at any moment leaves either the whole write or none of it; the
sweep before it is its own transaction. The phases are separate functions so that tests (and
operators) can run them one by one; a :class:`Progress` hears about each phase as it goes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Literal

import asyncpg
import numpy as np
import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

import matching
from matching.rules import PAIR_TERMS

from catalog.people import access
from catalog.oversight import credit
from catalog.batch import engine_input
from catalog.lists import team, projects
from catalog.enums import (
    AreaLevel,
    AssignmentKind,
    AssignmentRole,
    AssignmentStatus,
    ProjectStatus,
    Role,
)
from catalog.errors import DomainError, Forbidden, InvalidInput, NotFound
from catalog.models import Actor, Code, ListQuery, Principal
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, transaction

log = logging.getLogger(__name__)

# An arbitrary constant that identifies "the sandan batch job" among advisory locks.
BATCH_LOCK_KEY = 0x5A4D_0002

BATCH_ACTOR = Actor(role=Role.BATCH, ref="optimiser")

# Exit codes of ``sandan batch``.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3

# The engine's parameters and the rows-to-engine conversion are shared with the suggestions.
PARAMS = engine_input.PARAMS


# How much ``sandan batch`` lowers its CPU priority (os.nice) unless told otherwise: the solve
# takes a core for seconds, and on a two-core machine the web service must keep answering.
NICE = 10


def lower_priority(by: int) -> int:
    """Lower this process's CPU priority by ``by`` (0: leave it) and return the niceness now.

    Niceness only goes up for an ordinary user, so this is done once, by the command, before
    the run and after the database is up: an embedded server the command starts keeps normal
    priority, and only its processes working for this run follow (``catalog.storage.db.share_niceness``)."""
    import os

    if by > 0:
        now = os.nice(by)
        log.info("batch run at nice %d (CPU priority lowered by %d)", now, by)
        return now
    return os.nice(0)


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
class _Rows:
    """The rows a snapshot read, kept for :attr:`Snapshot.problem`."""

    projects: Sequence[asyncpg.Record]
    resources: Sequence[asyncpg.Record]
    credit: dict[int, float]
    declined: Sequence[asyncpg.Record]
    previous: Sequence[asyncpg.Record]
    now: dt.datetime
    today: dt.date


@dataclass
class Snapshot:
    """What a run saw: the engine's problem in array form, plus what is needed to write the
    plan back. Engine index ``i`` of a project is ``projects.id`` ``project_db[i]``; likewise
    resources and units."""

    scope: Scope
    taken_at: dt.datetime
    arrays: matching.ProblemArrays
    project_db: np.ndarray  # int64 projects.id per engine project
    resource_db: np.ndarray  # int64 resources.id per engine resource
    unit_db: np.ndarray  # int64 units.id per engine unit
    versions: dict[int, dt.datetime]  # projects.id -> updated_at as seen
    skipped_no_point: list[str] = field(default_factory=list)
    rows: _Rows | None = field(default=None, repr=False)

    @cached_property
    def project_ids(self) -> dict[str, int]:
        """Engine id (the project number) -> projects.id."""
        return dict(zip(self.arrays.project_ids.tolist(), self.project_db.tolist()))

    @cached_property
    def resource_ids(self) -> dict[str, int]:
        """Engine id -> resources.id."""
        return dict(zip(self.arrays.resource_ids.tolist(), self.resource_db.tolist()))

    @cached_property
    def unit_ids(self) -> dict[str, int]:
        """Engine id -> units.id."""
        return dict(zip(self.arrays.unit_ids.tolist(), self.unit_db.tolist()))

    @cached_property
    def problem(self) -> matching.Problem:
        """The same problem as records (:class:`matching.Problem`), for callers on the model
        path (the demo's summary, notebooks, a JSON file for ``sandan solve``). Built on first
        use from the rows the snapshot read; the batch job itself never needs it."""
        if self.rows is None:
            raise ValueError("this snapshot kept no rows to build the records from")
        rows = self.rows
        projects = [engine_input.project_in(r, now=rows.now, today=rows.today) for r in rows.projects]
        resources = [engine_input.resource_in(r, today=rows.today, credit=rows.credit[r["unit_id"]])
                     for r in rows.resources]
        plist = [p for p in projects if p is not None]
        rlist = [r for r in resources if r is not None]
        by_pid = {v: k for k, v in self.project_ids.items()}
        by_rid = {v: k for k, v in self.resource_ids.items()}
        units = set(self.unit_ids)
        declined = [
            matching.DeclineRef(project=by_pid[d["project_id"]], unit=engine_input.unit_ref(d["unit_id"]))
            for d in rows.declined
            if d["project_id"] in by_pid and engine_input.unit_ref(d["unit_id"]) in units
        ]
        previous = [
            matching.PairRef(project=by_pid[p["project_id"]], resource=by_rid[p["resource_id"]])
            for p in rows.previous if p["project_id"] in by_pid and p["resource_id"] in by_rid
        ]
        return matching.Problem(projects=plist, resources=rlist, declined=declined, previous=previous)

    @cached_property
    def communities(self) -> np.ndarray:
        """Each engine project's community code."""
        return self.arrays.communities[self.arrays.p_community]


# How many runner-up units each proposal's explanation names.
RUNNER_UPS = 3

PHASES = ("sweep", "snapshot", "solve", "write")
PHASE_LABELS = {"sweep": "清理过期", "snapshot": "读取快照", "solve": "求解", "write": "写入派单"}


class Proposal(BaseModel):
    project: str
    project_id: int
    unit_id: int
    resource_id: int
    score: float
    # a team project (units_required > 1) gets its lead (主办) and its helpers (协办)
    role: AssignmentRole = AssignmentRole.LEAD
    assignment_id: int | None = None
    # the score by term, and the next units: [{"unit_id", "resource_id", "score", "behind",
    # "lost_on", "label", "breakdown"}] (see matching.explain)
    breakdown: dict[str, float] = Field(default_factory=dict)
    runner_ups: list[dict[str, Any]] = Field(default_factory=list)


class Skipped(BaseModel):
    project: str
    code: str


class UnmatchedOut(BaseModel):
    """A project the engine left without a unit, and why (the engine's reason code and label)."""

    project: str
    project_id: int
    community: str
    code: str
    label: str
    taken_by_project: str | None = None
    taken_by_project_id: int | None = None
    taken_by_resource_id: int | None = None


class Expiring(BaseModel):
    """A pending claim or offer the sweep would expire (``--dry-run``)."""

    project: str
    project_id: int
    unit_id: int
    kind: str
    expires_at: dt.datetime


class DeclinedPair(BaseModel):
    """A project and a unit that declined it: the engine never pairs them again."""

    project: str
    project_id: int
    unit_id: int


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
    # what the sweep did (or would do): expired, closed_unrated, and (real runs) time_limits
    sweep: dict[str, Any] = Field(default_factory=dict)
    # seconds per phase, in PHASES order
    phases: dict[str, float] = Field(default_factory=dict)
    unmatched_projects: list[UnmatchedOut] = Field(default_factory=list)
    supply_gap: list[matching.SupplyGapRow] = Field(default_factory=list)
    # the communities of the projects the run looked at: who may read its record
    communities: list[str] = Field(default_factory=list)
    # --dry-run only: what the sweep would expire; pairs left out because the unit declined
    expiring: list[Expiring] = Field(default_factory=list)
    declined: list[DeclinedPair] = Field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        by_code: dict[str, int] = {}
        for s in self.skipped:
            by_code[s.code] = by_code.get(s.code, 0) + 1
        return {
            "expired": self.expired, "closed_unrated": self.closed_unrated, "projects": self.projects,
            "resources": self.resources, "proposed": len(self.proposed),
            "helpers": sum(1 for p in self.proposed if p.role is AssignmentRole.HELPER), "skipped": by_code,
            "unmatched": self.unmatched,
        }


@dataclass(frozen=True)
class Names:
    """What the units, resources and areas a summary speaks of by id or code are called."""

    units: dict[int, str] = field(default_factory=dict)
    resources: dict[int, str] = field(default_factory=dict)
    areas: dict[str, str] = field(default_factory=dict)


async def names_of(db: Db, summary: BatchSummary) -> Names:
    """The names behind a summary's ids and codes, for a person reading it (``--json`` keeps ids)."""
    units = {p.unit_id for p in summary.proposed} | {e.unit_id for e in summary.expiring}
    units |= {d.unit_id for d in summary.declined}
    units |= {int(r["unit_id"]) for p in summary.proposed for r in p.runner_ups if r.get("unit_id") is not None}
    resources = {p.resource_id for p in summary.proposed}
    areas = {u.community for u in summary.unmatched_projects}
    code = summary.scope.partition(":")[2]
    if code:
        areas.add(code)
    async with connection(db) as conn:
        rows = await conn.fetch(q("batch_names"), sorted(units), sorted(resources), sorted(areas))
    names = Names()
    for r in rows:
        if r["kind"] == "unit":
            names.units[int(r["key"])] = r["name"]
        elif r["kind"] == "resource":
            names.resources[int(r["key"])] = r["name"]
        else:
            names.areas[r["key"]] = r["name"]
    return names


class Progress:
    """What a run tells as it goes: each phase's start and end, and the write phase's count.

    This one tells nothing; the command line shows a live display at a terminal and log lines
    otherwise (``catalog.cli``)."""

    def start(self, phase: str) -> None:
        """``phase`` (one of PHASES) begins."""

    def done(self, phase: str, seconds: float, note: str = "") -> None:
        """``phase`` ended after ``seconds``; ``note`` says what it did, in a few words."""

    def step(self, done: int, total: int) -> None:
        """The write phase has handled ``done`` of ``total`` proposals."""


class _Clock:
    """Times the phases into ``summary.phases`` and tells the progress display."""

    def __init__(self, summary: BatchSummary, progress: Progress) -> None:
        self.summary, self.progress = summary, progress
        self.phase, self.t0 = "", 0.0

    def start(self, phase: str) -> None:
        self.phase, self.t0 = phase, time.perf_counter()
        log.debug("batch phase %s started", phase)
        self.progress.start(phase)

    def done(self, note: str = "") -> None:
        seconds = round(time.perf_counter() - self.t0, 3)
        self.summary.phases[self.phase] = seconds
        self.progress.done(self.phase, seconds, note)


# --- 1. sweep --------------------------------------------------------------------------------


async def sweep(db: Db, now: dt.datetime | None = None) -> tuple[int, int]:
    """Expire claims and offers past their time to live; close projects left unrated."""
    expired = await projects.expire_pending(db, now)
    closed = await projects.close_unrated(db, now)
    return expired, len(closed)


async def sweep_time_limits(db: Db, now: dt.datetime | None = None, *, preview: bool = False) -> dict[str, int]:
    """The time limits' part of the sweep (时限预警 and 督办, :func:`catalog.oversight.sweep.mark_time_limits`):
    its counts, for the run record's ``sweep``; with ``preview`` what it would do, nothing kept."""
    from catalog.oversight.sweep import mark_time_limits

    marked = await mark_time_limits(db, now, preview=preview)
    return marked.model_dump(exclude={"now"})


async def preview_sweep(db: Db, now: dt.datetime) -> tuple[list[Expiring], int]:
    """What the sweep would do, without doing it (``--dry-run``): the claims and offers it
    would expire, and how many unrated projects it would close."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("batch_due_pending_list"), now)
        closing = await conn.fetchval(q("batch_due_unrated"), now)
    return [Expiring.model_validate(dict(r)) for r in rows], closing


# --- 2. snapshot -----------------------------------------------------------------------------


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

    credit_of = {u: c.score for u, c in scores.items()}
    got = engine_input.problem_arrays(prows, rrows, credit=credit_of, declined=declined, previous=previous,
                                      now=now, today=today)
    versions = {r["id"]: r["updated_at"] for r in prows if r["lat"] is not None}
    return Snapshot(
        scope=scope, taken_at=now, arrays=got.arrays, project_db=got.project_db, resource_db=got.resource_db,
        unit_db=got.unit_db, versions=versions, skipped_no_point=[prows[i]["number"] for i in got.no_point],
        rows=_Rows(projects=prows, resources=rrows, credit=credit_of, declined=declined, previous=previous,
                   now=now, today=today),
    )


# --- 3. solve --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BatchPlan:
    """The engine's plan for a snapshot, kept in array form (:class:`matching.PlanArrays`).

    The run reads its proposals, explanations and reasons straight off the arrays;
    :meth:`to_model` (and ``unmatched``, built from it) give the JSON plan for the callers that
    want records."""

    arrays: matching.PlanArrays

    @property
    def objective(self) -> float:
        return self.arrays.objective / self.arrays.params.scale

    @property
    def bound(self) -> float:
        return self.arrays.bound / self.arrays.params.scale

    @property
    def gap(self) -> float:
        return self.arrays.gap

    @property
    def status(self) -> matching.Status:
        return self.arrays.status

    def to_model(self) -> matching.Plan:
        return self._model

    @cached_property
    def _model(self) -> matching.Plan:
        return self.arrays.to_model()

    @property
    def unmatched(self) -> list[matching.UnmatchedProject]:
        return self._model.unmatched

    @cached_property
    def supply_gap(self) -> list[matching.SupplyGapRow]:
        """Demand, supply and shortfall by category and community (the rows of ``to_model``)."""
        a, g = self.arrays.problem, self.arrays.supply_gap
        street = [str(a.streets[i]) if i >= 0 else None for i in g["street"].tolist()]
        return [
            matching.SupplyGapRow(category=str(a.categories[c]), community=str(a.communities[m]), street=st,
                                  demand=d, supply=sp, resources=n, matched=mt, unmatched=um)
            for c, m, st, d, sp, n, mt, um in zip(
                g["category"].tolist(), g["community"].tolist(), street, g["demand"].tolist(),
                g["supply"].tolist(), g["resources"].tolist(), g["matched"].tolist(), g["unmatched"].tolist())
        ]

    def unmatched_counts(self) -> dict[str, int]:
        """Projects left open by reason code, codes in the order of their first project."""
        reason = self.arrays.reason
        codes, first, n = np.unique(reason[reason > 0], return_index=True, return_counts=True)
        return {matching.Unmatched(int(codes[i])).code: int(n[i]) for i in np.argsort(first, kind="stable")}


def solve(snapshot: Snapshot, seed: int = 0, params: matching.Params = PARAMS) -> BatchPlan:
    """Solve the snapshot's problem and run the plan through the validator; pure, no database."""
    return solve_explained(snapshot, seed, params)[0]


def solve_explained(
    snapshot: Snapshot, seed: int = 0, params: matching.Params = PARAMS, runner_ups: int = RUNNER_UPS,
) -> tuple[BatchPlan, matching.RunnerUpArrays]:
    """:func:`solve`, plus each assignment's runner-up units, from the candidate pairs the solve
    already built (give both to :func:`proposals_of`)."""
    solved = matching.solve_arrays(snapshot.arrays, params, seed=seed)
    check = matching.validate_arrays(snapshot.arrays, solved.p, solved.r, params)
    if not check.ok:
        shown = "; ".join(v.message for v in check.violations[:5])
        raise PlanRejected(f"plan failed validation: {shown}")
    return BatchPlan(solved), matching.runner_ups(solved, runner_ups)


def _rounded(values: list, scale: int) -> list:
    """``round(x, 4)`` of each value (or row of values), for values that are whole numbers over
    ``scale``. When ``scale`` divides 10**4 such a value has at most four decimals and round()
    would hand back the very same float, so the call is skipped: it is a million calls at 100k."""
    if 10_000 % scale == 0:
        return values
    return [[round(v, 4) for v in x] if isinstance(x, list) else round(x, 4) for x in values]


def proposals_of(
    snapshot: Snapshot, plan: BatchPlan, runner_ups: matching.RunnerUpArrays | None = None,
) -> tuple[list[Proposal], list[Skipped]]:
    """Every unit the plan gives a project, as proposals: its best-scoring resource leads (主办)
    and, on a project that needs a team, the others help (协办), best first; each with its score
    by term, and the lead (given ``runner_ups`` from :func:`solve_explained`) with the next units.

    Proposals come in project id order, each project's lead first. The second list is for pairs
    the plan holds that cannot be proposed; there are none today.
    """
    pa = plan.arrays
    a, s = pa.problem, pa.params.scale
    score = (pa.terms.sum(axis=1) - pa.load) / s
    rows = np.flatnonzero(~pa.fixed)
    # by project id, best score first, then resource id: the first row of each project leads
    order = rows[np.lexsort((a.resource_ids[pa.r[rows]], -score[rows], snapshot.project_db[pa.p[rows]]))]
    po = pa.p[order]
    lead = np.r_[True, po[1:] != po[:-1]] if len(po) else np.zeros(0, dtype=bool)
    lp, lr = po, pa.r[order]

    ups: list[list[dict[str, Any]]] = [[] for _ in range(len(order))]
    if runner_ups is not None:
        # a project's runner-ups are its first row's (a team's rows share them); only its lead shows them
        first = np.full(a.n_projects, -1, dtype=np.int64)
        _, at = np.unique(pa.p[rows], return_index=True)
        first[pa.p[rows[at]]] = rows[at]
        at_lead = np.flatnonzero(lead)
        for i, up in zip(at_lead.tolist(), _runner_ups(snapshot, runner_ups, first[po[at_lead]].tolist(), s)):
            ups[i] = up

    breakdown = np.column_stack([pa.terms[order] / s, -pa.load[order] / s]).tolist()
    roles = (AssignmentRole.HELPER, AssignmentRole.LEAD)
    # built without validation: every value comes from the arrays above, already typed
    out = [
        Proposal.model_construct(project=n, project_id=pid, unit_id=uid, resource_id=rid, score=sc,
                                 role=roles[is_lead], breakdown=dict(zip(matching.TERMS, bd)), runner_ups=up)
        for n, pid, uid, rid, sc, is_lead, bd, up in zip(
            a.project_ids[lp].tolist(), snapshot.project_db[lp].tolist(),
            snapshot.unit_db[a.r_unit[lr]].tolist(), snapshot.resource_db[lr].tolist(),
            _rounded(score[order].tolist(), s), lead.tolist(), breakdown, ups)
    ]
    return out, []


def _runner_ups(snapshot: Snapshot, ru: matching.RunnerUpArrays, rows: list[int], scale: int
                ) -> list[list[dict[str, Any]]]:
    """The runner-ups of the given plan rows in the catalog's ids (unit and resource ids instead
    of the engine's names), scores rounded to 4 decimals."""
    a = ru.plan.problem
    terms = _rounded((ru.terms / scale).tolist(), scale)
    score = _rounded((ru.terms.sum(axis=1) / scale).tolist(), scale)
    behind = _rounded((ru.behind / scale).tolist(), scale)
    unit = snapshot.unit_db[a.r_unit[ru.r]].tolist()
    resource = snapshot.resource_db[ru.r].tolist()
    lost = [matching.LOST_ON[i] for i in ru.lost_on.tolist()]
    labels = matching.LOST_ON_LABELS
    terms_of = PAIR_TERMS
    ptr = ru.ptr.tolist()
    return [
        [{"unit_id": unit[j], "resource_id": resource[j], "score": score[j], "behind": behind[j],
          "lost_on": lost[j], "label": labels[lost[j]], "breakdown": dict(zip(terms_of, terms[j]))}
         for j in range(ptr[i], ptr[i + 1])]
        for i in rows
    ]


def unmatched_of(snapshot: Snapshot, plan: BatchPlan) -> list[UnmatchedOut]:
    """The projects the engine left open, with its reason and (for lost_to_better_use) the
    project and resource that took the place."""
    pa = plan.arrays
    a = pa.problem
    q = np.flatnonzero(pa.reason > 0)
    reasons = {u.value: u for u in matching.Unmatched}
    tp, tr = pa.taken_by_p[q], pa.taken_by_r[q]
    numbers = a.project_ids.tolist()
    p_db = snapshot.project_db.tolist()
    r_db = snapshot.resource_db.tolist()
    rows = []
    for i, why, p, r, community in zip(q.tolist(), pa.reason[q].tolist(), tp.tolist(), tr.tolist(),
                                       snapshot.communities[q].tolist()):
        u = reasons[why]
        rows.append({
            "project": numbers[i], "project_id": p_db[i], "community": community, "code": u.code, "label": u.label,
            "taken_by_project": numbers[p] if p >= 0 else None, "taken_by_project_id": p_db[p] if p >= 0 else None,
            "taken_by_resource_id": r_db[r] if r >= 0 else None,
        })
    # validated all at once: at 100k a third of the projects, faster than building them one by one
    return _UNMATCHED.validate_python(rows)


_UNMATCHED = TypeAdapter(list[UnmatchedOut])


async def _communities(db: Db, scope: Scope, snapshot: Snapshot) -> list[str]:
    """The communities a run looked at: its open projects', and all of its scope's (so that a
    run with nothing to do still shows to the secretaries it concerned)."""
    a = snapshot.arrays
    found = set(a.communities[np.unique(a.p_community)].tolist())
    if scope.community:
        found.add(scope.community)
    elif scope.street:
        async with connection(db) as conn:
            found.update(await conn.fetchval(q("batch_street_communities"), scope.street))
    return sorted(found)


def declined_of(snapshot: Snapshot) -> list[DeclinedPair]:
    a = snapshot.arrays
    p, u = a.declined_p, a.declined_u
    return [
        DeclinedPair(project=n, project_id=pid, unit_id=uid)
        for n, pid, uid in zip(a.project_ids[p].tolist(), snapshot.project_db[p].tolist(),
                               snapshot.unit_db[u].tolist())
    ]


def _JSON(value: Any) -> str:
    """Compact JSON text: at 100k the explanations are tens of megabytes, made by orjson."""
    return orjson.dumps(value).decode()


def explain_proposals(snapshot: Snapshot, plan: BatchPlan, proposals: list[Proposal]
                      ) -> dict[tuple[int, int], tuple[float, str, str]]:
    """Each proposal's explanation as the run record stores it, by (project id, unit id): the
    engine's own score and breakdown (unrounded) and the runner-ups, as JSON text. A writer
    computes this before its transaction, so that the transaction's locks wait for no CPU work."""
    pa = plan.arrays
    a, s = pa.problem, pa.params.scale
    row = dict(zip(zip(a.project_ids[pa.p].tolist(), snapshot.resource_db[pa.r].tolist()), range(len(pa.p))))
    score = ((pa.terms.sum(axis=1) - pa.load) / s).tolist()
    breakdown = np.column_stack([pa.terms / s, -pa.load / s]).tolist()
    out = {}
    for p in proposals:
        i = row[(p.project, p.resource_id)]
        out[(p.project_id, p.unit_id)] = (score[i], _JSON(dict(zip(matching.TERMS, breakdown[i]))),
                                          _JSON(p.runner_ups))
    return out


# --- 4. write --------------------------------------------------------------------------------


async def write_plan(
    db: Db, snapshot: Snapshot, plan: BatchPlan, summary: BatchSummary, started_at: dt.datetime,
    params: matching.Params = PARAMS, *, progress: Progress | None = None,
) -> BatchSummary:
    """Write proposals, explanations and the run record in one transaction, one proposal at a
    time through :func:`catalog.lists.projects.direct_project` for a lead and
    :func:`catalog.lists.team.add_helper` for a helper (the run itself uses the set-based
    :func:`catalog.batch.bulk.write_plan_bulk`, which leaves the same rows). A helper is written
    only after its project's lead: with the lead refused, its helpers are skipped as
    ``lead_not_written``.

    ``summary.proposed`` comes in as planned and goes out as written; every pair that could not
    be written lands in ``summary.skipped`` with its reason code. The run record is written by
    :func:`record_run` from the summary as it stands then.
    """
    progress = progress or Progress()
    t0 = time.perf_counter()
    explained = explain_proposals(snapshot, plan, summary.proposed)
    written: list[Proposal] = []
    total = len(summary.proposed)
    every = max(1, total // 100)
    async with transaction(db) as conn:
        # Lock order: every unit first (in id order), then each project as we reach it.
        await conn.fetch(q("batch_lock_units"), sorted({p.unit_id for p in summary.proposed}))
        leads: set[int] = set()
        for i, p in enumerate(summary.proposed, 1):
            if i % every == 0 or i == total:
                progress.step(i, total)
            if p.role is AssignmentRole.HELPER:
                if p.project_id not in leads:
                    summary.skipped.append(Skipped(project=p.project, code="lead_not_written"))
                    continue
                try:
                    async with conn.transaction():
                        a = await team.add_helper(conn, p.project_id, p.unit_id, BATCH_ACTOR, p.resource_id,
                                                     kind=AssignmentKind.PROPOSAL)
                except DomainError as exc:
                    summary.skipped.append(Skipped(project=p.project, code=exc.code))
                    continue
                written.append(p.model_copy(update={"assignment_id": a.id}))
                continue
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
            leads.add(p.project_id)
            written.append(p.model_copy(update={"assignment_id": a.id}))
        summary.proposed = written
        await record_run(conn, snapshot, plan, summary, started_at, params,
                         write_seconds=time.perf_counter() - t0, explained=explained)
    return summary


async def record_run(
    conn: asyncpg.Connection, snapshot: Snapshot, plan: BatchPlan, summary: BatchSummary,
    started_at: dt.datetime, params: matching.Params = PARAMS, *, write_seconds: float | None = None,
    explained: dict[tuple[int, int], tuple[float, str, str]] | None = None,
) -> int:
    """The run record, the written proposals' explanations and the unmatched projects, inside
    the write's transaction (``summary.proposed`` as written, with assignment ids); sets and
    returns ``summary.run_id``. Any writer of the plan ends with this.

    A run timed phase by phase (``summary.phases``, filled by :func:`run_batch`) records the
    write phase too: ``write_seconds``, the write up to this record. ``explained``: the
    proposals' :func:`explain_proposals`, made before the transaction (made here if not given).
    """
    phases = dict(summary.phases)
    if phases and write_seconds is not None:
        phases["write"] = round(write_seconds, 3)
    row = await conn.fetchrow(
        q("batch_run_record"), started_at, str(snapshot.scope), summary.seed,
        params.model_dump(mode="json"), summary.counts(), plan.objective, plan.bound, plan.gap,
        plan.status.value, summary.sweep, phases,
        [r.model_dump(mode="json") for r in summary.supply_gap], summary.communities,
    )
    summary.run_id = row["id"]
    written = [p for p in summary.proposed if p.assignment_id is not None]
    if written:
        if explained is None:
            explained = explain_proposals(snapshot, plan, written)
        why = [explained[(p.project_id, p.unit_id)] for p in written]
        await conn.execute(
            q("batch_explanations_record"), [p.assignment_id for p in written], row["id"],
            [w[0] for w in why], [w[1] for w in why], [w[2] for w in why],
        )
    if summary.unmatched_projects:
        u = summary.unmatched_projects
        await conn.execute(
            q("batch_unmatched_insert"), row["id"], [x.project_id for x in u], [x.code for x in u],
            [x.taken_by_resource_id for x in u], [x.taken_by_project_id for x in u],
        )
    return row["id"]


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
    now: dt.datetime | None = None, params: matching.Params = PARAMS, progress: Progress | None = None,
) -> BatchSummary:
    """Sweep, snapshot, solve and write, under the batch lock.

    With ``dry_run`` nothing is written: the sweep is only previewed (what it would expire and
    close; time limits are not marked), the proposals are the engine's before the write phase's
    checks, and the summary lists the declined pairs the engine left out.
    """
    started_at = dt.datetime.now(dt.UTC)
    progress = progress or Progress()
    await check_scope(pool, scope)
    async with batch_lock(pool):
        summary = BatchSummary(scope=str(scope), seed=seed, dry_run=dry_run)
        clock = _Clock(summary, progress)
        try:
            return await _phases(pool, scope, summary, clock, now=now, params=params, started_at=started_at,
                                 progress=progress)
        except Exception:
            log.error("batch run (%s) failed in phase %s; its open transaction was rolled back, no run record",
                      scope, clock.phase or "start")
            raise


def _solve_into(summary: BatchSummary, snap: Snapshot, seed: int, params: matching.Params) -> BatchPlan:
    """The solve phase: the plan, and what the summary says of it (proposals, skipped pairs,
    unmatched projects with their reasons, the supply gap)."""
    plan, runner_ups = solve_explained(snap, seed, params)
    summary.objective, summary.bound, summary.gap = plan.objective, plan.bound, plan.gap
    summary.status = plan.status.value
    summary.unmatched = plan.unmatched_counts()
    summary.proposed, summary.skipped = proposals_of(snap, plan, runner_ups)
    summary.skipped += [Skipped(project=n, code="no_location") for n in snap.skipped_no_point]
    summary.unmatched_projects = unmatched_of(snap, plan)
    summary.supply_gap = list(plan.supply_gap)
    return plan


async def _phases(
    pool: asyncpg.Pool, scope: Scope, summary: BatchSummary, clock: _Clock, *, now: dt.datetime | None,
    params: matching.Params, started_at: dt.datetime, progress: Progress,
) -> BatchSummary:
    """The four phases of :func:`run_batch`, timed into ``summary.phases``."""
    dry_run = summary.dry_run
    seed = summary.seed

    clock.start("sweep")
    if dry_run:
        at = now or dt.datetime.now(dt.UTC)
        summary.expiring, summary.closed_unrated = await preview_sweep(pool, at)
        summary.expired = len(summary.expiring)
        # the colours as they stand now (before the expiries above, which a dry run does not do)
        summary.sweep = {"expired": summary.expired, "closed_unrated": summary.closed_unrated,
                         "time_limits": await sweep_time_limits(pool, at, preview=True)}
    else:
        summary.expired, summary.closed_unrated = await sweep(pool, now)
        # before the snapshot: the overdue credit it charges is part of what the engine reads
        summary.sweep = {"expired": summary.expired, "closed_unrated": summary.closed_unrated,
                         "time_limits": await sweep_time_limits(pool, now)}
    clock.done(f"过期 {summary.expired} 个，未评价结单 {summary.closed_unrated} 个")

    clock.start("snapshot")
    snap = await take_snapshot(pool, scope, now)
    summary.projects = snap.arrays.n_projects
    summary.resources = snap.arrays.n_resources
    summary.communities = await _communities(pool, scope, snap)
    clock.done(f"项目 {summary.projects} 个，资源 {summary.resources} 个")

    clock.start("solve")
    # off the event loop, so that the progress display keeps ticking
    plan = await asyncio.to_thread(_solve_into, summary, snap, seed, params)
    clock.done(f"匹配 {len(summary.proposed)} 个，未匹配 {len(summary.unmatched_projects)} 个，差距 {plan.gap:.4%}")
    if dry_run:
        summary.declined = declined_of(snap)
        return summary

    from catalog.batch import bulk as batch_bulk  # it builds on this module

    clock.start("write")
    summary = await batch_bulk.write_plan_bulk(pool, snap, plan, summary, started_at, params, progress=progress)
    clock.done(f"写入 {len(summary.proposed)} 个，跳过 {len(summary.skipped)} 个")
    log.info("batch run %s (%s): %d proposed, %d skipped, %d unmatched; phases %s", summary.run_id, scope,
             len(summary.proposed), len(summary.skipped), len(summary.unmatched_projects), summary.phases)
    return summary


# --- reading run records (运行记录) ----------------------------------------------------------------
#
# Who reads them: the administrators (the alliance's sees every run, a street's the runs that
# looked at its communities) and a community's secretary (runs that looked at the community).
# Each sees only the rows of their own communities. Nothing personal is in a run record: project
# numbers, unit and resource ids, scores and reason codes.

ScopeText = Annotated[str, StringConstraints(pattern=r"^(county|(community|street):[0-9A-Za-z_-]{1,32})$")]


class RunFilter(ListQuery):
    scope: ScopeText | None = None
    community: Code | None = None


class RunDetailQuery(ListQuery):
    """Pages through the run's projects, in project order."""

    sort: Annotated[str, StringConstraints(pattern=r"^oldest$")] = "oldest"


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class RunnerUpView(_View):
    unit_id: int
    resource_id: int
    score: float
    behind: float = Field(description="how many points behind the proposed unit; <= 0 when it lost on capacity or load")
    lost_on: str = Field(description="a score term, capacity, load or tie")
    label: str
    breakdown: dict[str, float]


class ProposalView(_View):
    assignment_id: int
    unit_id: int
    resource_id: int | None
    score: float
    breakdown: dict[str, float]
    term_labels: dict[str, str] = Field(default_factory=lambda: dict(matching.TERM_LABELS))
    runner_ups: list[RunnerUpView]
    assignment_status: AssignmentStatus
    assignment_status_label: str


class UnmatchedView(_View):
    code: str
    label: str
    taken_by_project: str | None = None
    taken_by_project_id: int | None = None
    taken_by_resource_id: int | None = None


class RunProject(_View):
    project_id: int
    project: str
    community: str
    project_status: ProjectStatus
    project_status_label: str
    outcome: Literal["proposed", "unmatched"]
    proposal: ProposalView | None = None
    unmatched: UnmatchedView | None = None


class RunRecord(_View):
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime
    scope: str
    seed: int
    status: str
    status_label: str
    objective: float
    bound: float
    gap: float
    counts: dict[str, Any]
    sweep: dict[str, Any]
    phases: dict[str, float]


class RunPage(_View):
    items: list[RunRecord]
    next_cursor: str | None


class RunDetail(_View):
    run: RunRecord
    params: dict[str, Any]
    supply_gap: list[matching.SupplyGapRow]
    projects: list[RunProject]
    next_cursor: str | None


# Chinese labels of the engine's unmatched reasons, by code (pages read them from here)
UNMATCHED_LABELS = {u.code: u.label for u in matching.Unmatched}
# Why a planned proposal was not written (``Skipped.code``), for people.
SKIP_LABELS = {
    "project_changed": "项目在求解期间已变化", "lead_not_written": "主办单位未能派出，协办随之跳过",
    "unit_not_found": "成员单位不存在", "unit_suspended": "成员单位已暂停", "unit_cap_reached": "成员单位在办项目已达上限",
    "resource_not_found": "资源不存在", "resource_not_of_unit": "资源不属于该单位", "resource_not_published": "资源已下架",
    "resource_full": "资源名额或工时已满", "unit_is_lead": "该单位已是主办单位", "already_helper": "该单位已是协办单位",
    "no_location": "项目及所在社区均无坐标",
    # runs recorded before teams were proposed in full
    "team_not_written": "多单位项目只派主办单位",
}


def _runs_scope(p: Principal) -> list[str] | None:
    """The communities whose runs ``p`` may read (None: all); others are refused."""
    if not (access.is_admin(p) or p.role is Role.SECRETARY):
        raise Forbidden("只有管理员和社区书记可以查看批量派单记录", code="forbidden")
    return list(p.communities) if p.communities is not None else None


def _record(r: asyncpg.Record) -> RunRecord:
    return RunRecord(
        id=r["id"], started_at=r["started_at"], finished_at=r["finished_at"], scope=r["scope"], seed=r["seed"],
        status=r["status"], status_label=matching.Status(r["status"]).label, objective=r["objective"],
        bound=r["bound"], gap=r["gap"], counts=r["counts"], sweep=r["sweep"], phases=r["phases"],
    )


async def list_runs(db: Db, p: Principal, f: RunFilter) -> RunPage:
    """Run records the reader may see, newest first."""
    scope = _runs_scope(p)
    async with connection(db) as conn:
        rows = await conn.fetch(q("batch_run_page"), scope, f.after, f.page_size, f.ascending, f.scope, f.community)
    cursor = str(rows[-1]["id"]) if len(rows) == f.page_size and rows else None
    return RunPage(items=[_record(r) for r in rows], next_cursor=cursor)


async def get_run(db: Db, p: Principal, run_id: int, f: RunDetailQuery) -> RunDetail:
    """One run record with what it did to each project of the reader's communities: the
    proposal with its explanation and where the offer stands now, or why there was none."""
    scope = _runs_scope(p)
    async with connection(db) as conn:
        run = await conn.fetchrow(q("batch_run_get"), run_id, scope)
        if run is None:
            raise NotFound("批量派单记录不存在", code="batch_run_not_found", details={"id": run_id})
        rows = await conn.fetch(q("batch_run_projects"), run_id, scope, f.after, f.page_size)
    mine = set(scope) if scope is not None else None
    gap = [matching.SupplyGapRow.model_validate(g) for g in run["supply_gap"]
           if mine is None or g["community"] in mine]
    items = []
    for r in rows:
        status = ProjectStatus(r["project_status"])
        common = dict(project_id=r["project_id"], project=r["project"], community=r["community"],
                      project_status=status, project_status_label=status.label)
        if r["assignment_id"] is not None:
            a_status = AssignmentStatus(r["assignment_status"])
            items.append(RunProject(**common, outcome="proposed", proposal=ProposalView(
                assignment_id=r["assignment_id"], unit_id=r["unit_id"], resource_id=r["resource_id"],
                score=r["score"], breakdown=r["breakdown"],
                runner_ups=[RunnerUpView.model_validate(x) for x in r["runner_ups"]],
                assignment_status=a_status,
                assignment_status_label=a_status.label_for(AssignmentKind.PROPOSAL),
            )))
        else:
            items.append(RunProject(**common, outcome="unmatched", unmatched=UnmatchedView(
                code=r["reason"], label=UNMATCHED_LABELS.get(r["reason"], r["reason"]),
                taken_by_project=r["taken_by_project"], taken_by_project_id=r["taken_by_project_id"],
                taken_by_resource_id=r["taken_by_resource_id"],
            )))
    cursor = str(rows[-1]["project_id"]) if len(rows) == f.page_size and rows else None
    return RunDetail(run=_record(run), params=run["params"], supply_gap=gap, projects=items, next_cursor=cursor)
