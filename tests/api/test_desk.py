"""The desk operations through the API: a unit rewrites and re-lists its resource, administrators
edit a unit and its cap and list units, a unit reads the projects ranked for it and why the
batch job proposed one. Same rules as the pages; a refused or bad request changes nothing."""

from __future__ import annotations

from decimal import Decimal

from catalog.batch import job as batch, summary as batch_summary
from catalog.enums import DispatchMode, ProjectStatus, Urgency
from catalog.lists import projects, work
from catalog.models import ProjectIn
from tests.factories import CATEGORY, SECRETARY, make_need, make_project, make_resource, snapshot

API = "/api/v1"


def listing(cast, unit_id: int, **overrides) -> dict:
    """A resource as the edit form states it: every field."""
    body = dict(unit_id=unit_id, title="助老陪护（周末）", content="上门陪护、代买代办", category_code=CATEGORY,
                skills=["陪护", "代办"], capacity_projects=4, capacity_hours=None,
                area_communities=[cast.a, cast.b], centre_lat=None, centre_lon=None, radius_km=None,
                availability=[{"weekday": 6, "start": "09:00", "end": "12:00"}], valid_from="2026-01-01",
                valid_to="2026-12-31", mode="home", fee_type="low_cost", fee_amount="12.50",
                target_groups=["老年人"])
    body.update(overrides)
    return body


def unit_form(cast, **overrides) -> dict:
    body = dict(name="绿叶志愿服务总队", unit_type="association", contact_name="周八", contact_phone="13900001111",
                home_area=cast.world.street, active_cap=2)
    body.update(overrides)
    return body


async def claim_project(db, world, *, title: str, urgency: Urgency = Urgency.NORMAL, category: str = CATEGORY):
    need = await make_need(db, world)
    p = await projects.create_project(db, ProjectIn(
        need_ids=[need.id], title=title, category_code=category, community_code=world.community,
        estimated_hours=Decimal("2"), urgency=urgency, dispatch_mode=DispatchMode.CLAIM,
    ), SECRETARY)
    return await projects.publish_project(db, p.id, SECRETARY)


async def error_of(r) -> tuple[int, str]:
    return r.status, (await r.json())["error"]["code"]


# --- a unit's resource: edit and put back up ------------------------------------------------------


async def test_a_unit_rewrites_its_published_resource_and_it_waits_for_review_again(client, cast, db):
    mine = await make_resource(db, cast.unit_x, cast.world)
    h = cast.headers["unit_x"]
    r = await client.put(f"{API}/resources/{mine.id}", headers=h, json=listing(cast, cast.unit_x.id))
    body = await r.json()
    assert r.status == 200, body
    assert body["status"] == "pending" and body["title"] == "助老陪护（周末）"
    assert body["skills"] == ["陪护", "代办"] and body["fee_amount"] == "12.50" and body["valid_to"] == "2026-12-31"
    # no longer offered to anyone until the alliance has read it again
    public = await (await client.get(f"{API}/resources/{mine.id}", headers=cast.headers["unit_y"])).json()
    assert public["error"]["code"] == "resource_not_found"
    history = await (await client.get(f"{API}/history/resource/{mine.id}", headers=h)).json()
    assert (history[-1]["from_status"], history[-1]["to_status"]) == ("published", "pending")
    assert history[-1]["note"] == "修改资源内容，待重新审核"
    again = await client.post(f"{API}/resources/{mine.id}/publish", headers=cast.headers["alliance"])
    assert again.status == 200 and (await again.json())["status"] == "published"


async def test_a_unit_puts_its_taken_down_resource_back_up_once(client, cast, db):
    mine = await make_resource(db, cast.unit_x, cast.world)
    h = cast.headers["unit_x"]
    assert (await client.post(f"{API}/resources/{mine.id}/delist", headers=h, json={})).status == 200
    r = await client.post(f"{API}/resources/{mine.id}/relist", headers=h)
    assert r.status == 200 and (await r.json())["status"] == "published"
    before = await snapshot(db)
    again = await client.post(f"{API}/resources/{mine.id}/relist", headers=h)
    assert await error_of(again) == (409, "illegal_transition")
    assert await snapshot(db) == before


async def test_a_suspended_unit_cannot_put_its_resource_back_up(client, cast, db):
    mine = await make_resource(db, cast.unit_x, cast.world)
    h = cast.headers["unit_x"]
    await client.post(f"{API}/resources/{mine.id}/delist", headers=h, json={})
    r = await client.post(f"{API}/units/{cast.unit_x.id}/suspend", headers=cast.headers["alliance"], json={})
    assert r.status == 200
    before = await snapshot(db)
    r = await client.post(f"{API}/resources/{mine.id}/relist", headers=h)
    assert await error_of(r) == (409, "unit_suspended")
    assert await snapshot(db) == before


