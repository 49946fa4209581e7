"""The batch job on the real database: sweep, snapshot, solve, write, and the lock around them."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from decimal import Decimal

import pytest

from catalog import batch, projects, resources
from catalog.batch import BatchBusy, Scope
from catalog.enums import AssignmentKind, DeclineReason, DispatchMode, ProjectStatus, ServiceMode
from catalog.models import ProjectIn, ReasonIn, ResourceIn
from catalog.settings import get_settings
from tests.factories import ADMIN, SECRETARY, make_need, make_unit, make_world, snapshot, unit_actor

PS = ProjectStatus
LATER = dt.timedelta(days=3)


async def _project(db, world, mode: DispatchMode, *, community=None, deadline=None, category="public.elderly"):
    community = community or world.community
    need = await make_need(db, world, community_code=community, grid_code=world.grids[community][0],
                           category_code=category)
    p = await projects.create_project(
        db,
        ProjectIn(need_ids=[need.id], title="助老服务", category_code=category, community_code=community,
                  estimated_hours=Decimal("2.0"), dispatch_mode=mode, claim_deadline=deadline),
        SECRETARY,
    )
    return await projects.publish_project(db, p.id, SECRETARY)


async def _resource(db, unit, communities, category="public.elderly"):
    r = await resources.create_resource(
        db,
        ResourceIn(unit_id=unit.id, title="服务", category_code=category, capacity_projects=3,
                   area_communities=communities, mode=ServiceMode.HOME),
        unit_actor(unit.id),
    )
    return await resources.publish_resource(db, r.id, ADMIN)


async def _county(db):
    """Two communities; an elderly-care unit serving the first, a repair unit serving both."""
    world = await make_world(db, communities=2, grids=1)
    care, repair = await make_unit(db, world), await make_unit(db, world)
    await _resource(db, care, [world.communities[0]])
    await _resource(db, repair, world.communities, category="public.repair")
    return world, care, repair


async def _lead(db, project_id):
    return await db.fetchrow(
        "SELECT * FROM assignments WHERE project_id = $1 AND status IN ('pending', 'active')", project_id
    )


async def test_a_run_proposes_the_right_unit_and_leaves_open_claims_alone(db):
    world, care, repair = await _county(db)
    optimise = await _project(db, world, DispatchMode.OPTIMISE)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    claim_open = await _project(db, world, DispatchMode.CLAIM, deadline=soon + LATER)
    claim_due = await _project(db, world, DispatchMode.CLAIM, deadline=soon)
    unserved = await _project(db, world, DispatchMode.OPTIMISE, community=world.communities[1])

    # run two days ahead: the second claim project's deadline has passed, the first's has not
    summary = await batch.run_batch(db, seed=1, now=soon + dt.timedelta(days=1))

    assert {p.project_id: p.unit_id for p in summary.proposed} == {optimise.id: care.id, claim_due.id: care.id}
    assert summary.unmatched == {"no_service_area": 1}
    for p in (optimise, claim_due):
        got = await projects.get_project(db, p.id)
        assert got.status is PS.DISPATCHED
        lead = await _lead(db, p.id)
        assert (lead["unit_id"], lead["kind"], lead["created_by"]) == (care.id, "proposal", "batch:optimiser")
    for p in (claim_open, unserved):
        assert (await projects.get_project(db, p.id)).status is PS.PUBLISHED
        assert await _lead(db, p.id) is None

    run = await db.fetchrow("SELECT * FROM batch_runs")
    assert run["id"] == summary.run_id and run["scope"] == "county" and run["seed"] == 1
    assert run["counts"]["proposed"] == 2 and run["status"] in ("optimal", "feasible")
    why = await db.fetch("SELECT * FROM proposal_explanations ORDER BY assignment_id")
    assert len(why) == 2 and all(w["breakdown"]["match"] > 0 for w in why)


async def test_a_project_claimed_between_snapshot_and_write_is_skipped_not_overwritten(db):
    world, care, repair = await _county(db)
    due = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    project = await _project(db, world, DispatchMode.CLAIM, deadline=due)
    other = await _project(db, world, DispatchMode.OPTIMISE)

    started = dt.datetime.now(dt.UTC)
    snap = await batch.take_snapshot(db, Scope(), now=due + dt.timedelta(minutes=1))
    plan = batch.solve(snap, seed=0)
    proposed, skipped = batch.proposals_of(snap, plan)
    assert {p.project_id for p in proposed} == {project.id, other.id}

    # meanwhile, before the deadline really passes, a unit claims the project by hand
    await projects.claim_project(db, project.id, repair.id, unit_actor(repair.id))

    summary = batch.BatchSummary(scope="county", seed=0, dry_run=False, proposed=proposed, skipped=skipped)
    summary = await batch.write_plan(db, snap, plan, summary, started)

    assert [(s.project, s.code) for s in summary.skipped] == [(project.number, "project_changed")]
    assert [p.project_id for p in summary.proposed] == [other.id]
    assert (await projects.get_project(db, project.id)).status is PS.CLAIMING
    lead = await _lead(db, project.id)
    assert (lead["unit_id"], lead["kind"]) == (repair.id, "claim")
    counts = await db.fetchval("SELECT counts FROM batch_runs WHERE id = $1", summary.run_id)
    assert counts["skipped"] == {"project_changed": 1} and counts["proposed"] == 1


async def test_two_concurrent_runs_one_works_the_other_is_told_to_go_away(db):
    world, care, repair = await _county(db)
    await _project(db, world, DispatchMode.OPTIMISE)

    results = await asyncio.gather(batch.run_batch(db), batch.run_batch(db), return_exceptions=True)

    done = [r for r in results if isinstance(r, batch.BatchSummary)]
    busy = [r for r in results if isinstance(r, BatchBusy)]
    assert len(done) == 1 and len(busy) == 1, results
    assert await db.fetchval("SELECT count(*) FROM batch_runs") == 1
    assert await db.fetchval("SELECT count(*) FROM assignments WHERE kind = 'proposal'") == 1
    # the lock was given back: the next run goes ahead (with nothing left to propose)
    again = await batch.run_batch(db)
    assert again.proposed == []


async def test_a_declined_pair_is_not_proposed_again(db):
    world, care, repair = await _county(db)
    project = await _project(db, world, DispatchMode.OPTIMISE)

    first = await batch.run_batch(db)
    assert [(p.project_id, p.unit_id) for p in first.proposed] == [(project.id, care.id)]
    await projects.decline_offer(db, project.id, care.id, ReasonIn(reason=DeclineReason.CAPACITY_FULL),
                                 unit_actor(care.id))
    assert (await projects.get_project(db, project.id)).status is PS.PUBLISHED

    second = await batch.run_batch(db)
    assert second.proposed == []
    assert await _lead(db, project.id) is None
    assert second.unmatched == {"declined_by_all": 1}

    # another unit able to serve it gets it instead
    other = await make_unit(db, world)
    await _resource(db, other, world.communities)
    third = await batch.run_batch(db)
    assert [(p.project_id, p.unit_id) for p in third.proposed] == [(project.id, other.id)]


async def test_dry_run_writes_nothing(db):
    world, care, repair = await _county(db)
    project = await _project(db, world, DispatchMode.OPTIMISE)
    # a pending offer already past its time to live: a real run would expire it
    stale = await _project(db, world, DispatchMode.DIRECTED)
    await projects.direct_project(db, stale.id, repair.id, SECRETARY)
    await db.execute("UPDATE assignments SET expires_at = now() - interval '1 hour'")
    before = await snapshot(db)

    summary = await batch.run_batch(db, dry_run=True)

    assert summary.dry_run and summary.run_id is None and summary.expired == 1
    assert [p.project_id for p in summary.proposed] == [project.id]
    assert await snapshot(db) == before
    assert await db.fetchval("SELECT count(*) FROM batch_runs") == 0


async def test_scope_narrows_to_a_community_and_unknown_areas_are_refused(db):
    world, care, repair = await _county(db)
    await _project(db, world, DispatchMode.OPTIMISE, category="public.repair")
    far = await _project(db, world, DispatchMode.OPTIMISE, community=world.communities[1], category="public.repair")

    summary = await batch.run_batch(db, Scope(community=world.communities[1]))
    assert [p.project_id for p in summary.proposed] == [far.id]
    assert await db.fetchval("SELECT scope FROM batch_runs") == f"community:{world.communities[1]}"
    with pytest.raises(batch.InvalidInput):
        await batch.run_batch(db, Scope(street="NOPE"))
    with pytest.raises(batch.InvalidInput):
        Scope(community=world.community, street=world.street)


@pytest.fixture
def cli_env(database_dsn, monkeypatch):
    monkeypatch.setenv("SANDAN_DATABASE_URL", database_dsn)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_the_command_exit_codes(db, cli_env, capsys):
    from api.cli import main

    world, care, repair = await _county(db)
    await _project(db, world, DispatchMode.OPTIMISE)

    assert await asyncio.to_thread(main, ["batch", "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] is True and len(out["proposed"]) == 1

    assert await asyncio.to_thread(main, ["batch", "--street", "NOPE"]) == 2
    assert "NOPE" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["batch", "--community", world.community, "--street", world.street])
    assert exc.value.code == 2

    async with batch.batch_lock(db):
        assert await asyncio.to_thread(main, ["batch"]) == 3
    assert "another batch run" in capsys.readouterr().err
    assert await db.fetchval("SELECT count(*) FROM assignments WHERE kind = $1", AssignmentKind.PROPOSAL.value) == 0

    assert await asyncio.to_thread(main, ["batch", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "批量派单：全县" in out and "已派单 1 个" in out
