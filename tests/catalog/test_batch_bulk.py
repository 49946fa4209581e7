"""The set-based batch writer leaves the database exactly as the one-by-one writer does.

Each story is played twice on an emptied database, once with ``oracle.write_plan`` and once with
``batch_bulk.write_plan_bulk``; every row of every table must come out the same (timestamps
aside, which differ between the two plays; the offer's time to live is checked on its own).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from catalog.batch import bulk as batch_bulk, plan as batch_plan, snapshot as batch_snapshot
from catalog.batch.summary import BatchSummary, Scope
from catalog.enums import DeclineReason, DispatchMode, ProjectStatus, ServiceMode, UnitStatus
from catalog.lists import directory, projects, resources, work
from catalog.models import ProjectIn, ReasonIn, ResourceIn
from catalog.storage.settings import get_settings
from tests import factories
from tests.catalog import oracle
from tests.conftest import empty_database
from tests.factories import ADMIN, SECRETARY, make_need, make_unit, make_world, snapshot, unit_actor

PS = ProjectStatus
WRITERS = {"one_by_one": oracle.write_plan, "bulk": batch_bulk.write_plan_bulk}


async def _project(db, world, mode=DispatchMode.OPTIMISE, *, community=None, deadline=None,
                   category="public.elderly", units=1):
    community = community or world.community
    need = await make_need(db, world, community_code=community, grid_code=world.grids[community][0],
                           category_code=category)
    p = await projects.create_project(
        db,
        ProjectIn(need_ids=[need.id], title="助老服务", category_code=category, community_code=community,
                  estimated_hours=Decimal("2.0"), dispatch_mode=mode, claim_deadline=deadline,
                  units_required=units),
        SECRETARY,
    )
    return await projects.publish_project(db, p.id, SECRETARY)


async def _resource(db, unit, communities, category="public.elderly", capacity=3):
    r = await resources.create_resource(
        db,
        ResourceIn(unit_id=unit.id, title="服务", category_code=category, capacity_projects=capacity,
                   area_communities=communities, mode=ServiceMode.HOME),
        unit_actor(unit.id),
    )
    return await resources.publish_resource(db, r.id, ADMIN)


async def _plan(db, now=None):
    """Snapshot, solve and pick the proposals: everything a run does before it writes."""
    started = dt.datetime.now(dt.UTC)
    snap = await batch_snapshot.take_snapshot(db, Scope(), now=now)
    plan = batch_plan.solve(snap, seed=0)
    proposed, skipped = batch_plan.proposals_of(plan)
    summary = BatchSummary(scope="county", seed=0, dry_run=False, proposed=proposed, skipped=skipped)
    return snap, plan, summary, started


async def _write(db, writer, now=None, meanwhile=None) -> BatchSummary:
    snap, plan, summary, started = await _plan(db, now)
    if meanwhile is not None:
        await meanwhile()
    return await writer(db, snap, plan, summary, started)


# --- the stories -------------------------------------------------------------------------------


async def _normal(db, writer):
    """Two units, several projects; one project nobody can serve."""
    world = await make_world(db, communities=2, grids=1)
    care, repair = await make_unit(db, world), await make_unit(db, world)
    await _resource(db, care, [world.communities[0]])
    await _resource(db, repair, world.communities, category="public.repair")
    for _ in range(3):
        await _project(db, world)
    await _project(db, world, category="public.repair")
    await _project(db, world, community=world.communities[1])
    return [await _write(db, writer)]


async def _changed(db, writer):
    """Between the snapshot and the write a unit claims one project and another is cancelled."""
    world = await make_world(db, communities=1, grids=1)
    care, repair = await make_unit(db, world), await make_unit(db, world)
    await _resource(db, care, world.communities)
    await _resource(db, repair, world.communities, category="public.repair")
    due = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    claimed = await _project(db, world, DispatchMode.CLAIM, deadline=due)
    cancelled = await _project(db, world)
    await _project(db, world)
    await _project(db, world, category="public.repair")

    async def meanwhile():
        await work.claim_project(db, claimed.id, repair.id, unit_actor(repair.id))
        await projects.cancel_project(db, cancelled.id, SECRETARY, "no_longer_needed")

    return [await _write(db, writer, now=due + dt.timedelta(minutes=1), meanwhile=meanwhile)]


async def _cap_reached(db, writer):
    """A unit with room for two gets a third project by hand meanwhile; another unit is suspended
    and a third unit's resource delisted."""
    world = await make_world(db, communities=1, grids=1)
    care = await make_unit(db, world, cap=2)
    repair, legal = await make_unit(db, world), await make_unit(db, world)
    await _resource(db, care, world.communities)
    await _resource(db, repair, world.communities, category="public.repair")
    legal_res = await _resource(db, legal, world.communities, category="public.legal")
    by_hand = await _project(db, world, DispatchMode.DIRECTED)
    await _project(db, world)
    await _project(db, world)
    await _project(db, world, category="public.repair")
    await _project(db, world, category="public.legal")

    async def meanwhile():
        await work.direct_project(db, by_hand.id, care.id, SECRETARY)
        await directory.set_unit_status(db, repair.id, UnitStatus.SUSPENDED, ADMIN)
        await resources.delist_resource(db, legal_res.id, ADMIN)

    return [await _write(db, writer, meanwhile=meanwhile)]


