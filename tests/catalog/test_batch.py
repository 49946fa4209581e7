"""The batch job on the real database: sweep, snapshot, solve, write, and the lock around them."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest

import matching
from catalog.batch import job as batch, plan as batch_plan, snapshot as batch_snapshot, summary as batch_summary
from catalog.batch.job import BatchBusy
from catalog.batch.summary import Scope
from catalog.enums import AssignmentKind, DeclineReason, DispatchMode, ProjectStatus, ServiceMode
from catalog.errors import InvalidInput
from catalog.lists import projects, resources, work
from catalog.models import ProjectIn, ReasonIn, ResourceIn
from catalog.storage.settings import get_settings
from matching import Unmatched
from tests.catalog import oracle
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
    snap = await batch_snapshot.take_snapshot(db, Scope(), now=due + dt.timedelta(minutes=1))
    plan = batch_plan.solve(snap, seed=0)
    proposed, skipped = batch_plan.proposals_of(plan)
    assert {p.project_id for p in proposed} == {project.id, other.id}

    # meanwhile, before the deadline really passes, a unit claims the project by hand
    await work.claim_project(db, project.id, repair.id, unit_actor(repair.id))

    summary = batch_summary.BatchSummary(scope="county", seed=0, dry_run=False, proposed=proposed, skipped=skipped)
    summary = await oracle.write_plan(db, snap, plan, summary, started)

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

    done = [r for r in results if isinstance(r, batch_summary.BatchSummary)]
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
    await work.decline_offer(db, project.id, care.id, ReasonIn(reason=DeclineReason.CAPACITY_FULL),
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
    await work.direct_project(db, stale.id, repair.id, SECRETARY)
    await db.execute("UPDATE assignments SET expires_at = now() - interval '1 hour'")
    # waiting three days for a unit: overdue, a real sweep would put it on the 督办 list
    await db.execute("UPDATE projects SET published_at = now() - interval '3 days' WHERE id = $1", project.id)
    before = await snapshot(db)
    at = dt.datetime.now(dt.UTC)

    summary = await batch.run_batch(db, dry_run=True, now=at)

    assert summary.dry_run and summary.run_id is None and summary.expired == 1
    assert [p.project_id for p in summary.proposed] == [project.id]
    assert await snapshot(db) == before
    assert await db.fetchval("SELECT count(*) FROM batch_runs") == 0
    # the time limits were counted, not marked: a real sweep at the same moment does just that
    previewed = summary.sweep["time_limits"]
    assert previewed["red"] >= 1 and previewed["raised"] >= 1
    from catalog.oversight.sweep import mark_time_limits
    assert (await mark_time_limits(db, at)).model_dump(exclude={"now"}) == previewed


async def test_scope_narrows_to_a_community_and_unknown_areas_are_refused(db):
    world, care, repair = await _county(db)
    await _project(db, world, DispatchMode.OPTIMISE, category="public.repair")
    far = await _project(db, world, DispatchMode.OPTIMISE, community=world.communities[1], category="public.repair")

    summary = await batch.run_batch(db, Scope(community=world.communities[1]))
    assert [p.project_id for p in summary.proposed] == [far.id]
    assert await db.fetchval("SELECT scope FROM batch_runs") == f"community:{world.communities[1]}"
    with pytest.raises(InvalidInput):
        await batch.run_batch(db, Scope(street="NOPE"))
    with pytest.raises(InvalidInput):
        Scope(community=world.community, street=world.street)


@pytest.fixture
def cli_env(database_dsn, monkeypatch):
    monkeypatch.setenv("SANDAN_DATABASE_URL", database_dsn)
    # the command lowers its CPU priority, and here it runs in the test process's threads
    monkeypatch.setenv("SANDAN_BATCH_NICE", "0")
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
    assert await asyncio.to_thread(main, ["batch", "--nice", "20"]) == 2
    assert "--nice" in capsys.readouterr().err

    async with batch.batch_lock(db):
        assert await asyncio.to_thread(main, ["batch"]) == 3
    assert "another batch run" in capsys.readouterr().err
    assert await db.fetchval("SELECT count(*) FROM assignments WHERE kind = $1", AssignmentKind.PROPOSAL.value) == 0

    assert await asyncio.to_thread(main, ["batch", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "批量派单：全县" in out and "已派单 1 个" in out


# --- every reason, the run record, expiry and the dry run's diff ------------------------------


async def _offer(db, world, *, community=None, category="public.elderly", units=1, hours="2.0", priority=3,
                 window=None, skills=()):
    community = community or world.community
    need = await make_need(db, world, community_code=community, grid_code=world.grids[community][0],
                           category_code=category)
    start, end = window or (None, None)
    p = await projects.create_project(
        db,
        ProjectIn(need_ids=[need.id], title="服务", category_code=category, community_code=community,
                  estimated_hours=Decimal(hours), dispatch_mode=DispatchMode.OPTIMISE, units_required=units,
                  priority=priority, window_start=start, window_end=end, required_skills=list(skills)),
        SECRETARY,
    )
    return await projects.publish_project(db, p.id, SECRETARY)


async def _serves(db, world, category, *, communities=None, capacity=1, hours=None, skills=(), valid_to=None):
    unit = await make_unit(db, world)
    r = await resources.create_resource(
        db,
        ResourceIn(unit_id=unit.id, title="服务", category_code=category, capacity_projects=capacity,
                   capacity_hours=hours, area_communities=communities or [world.community], mode=ServiceMode.HOME,
                   skills=list(skills), valid_to=valid_to),
        unit_actor(unit.id),
    )
    await resources.publish_resource(db, r.id, ADMIN)
    return unit


async def _declined(db, project, unit):
    await work.direct_project(db, project.id, unit.id, SECRETARY)
    await work.decline_offer(db, project.id, unit.id, ReasonIn(reason=DeclineReason.SKILL_MISMATCH),
                             unit_actor(unit.id))


async def _every_reason(db):
    """A county with one open project per reason the engine gives for leaving one unmatched, and
    the four projects that win; with skills, time windows, an hours budget, a team and declines."""
    world = await make_world(db, communities=2, grids=1)
    c1, c2 = world.communities
    month = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    want = {}
    want["no_category"] = await _offer(db, world, category="talent.finance")
    await _serves(db, world, "public.elderly", communities=[c1])
    want["no_service_area"] = await _offer(db, world, community=c2)
    await _serves(db, world, "public.legal", skills=["调解"])
    want["no_skills"] = await _offer(db, world, category="public.legal", skills=["律师"])
    await _serves(db, world, "public.health", valid_to=dt.date.today() + dt.timedelta(days=2))
    want["no_time_window"] = await _offer(db, world, category="public.health",
                                          window=(month, month + dt.timedelta(days=1)))
    await _serves(db, world, "public.environment", capacity=None, hours=2)
    want["no_capacity"] = await _offer(db, world, category="public.environment", hours="10.0")
    policy = await _serves(db, world, "public.policy")
    want["declined_by_all"] = await _offer(db, world, category="public.policy")
    await _declined(db, want["declined_by_all"], policy)
    await _serves(db, world, "charity.hardship", capacity=3)
    want["too_few_units"] = await _offer(db, world, category="charity.hardship", units=2)
    # one place, two projects: the more urgent one takes it
    await _serves(db, world, "charity.donation")
    winner = await _offer(db, world, category="charity.donation", priority=5)
    want["lost_to_better_use"] = await _offer(db, world, category="charity.donation", priority=1)
    # room for three, but with a steep load term a second project is not worth it
    await _serves(db, world, "charity.childcare", capacity=3)
    first_care = await _offer(db, world, category="charity.childcare", priority=5)
    want["not_worth_load"] = await _offer(db, world, category="charity.childcare", priority=1)
    # a team of two from two units, each of which one urgent single project can only get
    u1, u2 = await _serves(db, world, "culture.activities"), await _serves(db, world, "culture.activities")
    want["incomplete_team"] = await _offer(db, world, category="culture.activities", units=2, priority=1)
    only_u1 = await _offer(db, world, category="culture.activities", priority=5)
    only_u2 = await _offer(db, world, category="culture.activities", priority=5)
    await _declined(db, only_u1, u2)
    await _declined(db, only_u2, u1)
    return world, want, winner, first_care, only_u1, only_u2


STEEP_LOAD = batch_summary.PARAMS.model_copy(update={"w_load": 100.0})


async def test_a_small_county_with_every_reason_code(db):
    """One project per reason the engine gives, swept, read, solved and written in one run; the
    run record keeps each project's reason, the supply gap, the phases and the explanations."""
    world, want, winner, first_care, only_u1, only_u2 = await _every_reason(db)
    c1, c2 = world.communities
    params = STEEP_LOAD
    summary = await batch.run_batch(db, seed=4, params=params)

    assert {u.code for u in summary.unmatched_projects} == {u.code for u in Unmatched if u.value > 0}
    got = {u.code: u.project_id for u in summary.unmatched_projects}
    assert got == {code: p.id for code, p in want.items()}
    assert {p.project_id for p in summary.proposed} == {winner.id, first_care.id, only_u1.id, only_u2.id}

    run = await db.fetchrow("SELECT * FROM batch_runs WHERE id = $1", summary.run_id)
    assert set(run["phases"]) == set(batch_summary.PHASES) and run["sweep"]["expired"] == 0
    assert run["params"]["w_load"] == 100.0 and run["communities"] == [c1, c2]
    assert run["counts"]["unmatched"] == {code: 1 for code in want}
    gap = {(g["category"], g["community"]): g for g in run["supply_gap"]}
    assert gap[("talent", c1)]["supply"] == 0 and gap[("talent", c1)]["unmatched"] == 1
    stored = await db.fetch("SELECT * FROM batch_run_unmatched WHERE run_id = $1 ORDER BY project_id", summary.run_id)
    assert {r["reason"]: r["project_id"] for r in stored} == got
    lost = next(r for r in stored if r["reason"] == "lost_to_better_use")
    assert lost["taken_by_project_id"] == winner.id and lost["taken_by_resource_id"] is not None
    why = await db.fetch("SELECT * FROM proposal_explanations WHERE run_id = $1", summary.run_id)
    assert len(why) == 4 and all(w["breakdown"]["match"] == 10.0 for w in why)


