"""批量派单记录 over HTTP: who reads which runs, and what a run record tells them."""

from __future__ import annotations

from decimal import Decimal

from catalog.batch import job as batch, summary as batch_summary
from catalog.enums import DeclineReason, DispatchMode, ServiceMode
from catalog.lists import projects, resources, work
from catalog.models import ProjectIn, ReasonIn, ResourceIn
from tests.factories import ADMIN, SECRETARY, make_need, unit_actor

API = "/api/v1"
PHONE = "13912345678"  # the factories' requester phone: never in a run record


async def _project(db, world, community, category="public.elderly"):
    need = await make_need(db, world, community_code=community, grid_code=world.grids[community][0],
                           category_code=category, requester_phone=PHONE)
    p = await projects.create_project(
        db, ProjectIn(need_ids=[need.id], title="助老服务", category_code=category, community_code=community,
                      estimated_hours=Decimal("2.0"), dispatch_mode=DispatchMode.OPTIMISE), SECRETARY)
    return await projects.publish_project(db, p.id, SECRETARY)


async def _resource(db, unit, communities, category="public.elderly", capacity=3):
    r = await resources.create_resource(db, ResourceIn(
        unit_id=unit.id, title="服务", category_code=category, capacity_projects=capacity,
        area_communities=communities, mode=ServiceMode.HOME), unit_actor(unit.id))
    return await resources.publish_resource(db, r.id, ADMIN)


async def _county_run(db, cast):
    """X serves both communities, Y only A; one project in B wants a category nobody offers."""
    a, b = cast.a, cast.b
    await _resource(db, cast.unit_x, [a, b])
    await _resource(db, cast.unit_y, [a])
    in_a = await _project(db, cast.world, a)
    in_b = await _project(db, cast.world, b)
    lonely = await _project(db, cast.world, b, category="talent.finance")
    summary = await batch.run_batch(db, seed=3)
    return summary, in_a, in_b, lonely


async def test_the_alliance_reads_a_run_with_every_reason_and_nothing_personal(client, cast, db):
    summary, in_a, in_b, lonely = await _county_run(db, cast)

    page = await (await client.get(f"{API}/batch-runs", headers=cast.headers["alliance"])).json()
    assert [r["id"] for r in page["items"]] == [summary.run_id]
    run = page["items"][0]
    assert run["scope"] == "county" and run["seed"] == 3 and run["counts"]["proposed"] == 2
    assert set(run["phases"]) == {"sweep", "snapshot", "solve", "write"}
    assert run["sweep"]["expired"] == 0 and run["sweep"]["closed_unrated"] == 0 and run["status_label"]
    clocks = run["sweep"]["time_limits"]  # each published project's clock is running
    assert sum(clocks[c] for c in ("none", "blue", "yellow", "red")) >= 3

    r = await client.get(f"{API}/batch-runs/{summary.run_id}", headers=cast.headers["alliance"])
    detail, text = await r.json(), await r.text()
    assert r.status == 200 and PHONE not in text and "张三" not in text
    by_id = {p["project_id"]: p for p in detail["projects"]}
    assert set(by_id) == {in_a.id, in_b.id, lonely.id}
    a = by_id[in_a.id]
    assert a["outcome"] == "proposed" and a["project_status"] == "dispatched" and a["project_status_label"]
    prop = a["proposal"]
    assert prop["assignment_status"] == "pending" and prop["assignment_status_label"]
    assert abs(sum(prop["breakdown"].values()) - prop["score"]) < 1e-6 and prop["term_labels"]["distance"] == "距离"
    # in A both units could serve: the one not proposed is the runner-up, with what it lost on
    (runner,) = prop["runner_ups"]
    assert runner["unit_id"] != prop["unit_id"] and runner["lost_on"] and runner["label"]
    lost = by_id[lonely.id]
    assert lost["outcome"] == "unmatched" and lost["proposal"] is None
    assert lost["unmatched"]["code"] == "no_category" and lost["unmatched"]["label"] == "无成员单位提供该类别服务"
    assert {(g["community"], g["category"]) for g in detail["supply_gap"]} >= {(cast.b, "talent")}
    assert detail["params"]["max_priority"] == batch_summary.PARAMS.max_priority

    # a unit declines: the record shows where the proposal stands now
    unit = by_id[in_b.id]["proposal"]["unit_id"]
    await work.decline_offer(db, in_b.id, unit, ReasonIn(reason=DeclineReason.CAPACITY_FULL), unit_actor(unit))
    detail = await (await client.get(f"{API}/batch-runs/{summary.run_id}", headers=cast.headers["alliance"])).json()
    b = next(p for p in detail["projects"] if p["project_id"] == in_b.id)
    assert b["proposal"]["assignment_status"] == "declined" and b["project_status"] == "published"