async def _declined(db, writer):
    """A unit declines its proposal; the next run proposes another unit, never the same pair."""
    world = await make_world(db, communities=1, grids=1)
    care = await make_unit(db, world)
    await _resource(db, care, world.communities)
    project = await _project(db, world)
    await _project(db, world)
    first = await _write(db, writer)
    await work.decline_offer(db, project.id, care.id, ReasonIn(reason=DeclineReason.CAPACITY_FULL),
                             unit_actor(care.id))
    other = await make_unit(db, world)
    await _resource(db, other, world.communities)
    second = await _write(db, writer)
    return [first, second]


async def _teams(db, writer):
    """Two team projects of three units each and one single; between the snapshot and the write
    one team's project is cancelled (its lead and helpers are all skipped) and a helper unit of
    the other is suspended (the team is written short of it)."""
    world = await make_world(db, communities=1, grids=1)
    team_units = [await make_unit(db, world) for _ in range(4)]
    for u in team_units:
        await _resource(db, u, world.communities)
    kept = await _project(db, world, units=3)
    dropped = await _project(db, world, units=3)
    await _project(db, world)

    async def meanwhile():
        await projects.cancel_project(db, dropped.id, SECRETARY, "no_longer_needed")
        rows = await db.fetch("SELECT id FROM units ORDER BY id")
        # the third unit of the four: on both teams (every unit has room for three projects)
        await directory.set_unit_status(db, rows[2]["id"], UnitStatus.SUSPENDED, ADMIN)

    first = await _write(db, writer, meanwhile=meanwhile)
    return [first, kept.id]


def _plain(value):
    return None if isinstance(value, dt.datetime) else value


async def _state(db) -> dict[str, list[tuple]]:
    rows = await snapshot(db)
    return {table: [tuple(_plain(v) for v in row) for row in table_rows] for table, table_rows in rows.items()}


async def _play(db, monkeypatch, story, writer):
    async with db.acquire() as conn:
        await empty_database(conn)
    monkeypatch.setattr(factories, "_seq", itertools.count(1))
    summaries = await story(db, writer)
    ttl = await db.fetch("SELECT expires_at - created_at AS ttl FROM assignments WHERE kind = 'proposal'")
    return [s.model_dump() for s in summaries], await _state(db), {r["ttl"] for r in ttl}


async def _same_either_way(db, monkeypatch, story):
    one = await _play(db, monkeypatch, story, oracle.write_plan)
    bulk = await _play(db, monkeypatch, story, batch_bulk.write_plan_bulk)
    assert bulk[0] == one[0]  # summaries: written, skipped and why, run ids
    for table in one[1]:
        assert bulk[1][table] == one[1][table], table
    assert one[2] == bulk[2] == {dt.timedelta(hours=get_settings().offer_ttl_hours)}
    return bulk[0]


async def test_the_normal_case_writes_the_same_rows(db, monkeypatch):
    [summary] = await _same_either_way(db, monkeypatch, _normal)
    assert len(summary["proposed"]) == 4  # the project in the second community has no unit