async def test_no_one_else_edits_or_relists_a_units_resource(client, cast, db):
    published = await make_resource(db, cast.unit_x, cast.world)
    pending = await make_resource(db, cast.unit_x, cast.world, publish=False)
    before = await snapshot(db)
    # another unit: a listing it cannot see does not exist; one it can see is not its to change
    r = await client.put(f"{API}/resources/{pending.id}", headers=cast.headers["unit_y"],
                         json=listing(cast, cast.unit_x.id))
    assert await error_of(r) == (404, "resource_not_found")
    r = await client.put(f"{API}/resources/{published.id}", headers=cast.headers["unit_y"],
                         json=listing(cast, cast.unit_y.id))
    assert await error_of(r) == (403, "out_of_scope")
    r = await client.post(f"{API}/resources/{published.id}/relist", headers=cast.headers["unit_y"])
    assert await error_of(r) == (403, "out_of_scope")
    # the administrators review listings; they do not write them
    r = await client.put(f"{API}/resources/{published.id}", headers=cast.headers["alliance"],
                         json=listing(cast, cast.unit_x.id))
    assert await error_of(r) == (403, "out_of_scope")
    # a secretary does not see an unpublished listing at all
    r = await client.post(f"{API}/resources/{pending.id}/relist", headers=cast.headers["sec_a"])
    assert r.status == 404
    assert await snapshot(db) == before


async def test_a_bad_resource_edit_is_refused_with_a_code_and_changes_nothing(client, cast, db):
    mine = await make_resource(db, cast.unit_x, cast.world)
    h = cast.headers["unit_x"]
    before = await snapshot(db)
    cases = [
        (listing(cast, cast.unit_x.id, capacity_projects=None), 422, "invalid_input"),  # no capacity at all
        (listing(cast, cast.unit_x.id, valid_from="2027-01-01"), 422, "invalid_input"),  # ends before it starts
        ({"title": "只改标题"}, 422, "invalid_input"),  # an edit states every field
        (listing(cast, cast.unit_x.id, status="published"), 422, "invalid_input"),  # not the client's to set
        (listing(cast, cast.unit_x.id, area_communities=["NOWHERE"]), 422, "unknown_community"),
        (listing(cast, cast.unit_x.id, category_code="public"), 422, "unknown_category"),  # top level
        (listing(cast, cast.unit_y.id), 403, "out_of_scope"),  # handing the listing to another unit
    ]
    for body, status, code in cases:
        r = await client.put(f"{API}/resources/{mine.id}", headers=h, json=body)
        assert await error_of(r) == (status, code), body
    r = await client.put(f"{API}/resources/{mine.id}", headers=h, data=b"{not json", )
    assert r.status == 400
    assert await snapshot(db) == before


# --- administrators: units ------------------------------------------------------------------------


async def test_an_administrator_corrects_a_unit_and_its_cap(client, cast, db):
    h = cast.headers["alliance"]
    r = await client.put(f"{API}/units/{cast.unit_x.id}", headers=h, json=unit_form(cast))
    body = await r.json()
    assert r.status == 200, body
    assert (body["name"], body["unit_type"], body["contact_phone"], body["active_cap"]) == (
        "绿叶志愿服务总队", "association", "13900001111", 2)
    seen = await (await client.get(f"{API}/units/{cast.unit_x.id}", headers=cast.headers["sec_a"])).json()
    assert seen["name"] == "绿叶志愿服务总队" and seen["contact_phone"] == "139****1111"
    history = await (await client.get(f"{API}/history/unit/{cast.unit_x.id}", headers=h)).json()
    assert history[-1]["note"] == "修改单位信息，承接上限 2"
    # the street's administrator may do it too, as on the pages
    r = await client.put(f"{API}/units/{cast.unit_x.id}", headers=cast.headers["street"],
                         json=unit_form(cast, active_cap=7))
    assert r.status == 200 and (await r.json())["active_cap"] == 7