async def test_runner_ups_say_which_unit_came_next_and_why(db):
    world, care, repair = await _county(db)
    near = await make_unit(db, world)
    r = await resources.create_resource(
        db, ResourceIn(unit_id=near.id, title="服务", category_code="public.elderly", capacity_projects=3,
                       area_communities=[world.community], mode=ServiceMode.HOME, skills=["护理", "康复", "陪诊"]),
        unit_actor(near.id))
    await resources.publish_resource(db, r.id, ADMIN)
    project = await _project(db, world, DispatchMode.OPTIMISE)

    summary = await batch.run_batch(db)

    (p,) = summary.proposed
    assert p.unit_id == care.id  # the specialist with fewer skills fits better
    (runner,) = p.runner_ups
    assert runner["unit_id"] == near.id and runner["lost_on"] == "skill" and runner["behind"] > 0
    stored = await db.fetchval("SELECT runner_ups FROM proposal_explanations WHERE assignment_id = $1", p.assignment_id)
    assert stored == p.runner_ups and project.id == p.project_id


async def test_an_expired_proposal_is_counted_and_offered_again(db):
    world, care, repair = await _county(db)
    project = await _project(db, world, DispatchMode.OPTIMISE)
    first = await batch.run_batch(db)
    assert [p.project_id for p in first.proposed] == [project.id]
    await db.execute("UPDATE assignments SET expires_at = now() - interval '1 minute' WHERE project_id = $1",
                     project.id)

    second = await batch.run_batch(db)

    assert second.expired == 1 and second.sweep["expired"] == 1
    assert await db.fetchval("SELECT sweep FROM batch_runs WHERE id = $1", second.run_id) == second.sweep
    assert [p.project_id for p in second.proposed] == [project.id]  # not declined: offered again
    rows = await db.fetch("SELECT status FROM assignments WHERE project_id = $1 ORDER BY id", project.id)
    assert [r["status"] for r in rows] == ["expired", "pending"]
    assert (await projects.get_project(db, project.id)).status is PS.DISPATCHED