async def test_a_project_changed_since_the_snapshot_is_skipped_the_same_way(db, monkeypatch):
    [summary] = await _same_either_way(db, monkeypatch, _changed)
    assert sorted(s["code"] for s in summary["skipped"]) == ["project_changed", "project_changed"]
    assert len(summary["proposed"]) == 2


async def test_a_unit_at_its_cap_a_suspended_unit_and_a_delisted_resource_are_skipped_the_same_way(
        db, monkeypatch):
    [summary] = await _same_either_way(db, monkeypatch, _cap_reached)
    assert sorted(s["code"] for s in summary["skipped"]) == [
        "resource_not_published", "unit_cap_reached", "unit_suspended"]
    assert len(summary["proposed"]) == 1


async def test_a_declined_pair_gets_another_unit_the_same_way(db, monkeypatch):
    first, second = await _same_either_way(db, monkeypatch, _declined)
    assert len(first["proposed"]) == 2 and len(second["proposed"]) == 1
    assert second["proposed"][0]["unit_id"] != first["proposed"][0]["unit_id"]


async def test_a_team_gets_its_lead_and_helpers_the_same_way(db, monkeypatch):
    """A project needing three units is proposed to three: the best as 主办, the others as 协办,
    in one run; a project that changed meanwhile loses its whole team, and a helper unit
    suspended meanwhile is skipped without taking the lead down."""
    async def story(db, writer):
        summary, _ = await _teams(db, writer)
        return [summary]

    [summary] = await _same_either_way(db, monkeypatch, story)
    kept = await db.fetchval("SELECT id FROM projects WHERE units_required = 3 AND status = 'dispatched'")
    team = [p for p in summary["proposed"] if p["project_id"] == kept]
    assert [p["role"] for p in team][0] == "lead" and {p["role"] for p in team[1:]} <= {"helper"}
    assert len({p["unit_id"] for p in team}) == len(team) >= 2
    number = await db.fetchval("SELECT number FROM projects WHERE id = $1", kept)
    # the suspended unit was one of the kept team's helpers: the team is written one short
    assert len(team) == 2 and {"project": number, "code": "unit_suspended"} in summary["skipped"]
    codes = sorted(s["code"] for s in summary["skipped"])
    assert codes == ["lead_not_written", "lead_not_written", "project_changed", "unit_suspended"]
    rows = await db.fetch("SELECT role, kind, status FROM assignments WHERE project_id = $1 ORDER BY id", kept)
    assert [(r["role"], r["kind"], r["status"]) for r in rows] == [
        ("lead", "proposal", "pending")] + [("helper", "proposal", "pending")] * (len(team) - 1)
    # each member, helpers included, has its explanation in the run record
    assert await db.fetchval(
        "SELECT count(*) FROM proposal_explanations e JOIN assignments a ON a.id = e.assignment_id"
        " WHERE a.project_id = $1", kept) == len(team)


async def test_a_resource_that_filled_up_meanwhile_is_not_overbooked(db):
    """The bulk writer also re-checks the resource's own capacity (the one-by-one path checks
    only the unit's cap)."""
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world, cap=10)
    res = await _resource(db, unit, world.communities, capacity=2)
    due = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    by_hand = await _project(db, world, DispatchMode.CLAIM, deadline=due + dt.timedelta(days=1))
    await _project(db, world)
    await _project(db, world)

    async def meanwhile():
        await work.claim_project(db, by_hand.id, unit.id, unit_actor(unit.id), res.id)

    summary = await _write(db, batch_bulk.write_plan_bulk, meanwhile=meanwhile)

    assert [s.code for s in summary.skipped] == ["resource_full"]
    assert len(summary.proposed) == 1
    live = await db.fetchval(
        "SELECT count(*) FROM assignments WHERE resource_id = $1 AND status IN ('pending', 'active')", res.id)
    assert live == 2
    counts = await db.fetchval("SELECT counts FROM batch_runs WHERE id = $1", summary.run_id)
    assert counts["skipped"] == {"resource_full": 1} and counts["proposed"] == 1