async def test_a_cap_below_the_work_held_keeps_the_work_and_stops_suggestions(client, cast, db):
    await make_resource(db, cast.unit_x, cast.world)
    held = await make_project(db, cast.world, ProjectStatus.ACCEPTED, unit=cast.unit_x)
    await make_project(db, cast.world, ProjectStatus.ACCEPTED, unit=cast.unit_x)
    await claim_project(db, cast.world, title="陪老人散步")
    r = await client.put(f"{API}/units/{cast.unit_x.id}", headers=cast.headers["alliance"],
                         json=unit_form(cast, active_cap=1))
    assert r.status == 200
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", held.id) == "accepted"
    listed = await (await client.get(f"{API}/admin/units", headers=cast.headers["alliance"],
                                      params={"name": "绿叶"})).json()
    assert [(u["id"], u["live"], u["active_cap"]) for u in listed["items"]] == [(cast.unit_x.id, 2, 1)]
    mine = await (await client.get(f"{API}/units/{cast.unit_x.id}/suggestions",
                                   headers=cast.headers["unit_x"])).json()
    assert mine["items"] == [] and "承接上限" in mine["note"]


async def test_only_administrators_edit_units_and_bad_input_changes_nothing(client, cast, db):
    before = await snapshot(db)
    for who in ("sec_a", "grid_a", "unit_x", "batch"):
        r = await client.put(f"{API}/units/{cast.unit_x.id}", headers=cast.headers[who], json=unit_form(cast))
        assert await error_of(r) == (403, "forbidden"), who
    h = cast.headers["alliance"]
    cases = [
        (unit_form(cast, active_cap=0), 422, "invalid_input"),
        (unit_form(cast, contact_phone="12"), 422, "invalid_input"),
        ({"active_cap": 3}, 422, "invalid_input"),  # the cap alone: every field is stated
        (unit_form(cast, status="suspended"), 422, "invalid_input"),  # suspending is its own step
        (unit_form(cast, home_area="NOWHERE"), 422, "unknown_area"),
    ]
    for body, status, code in cases:
        r = await client.put(f"{API}/units/{cast.unit_x.id}", headers=h, json=body)
        assert await error_of(r) == (status, code), body
    r = await client.put(f"{API}/units/999999", headers=h, json=unit_form(cast))
    assert await error_of(r) == (404, "unit_not_found")
    assert await snapshot(db) == before


async def test_the_administrators_unit_list_filters_and_pages(client, cast, db):
    h = cast.headers["alliance"]
    await make_resource(db, cast.unit_y, cast.world, publish=False)
    await client.post(f"{API}/units/{cast.unit_x.id}/suspend", headers=h, json={})
    r = await client.get(f"{API}/admin/units", headers=h, params={"status": "suspended"})
    page = await r.json()
    assert r.status == 200 and [u["id"] for u in page["items"]] == [cast.unit_x.id]
    assert page["items"][0]["personal_data"] == "full" and page["items"][0]["contact_phone"] == "13800000000"
    page = await (await client.get(f"{API}/admin/units", headers=h, params={"name": "红星"})).json()
    assert [(u["id"], u["resources_pending"]) for u in page["items"]] == [(cast.unit_y.id, 1)]
    first = await (await client.get(f"{API}/admin/units", headers=h, params={"limit": "1"})).json()
    second = await (await client.get(f"{API}/admin/units", headers=h,
                                     params={"limit": "1", "cursor": first["next_cursor"]})).json()
    assert [u["id"] for u in first["items"] + second["items"]] == [cast.unit_y.id, cast.unit_x.id]
    bad = await client.get(f"{API}/admin/units", headers=h, params={"status": "gone"})
    assert await error_of(bad) == (422, "invalid_input")
    for who in ("sec_a", "unit_x", "batch"):
        r = await client.get(f"{API}/admin/units", headers=cast.headers[who])
        assert await error_of(r) == (403, "forbidden"), who


# --- suggestions and explanations -----------------------------------------------------------------


async def test_a_unit_reads_the_open_projects_ranked_for_it_with_the_reason(client, cast, db):
    res = await make_resource(db, cast.unit_x, cast.world)
    await claim_project(db, cast.world, title="陪老人散步")
    urgent = await claim_project(db, cast.world, title="独居老人送医", urgency=Urgency.URGENT)
    legal = await claim_project(db, cast.world, title="法律咨询进社区", category="public.legal")
    r = await client.get(f"{API}/units/{cast.unit_x.id}/suggestions", headers=cast.headers["unit_x"])
    body = await r.json()
    assert r.status == 200, body
    assert [s["title"] for s in body["items"]] == ["独居老人送医", "陪老人散步"]  # urgent first, no legal aid
    top = body["items"][0]
    assert top["project_id"] == urgent.id and top["resource_id"] == res.id
    assert top["score"] > body["items"][1]["score"] and "紧急程度 +" in top["why"]
    assert {t["code"] for t in top["terms"]} >= {"urgency", "distance"}
    assert body["open_projects"] == 3 and body["resources"] == 1 and body["note"] is None
    assert legal.id not in {s["project_id"] for s in body["items"]}
    one = await (await client.get(f"{API}/units/{cast.unit_x.id}/suggestions", headers=cast.headers["unit_x"],
                                  params={"limit": "1"})).json()
    assert [s["project_id"] for s in one["items"]] == [urgent.id]
    # an administrator sees the same ranking for the unit
    admin = await (await client.get(f"{API}/units/{cast.unit_x.id}/suggestions",
                                    headers=cast.headers["alliance"])).json()
    assert [s["project_id"] for s in admin["items"]] == [s["project_id"] for s in body["items"]]