async def test_dry_run_says_what_would_change(db, cli_env, capsys):
    from api.cli import main

    world, care, repair = await _county(db)
    fresh = await _project(db, world, DispatchMode.OPTIMISE)
    turned_down = await _project(db, world, DispatchMode.OPTIMISE, category="public.repair")
    await _declined(db, turned_down, repair)
    stale = await _project(db, world, DispatchMode.OPTIMISE)
    await work.direct_project(db, stale.id, care.id, SECRETARY)
    await db.execute("UPDATE assignments SET expires_at = now() - interval '1 hour' WHERE status = 'pending'")
    before = await snapshot(db)

    summary = await batch.run_batch(db, dry_run=True)

    assert await snapshot(db) == before
    assert [(e.project_id, e.unit_id) for e in summary.expiring] == [(stale.id, care.id)]
    assert [p.project_id for p in summary.proposed] == [fresh.id]
    assert [(d.project_id, d.unit_id) for d in summary.declined] == [(turned_down.id, repair.id)]
    assert [(u.project_id, u.code) for u in summary.unmatched_projects] == [(turned_down.id, "declined_by_all")]

    assert await asyncio.to_thread(main, ["batch", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "试运行" in out and f"{stale.number} {care.name} [{care.id}]" in out and "项目将重新开放" in out
    assert "将新派单 1 个" in out and f"{turned_down.number} ✗ {repair.name} [{repair.id}]" in out
    assert "时限：红灯 " in out and "将新列督办 " in out
    assert "仍未匹配 1 个：所有可承接单位均已拒绝（declined_by_all）" in out
    assert await asyncio.to_thread(main, ["batch", "--dry-run", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["expiring"][0]["project_id"] == stale.id and data["declined"][0]["unit_id"] == repair.id
    assert await snapshot(db) == before


async def test_the_command_logs_each_phase_when_not_at_a_terminal(db, cli_env, capsys, caplog):
    from api.cli import main

    world, care, repair = await _county(db)
    await _project(db, world, DispatchMode.OPTIMISE)
    with caplog.at_level("INFO", logger="catalog.batch"):
        assert await asyncio.to_thread(main, ["batch"]) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "catalog.batch"]
    for phase in batch_summary.PHASES:
        assert any(line.startswith(f"batch phase {phase} started") for line in lines), lines
        assert any(line.startswith(f"batch phase {phase} done in") for line in lines), lines
    assert "batch write 1/1" in lines
    assert "用时：" in capsys.readouterr().out


def _screen(raw: str) -> list[str]:
    """The lines a terminal shows after the output ``raw``: a line redrawn after a carriage
    return (and erased with ESC [K) shows only its last drawing."""
    lines = []
    for line in raw.replace("\x1b[K", "").split("\n"):
        lines.append(line.rstrip("\r").rsplit("\r", 1)[-1])
    return [line for line in lines if line.strip()]


def _at_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``sandan`` with a pseudo-terminal for its stdout and stderr, as a person would."""
    import os
    import pty
    import subprocess
    import sys

    from tests.conftest import REPO

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", *argv], cwd=REPO, env=env,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    out = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the command ended and closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=60), out.decode()


async def test_at_a_terminal_the_command_shows_chinese_progress_and_names(db, database_dsn):
    import os

    world, care, repair = await _county(db)
    p = await _project(db, world, DispatchMode.OPTIMISE)
    await _project(db, world, DispatchMode.OPTIMISE, community=world.communities[1], category="public.health")
    env = {**os.environ, "SANDAN_DATABASE_URL": database_dsn, "SANDAN_BATCH_NICE": "0", "SANDAN_LOG_LEVEL": "INFO"}

    code, raw = await asyncio.to_thread(_at_a_terminal, ["batch"], env)
    assert code == 0, raw
    screen = _screen(raw)
    # no English log lines: the phases and the summary say it in Chinese
    assert not [line for line in screen if "INFO" in line or "catalog." in line], screen
    done = [line for line in screen if line.startswith("  ✓ ")]
    assert ([line.split()[1].rstrip("\u3000") for line in done]
            == [batch_summary.PHASE_LABELS[k] for k in batch_summary.PHASES])
    # units, resources and communities by name, the id in brackets
    resource = await db.fetchval("SELECT title FROM resources WHERE unit_id = $1", care.id)
    assert f"{p.number} → 主办 {care.name} [{care.id}]，资源“{resource}”" in raw
    community = await db.fetchval("SELECT name FROM areas WHERE code = $1", world.communities[1])
    assert f"（{community}）" in raw and f"社区 {world.communities[1]}" not in raw


async def test_at_a_terminal_warnings_show_above_the_progress_line():
    """A warning logged during a phase gets a line of its own and the progress line is drawn
    again under it; info lines stay out of the way."""
    import io
    import logging

    from catalog.cli import display

    out = io.StringIO()
    with display.logs_above(display.live):
        async with display.TerminalProgress(out) as progress:
            progress.start("solve")
            logging.getLogger("catalog.oversight.sweep").info("time limits at …")
            logging.getLogger("catalog.batch").warning("resource 7 has no room left")
            progress.done("solve", 0.5, "匹配 1 个")
        logging.getLogger("catalog.batch").warning("after the display")
    assert logging.getLogger().handlers, "the log's handlers are put back"
    screen = _screen(out.getvalue())
    assert screen == ["  ! 警告（catalog.batch）：resource 7 has no room left", "  ✓ 求解　　   0.50 s  匹配 1 个"]
    raw = out.getvalue()
    assert raw.index("resource 7") < raw.rindex("… 求解") < raw.index("✓ 求解")  # drawn again under the warning


async def test_the_rows_in_columns_are_the_engine_problem_and_the_plan_reads_as_its_json(db):
    """The snapshot turns rows into the engine's arrays column by column, and the run reads its
    proposals, runner-ups, reasons and supply gap off the plan's arrays. Both must say exactly
    what the engine's record path says of the same rows: ``from_problem`` of the records, and
    the JSON plan of ``matching.solve``."""
    world, *_ = await _every_reason(db)
    await _serves(db, world, "charity.donation", capacity=2)  # runner-ups for the donation projects
    # a first run, its offers then run out: the next snapshot has last run's pairs (stability)
    await batch.run_batch(db, seed=4, params=STEEP_LOAD)
    await db.execute("UPDATE assignments SET expires_at = now() - interval '1 minute' WHERE status = 'pending'")
    await batch.sweep(db)

    snap = await batch_snapshot.take_snapshot(db)

    records = oracle.problem(await oracle.rows_of(db, snap))
    a, ref = snap.arrays, matching.from_problem(records)
    assert a.n_projects == 14 and len(a.previous_p) > 0 and len(a.declined_p) == 3
    for f in dataclasses.fields(ref):
        mine, theirs = getattr(a, f.name), getattr(ref, f.name)
        if f.name in ("project_ids", "resource_ids", "unit_ids"):  # database ids, the records' as text
            mine = mine.astype(str)
        assert np.array_equal(mine, theirs, equal_nan=mine.dtype.kind == "f"), f.name

    plan = batch_plan.solve(snap, seed=4, params=STEEP_LOAD)
    model = matching.solve(records, STEEP_LOAD, seed=4)
    assert (plan.objective, plan.bound, plan.status) == (model.objective, model.bound, model.status)
    assert plan.supply_gap == model.supply_gap

    proposed, skipped = batch_plan.proposals_of(plan)
    leads: dict[str, matching.Assignment] = {}
    for x in sorted(model.assignments, key=lambda x: (x.project, -x.score, x.resource)):
        leads.setdefault(x.project, x)
    ref_plan = matching.solve_arrays(ref, STEEP_LOAD, seed=4)
    ref_result = matching.decode(ref_plan, runner_ups=matching.runner_ups(ref_plan))
    runner_ups = dict(zip(ref_result.project_id, ref_result.runner_ups, strict=True))
    number = dict(zip(a.project_ids.tolist(), snap.numbers.tolist(), strict=True))
    expected = [
        (number[int(x.project)], int(x.unit), int(x.resource), round(x.score, 4),
         x.breakdown.model_dump(),
         [{"unit_id": int(r["unit_id"]), "resource_id": int(r["resource_id"]),
           "score": round(r["score"], 4), "behind": round(r["behind"], 4), "lost_on": r["lost_on"],
           "label": r["label"], "breakdown": {k: round(v, 4) for k, v in r["breakdown"].items()}}
          for r in runner_ups[x.project]])
        for x in sorted(leads.values(), key=lambda x: int(x.project))
    ]
    assert [(p.project, p.unit_id, p.resource_id, p.score, p.breakdown, p.runner_ups) for p in proposed] == expected
    assert any(p.runner_ups for p in proposed)
    assert skipped == []

    unmatched = batch_plan.unmatched_of(plan)
    as_number = {str(k): v for k, v in number.items()}
    assert [(u.project, u.code, u.label, u.taken_by_project) for u in unmatched] == [
        (as_number[u.project], u.code, u.label, u.taken_by_project and as_number[u.taken_by_project])
        for u in model.unmatched]
    assert plan.unmatched_counts() == {code: sum(u.code == code for u in model.unmatched)
                                       for code in dict.fromkeys(u.code for u in model.unmatched)}


async def test_a_team_project_is_proposed_to_a_whole_team_and_follows_its_lead(db):
    """units_required = 3: one run proposes a lead (主办) and two helpers (协办); a helper that
    declines is never paired with the project again, and when the lead declines the project goes
    back to the next run with its helpers' offers withdrawn."""
    from catalog.enums import AssignmentRole
    from catalog.lists import team

    world = await make_world(db, communities=1, grids=1)
    units = [await _serves(db, world, "public.elderly", capacity=2) for _ in range(4)]
    team_project = await _offer(db, world, units=3)
    summary = await batch.run_batch(db, seed=1)
    proposed = [p for p in summary.proposed if p.project_id == team_project.id]
    assert [p.role for p in proposed] == [AssignmentRole.LEAD, AssignmentRole.HELPER, AssignmentRole.HELPER]
    assert summary.counts()["helpers"] == 2 and not summary.skipped
    assert proposed[0].runner_ups == [] or proposed[0].runner_ups[0]["unit_id"] not in {p.unit_id for p in proposed}
    assert (await projects.get_project(db, team_project.id)).status is ProjectStatus.DISPATCHED
    # the run record lists the project once, with its lead's proposal
    from catalog.storage.sql import q
    listed = await db.fetch(q("batch_run_projects"), summary.run_id, None, None, 100)
    assert [(r["project_id"], r["unit_id"]) for r in listed] == [(team_project.id, proposed[0].unit_id)]

    lead, first_helper, second_helper = proposed
    await team.accept_helper(db, team_project.id, first_helper.unit_id, unit_actor(first_helper.unit_id))
    await team.decline_helper(db, team_project.id, second_helper.unit_id,
                                 ReasonIn(reason=DeclineReason.CAPACITY_FULL), unit_actor(second_helper.unit_id))
    await work.decline_offer(db, team_project.id, lead.unit_id, ReasonIn(reason=DeclineReason.SKILL_MISMATCH),
                             unit_actor(lead.unit_id))
    rows = await db.fetch("SELECT unit_id, role, status FROM assignments WHERE project_id = $1 ORDER BY id",
                          team_project.id)
    assert [(r["role"], r["status"]) for r in rows] == [("lead", "declined"), ("helper", "released"),
                                                         ("helper", "declined")]
    assert (await projects.get_project(db, team_project.id)).status is ProjectStatus.PUBLISHED

    # the next run: neither unit that declined is on the team; with one more unit it is full again
    units.append(await _serves(db, world, "public.elderly", capacity=2))
    again = await batch.run_batch(db, seed=1)
    team2 = [p for p in again.proposed if p.project_id == team_project.id]
    assert [p.role for p in team2] == [AssignmentRole.LEAD, AssignmentRole.HELPER, AssignmentRole.HELPER]
    assert {p.unit_id for p in team2} == {u.id for u in units} - {lead.unit_id, second_helper.unit_id}


async def test_the_engine_reads_the_credit_this_runs_sweep_charged(db, monkeypatch):
    """An offer left unanswered past its 签收 limit is overdue: the run's sweep charges the unit
    before the snapshot, so the engine already weighs the unit at its lowered credit."""
    from catalog.oversight import credit

    world, care, repair = await _county(db)
    late = await _project(db, world, DispatchMode.DIRECTED)
    await work.direct_project(db, late.id, care.id, SECRETARY)
    await db.execute("UPDATE assignments SET created_at = now() - interval '3 days' WHERE project_id = $1", late.id)
    await _project(db, world, DispatchMode.OPTIMISE)
    before = (await credit.score(db, care.id)).score

    seen = {}
    real = batch_snapshot.take_snapshot

    async def watched(*args, **kwargs):
        snap = await real(*args, **kwargs)
        seen.update(zip(snap.arrays.unit_ids[snap.arrays.r_unit].tolist(), snap.arrays.r_credit.tolist(),
                        strict=True))
        return snap

    monkeypatch.setattr(batch_snapshot, "take_snapshot", watched)
    summary = await batch.run_batch(db, seed=0)
    after = (await credit.score(db, care.id)).score
    assert summary.sweep["time_limits"]["credited"] == 1 and after < before
    assert seen[care.id] == after
