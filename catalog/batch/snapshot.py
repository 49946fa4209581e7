"""The snapshot phase: what a run reads, in one short read-only transaction, as the engine's input.

Open projects and published resources with room left are read in bulk in one REPEATABLE READ
READ ONLY transaction and turned column by column into the engine's :class:`matching.ProblemArrays`
(:func:`catalog.batch.engine_input.problem_arrays`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import asyncpg
import numpy as np

import matching

from catalog.batch import engine_input
from catalog.batch.summary import DeclinedPair, Scope
from catalog.enums import AreaLevel
from catalog.errors import InvalidInput
from catalog.oversight import credit
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection


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


async def communities_of(db: Db, scope: Scope, snapshot: Snapshot) -> list[str]:
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