async def test_a_secretary_sees_runs_of_their_community_and_only_its_projects(client, cast, db):
    summary, in_a, in_b, lonely = await _county_run(db, cast)
    only_a = await batch.run_batch(db, batch_summary.Scope(community=cast.a))

    mine = await (await client.get(f"{API}/batch-runs", headers=cast.headers["sec_b"])).json()
    assert [r["id"] for r in mine["items"]] == [summary.run_id]  # the community-A run never looked at B
    detail = await (await client.get(f"{API}/batch-runs/{summary.run_id}", headers=cast.headers["sec_b"])).json()
    assert {p["project_id"] for p in detail["projects"]} == {in_b.id, lonely.id}
    assert {g["community"] for g in detail["supply_gap"]} == {cast.b}
    r = await client.get(f"{API}/batch-runs/{only_a.run_id}", headers=cast.headers["sec_b"])
    assert r.status == 404 and (await r.json())["error"]["code"] == "batch_run_not_found"

    theirs = await (await client.get(f"{API}/batch-runs", headers=cast.headers["sec_a"])).json()
    assert [r["id"] for r in theirs["items"]] == [only_a.run_id, summary.run_id]  # newest first


async def test_pages_and_filters(client, cast, db):
    summary, *_ = await _county_run(db, cast)
    second = await batch.run_batch(db, batch_summary.Scope(community=cast.a))
    third = await batch.run_batch(db)
    h = cast.headers["street"]

    first = await (await client.get(f"{API}/batch-runs?limit=2", headers=h)).json()
    assert [r["id"] for r in first["items"]] == [third.run_id, second.run_id] and first["next_cursor"]
    rest = await (await client.get(f"{API}/batch-runs?limit=2&cursor={first['next_cursor']}", headers=h)).json()
    assert [r["id"] for r in rest["items"]] == [summary.run_id]
    scoped = await (await client.get(f"{API}/batch-runs?scope=community:{cast.a}", headers=h)).json()
    assert [r["id"] for r in scoped["items"]] == [second.run_id]
    oldest = await (await client.get(f"{API}/batch-runs?sort=oldest&community={cast.b}", headers=h)).json()
    assert [r["id"] for r in oldest["items"]] == [summary.run_id, third.run_id]

    one = await (await client.get(f"{API}/batch-runs/{summary.run_id}?limit=2", headers=h)).json()
    more = await (await client.get(f"{API}/batch-runs/{summary.run_id}?limit=2&cursor={one['next_cursor']}",
                                   headers=h)).json()
    ids = [p["project_id"] for p in one["projects"] + more["projects"]]
    assert len(ids) == 3 == len(set(ids)) and ids == sorted(ids) and more["next_cursor"] is None

    r = await client.get(f"{API}/batch-runs?scope=everywhere", headers=h)
    assert r.status == 422


async def test_units_grid_workers_and_the_batch_account_are_refused(client, cast, db):
    summary, *_ = await _county_run(db, cast)
    for role in ("unit_x", "grid_a", "batch"):
        for path in ("/batch-runs", f"/batch-runs/{summary.run_id}"):
            r = await client.get(API + path, headers=cast.headers[role])
            assert r.status == 403, (role, path)
    assert (await client.get(f"{API}/batch-runs")).status == 401
