"""The snapshot phase: what a run reads, in one short read-only transaction, as the engine's input.

Open projects and published resources with room left are read in bulk in one REPEATABLE READ
READ ONLY transaction, mapped to the engine's columns (:mod:`catalog.batch.engine_input`) and built
into :class:`matching.ProblemArrays` by the engine itself (:func:`matching.build_problem`), keyed by
the rows' own ids: the plan names projects, resources and units by ``projects.id``,
``resources.id`` and ``units.id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg
import numpy as np

import matching
from catalog.batch import engine_input
from catalog.batch.summary import COUNTY, DeclinedPair, Scope
from catalog.enums import AreaLevel
from catalog.errors import InvalidInput
from catalog.oversight import credit
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection


@dataclass
class Snapshot:
    """What a run saw: the engine's problem in array form (ids: ``projects.id``,
    ``resources.id`` and ``units.id``), plus what is needed to write the plan back."""

    scope: Scope
    taken_at: dt.datetime
    arrays: matching.ProblemArrays
    numbers: np.ndarray  # the project number (项目编号) of each engine project, what people read
    versions: dict[int, dt.datetime]  # projects.id -> updated_at as seen
    skipped_no_point: list[str] = field(default_factory=list)


async def check_scope(db: Db, scope: Scope) -> None:
    """An unknown community or street is a usage error, not an empty run."""
    for code, level in ((scope.community, AreaLevel.COMMUNITY), (scope.street, AreaLevel.STREET)):
        if code is None:
            continue
        async with connection(db) as conn:
            found = await conn.fetchval(q("batch_area_level"), code)
        if found != level:
            raise InvalidInput(f"没有这个{level.label}：{code}", code="unknown_area", details={"code": code})


async def take_snapshot(db: Db, scope: Scope = COUNTY, now: dt.datetime | None = None) -> Snapshot:
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
    arrays, kept, left_out = engine_problem(prows, rrows, credit_of, declined, previous, now=now, today=today)
    return Snapshot(
        scope=scope, taken_at=now, arrays=arrays, numbers=np.array([r["number"] for r in kept], dtype=str),
        versions={r["id"]: r["updated_at"] for r in kept}, skipped_no_point=[r["number"] for r in left_out],
    )


def engine_problem(
    prows: Sequence[asyncpg.Record], rrows: Sequence[asyncpg.Record], credit_of: dict[int, float],
    declined: Sequence[asyncpg.Record], previous: Sequence[asyncpg.Record], *, now: dt.datetime, today: dt.date,
) -> tuple[matching.ProblemArrays, list[asyncpg.Record], list[asyncpg.Record]]:
    """The rows as the engine's arrays, with the project rows kept and those left out (no point)."""
    projects, kept, left_out = engine_input.project_columns(prows, now=now, today=today)
    resources, _ = engine_input.resource_columns(rrows, today=today, credit=credit_of)
    arrays = matching.build_problem(
        projects, resources, declined=[(d["project_id"], d["unit_id"]) for d in declined],
        previous=[(p["project_id"], p["resource_id"]) for p in previous],
    )
    return arrays, kept, left_out


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
        for n, pid, uid in zip(snapshot.numbers[p].tolist(), a.project_ids[p].tolist(), a.unit_ids[u].tolist(),
                               strict=True)
    ]