async def test_suggestions_are_for_the_unit_itself_and_administrators(client, cast, db):
    await make_resource(db, cast.unit_x, cast.world)
    await claim_project(db, cast.world, title="陪老人散步")
    for who in ("unit_y", "sec_a", "grid_a", "batch"):
        r = await client.get(f"{API}/units/{cast.unit_x.id}/suggestions", headers=cast.headers[who])
        assert await error_of(r) == (403, "forbidden"), who
    r = await client.get(f"{API}/units/999999/suggestions", headers=cast.headers["alliance"])
    assert await error_of(r) == (404, "unit_not_found")
    for limit in ("0", "101", "x"):
        r = await client.get(f"{API}/units/{cast.unit_x.id}/suggestions", headers=cast.headers["unit_x"],
                             params={"limit": limit})
        assert await error_of(r) == (422, "invalid_input"), limit
    r = await client.get(f"{API}/units/{cast.unit_y.id}/suggestions", headers=cast.headers["unit_y"])
    body = await r.json()
    assert r.status == 200 and body["items"] == [] and "还没有已发布的资源" in body["note"]


async def test_a_unit_reads_why_the_batch_job_proposed_a_project_to_it(client, cast, db):
    await make_resource(db, cast.unit_x, cast.world)
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.OPTIMISE)
    summary = await batch.run_batch(db, batch_summary.Scope(community=cast.a))
    [proposal] = summary.proposed
    assert proposal.project_id == built.id
    aid = await db.fetchval("SELECT id FROM assignments WHERE project_id = $1 AND kind = 'proposal'", built.id)
    r = await client.get(f"{API}/assignments/{aid}/explanation", headers=cast.headers["unit_x"])
    body = await r.json()
    assert r.status == 200, body
    assert body["assignment_id"] == aid and body["run_id"] == summary.run_id
    assert body["score"] == round(proposal.score, 2)
    assert {t["code"]: t["points"] for t in body["terms"]}["match"] == 10.0
    assert [t["label"] for t in body["terms"]][0] == "基础分"
    # another unit: no such assignment; staff read the run record instead (/batch-runs)
    r = await client.get(f"{API}/assignments/{aid}/explanation", headers=cast.headers["unit_y"])
    assert await error_of(r) == (404, "assignment_not_found")
    for who in ("sec_a", "alliance", "batch"):
        r = await client.get(f"{API}/assignments/{aid}/explanation", headers=cast.headers[who])
        assert await error_of(r) == (403, "unit_only"), who
    r = await client.get(f"{API}/assignments/999999/explanation", headers=cast.headers["unit_x"])
    assert await error_of(r) == (404, "assignment_not_found")


async def test_an_offer_the_optimiser_did_not_make_has_no_explanation(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.DIRECTED)
    await work.direct_project(db, built.id, cast.unit_x.id, SECRETARY)
    aid = await db.fetchval("SELECT id FROM assignments WHERE project_id = $1", built.id)
    r = await client.get(f"{API}/assignments/{aid}/explanation", headers=cast.headers["unit_x"])
    assert await error_of(r) == (404, "explanation_not_found")


async def test_the_desk_endpoints_are_documented(client):
    doc = await (await client.get(f"{API}/openapi.json")).json()
    paths = doc["paths"]
    for path, method in [("/resources/{resource_id}", "put"), ("/resources/{resource_id}/relist", "post"),
                         ("/units/{unit_id}", "put"), ("/admin/units", "get"),
                         ("/units/{unit_id}/suggestions", "get"), ("/assignments/{assignment_id}/explanation", "get")]:
        op = paths[API + path][method]
        assert op["summary"] and {"401", "403"} <= set(op["responses"]), (method, path)
    edit = paths[API + "/resources/{resource_id}"]["put"]
    assert edit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ResourceIn")
    suggestion = doc["components"]["schemas"]["ProjectSuggestion"]
    assert {"why", "score", "terms", "resource_id"} <= set(suggestion["properties"])
