"""协办 over HTTP: the secretary asks units to help, units answer, the project shows its team."""

from __future__ import annotations

from decimal import Decimal

from catalog.enums import DispatchMode, Role
from catalog.lists import projects, work
from catalog.models import ProjectIn
from tests.api.conftest import login, make_account
from tests.factories import CATEGORY, SECRETARY, make_need, make_unit

API = "/api/v1"


async def _json(r, status):
    assert r.status == status, await r.text()
    return await r.json()


async def _error(r, status, code):
    body = await _json(r, status)
    assert body["error"]["code"] == code, body
    return body["error"]


async def team_project(db, cast, *, units_required: int = 3, community: str | None = None) -> int:
    """A project of community A that needs several units, offered to unit_x as its lead."""
    community = community or cast.a
    need = await make_need(db, cast.world, community_code=community, grid_code=cast.world.grids[community][0],
                           requester_name="王秀英", requester_phone="13712345678")
    p = await projects.create_project(db, ProjectIn(
        need_ids=[need.id], title="王秀英家周边义诊", category_code=CATEGORY, community_code=community,
        estimated_hours=Decimal("6.0"), dispatch_mode=DispatchMode.DIRECTED, units_required=units_required),
        SECRETARY)
    await projects.publish_project(db, p.id, SECRETARY)
    await work.direct_project(db, p.id, cast.unit_x.id, SECRETARY)
    return p.id


async def test_a_helper_is_asked_answers_and_shows_in_the_team(client, cast, db):
    pid = await team_project(db, cast)
    sec, y = cast.headers["sec_a"], cast.headers["unit_y"]
    added = await _json(await client.post(f"{API}/projects/{pid}/helpers", headers=sec,
                                          json={"unit_id": cast.unit_y.id}), 201)
    assert (added["role"], added["kind"], added["status"]) == ("helper", "directed", "pending")

    # until it accepts, the helper sees the project as any unit does: residents masked
    detail = await _json(await client.get(f"{API}/projects/{pid}", headers=y), 200)
    assert detail["personal_data"] == "masked" and detail["needs"][0]["requester_phone"] == "137****5678"
    assert [(m["unit_name"], m["role_label"], m["status_label"]) for m in detail["team"]] == [
        ("绿叶志愿服务队", "主办", "待单位答复"), ("红星家电维修协会", "协办", "待单位答复")]

    got = await _json(await client.post(f"{API}/projects/{pid}/helper/accept", headers=y), 200)
    assert got["status"] == "active"
    detail = await _json(await client.get(f"{API}/projects/{pid}", headers=y), 200)
    assert detail["project"]["status"] == "dispatched"  # the project waits for its lead
    assert detail["personal_data"] == "full" and detail["needs"][0]["requester_phone"] == "13712345678"
    assert [(m["role"], m["status"]) for m in detail["team"]] == [("lead", "pending"), ("helper", "active")]

    back = await _json(await client.post(f"{API}/projects/{pid}/helper/give-back", headers=y,
                                         json={"reason": "capacity_full"}), 200)
    assert (back["status"], back["reason_code"]) == ("returned", "capacity_full")
    detail = await _json(await client.get(f"{API}/projects/{pid}", headers=y), 200)
    assert detail["personal_data"] == "masked"
    assert [m["role"] for m in detail["team"]] == ["lead"]


async def test_a_unit_declines_with_a_reason_and_the_secretary_withdraws_another(client, cast, db):
    pid = await team_project(db, cast)
    sec, y = cast.headers["sec_a"], cast.headers["unit_y"]
    z = await make_unit(db, cast.world, name="蓝天医护志愿队")
    await make_account(db, "unit-z", Role.UNIT, unit_id=z.id)
    zh = await login(client, "unit-z")
    for unit in (cast.unit_y, z):
        await _json(await client.post(f"{API}/projects/{pid}/helpers", headers=sec, json={"unit_id": unit.id}), 201)

    # a reason from the list, and a note with 其他原因
    r = await client.post(f"{API}/projects/{pid}/helper/decline", headers=y, json={"reason": "busy"})
    assert r.status == 422
    r = await client.post(f"{API}/projects/{pid}/helper/decline", headers=y, json={"reason": "other"})
    assert r.status == 422
    got = await _json(await client.post(f"{API}/projects/{pid}/helper/decline", headers=y,
                                        json={"reason": "other", "note": "本周队员外出培训"}), 200)
    assert (got["status"], got["reason_code"], got["note"]) == ("declined", "other", "本周队员外出培训")

    got = await _json(await client.post(f"{API}/projects/{pid}/helpers/{z.id}/withdraw", headers=sec,
                                        json={"note": "已请其他单位"}), 200)
    assert (got["status"], got["reason_code"]) == ("withdrawn", "helper_withdrawn")
    await _error(await client.post(f"{API}/projects/{pid}/helper/accept", headers=zh), 409, "illegal_transition")
    history = await _json(await client.get(f"{API}/history/assignment/{got['id']}", headers=sec), 200)
    assert [(h["from_status"], h["to_status"]) for h in history] == [(None, "pending"), ("pending", "withdrawn")]


async def test_illegal_helper_steps_answer_with_their_codes(client, cast, db):
    pid = await team_project(db, cast, units_required=2)
    sec, x, y = cast.headers["sec_a"], cast.headers["unit_x"], cast.headers["unit_y"]
    await _error(await client.post(f"{API}/projects/{pid}/helpers", headers=sec,
                                   json={"unit_id": cast.unit_x.id}), 409, "unit_is_lead")
    await _error(await client.post(f"{API}/projects/{pid}/helper/accept", headers=y), 403, "not_helper")
    await _error(await client.post(f"{API}/projects/{pid}/helper/accept", headers=x), 409, "not_helper")
    await _json(await client.post(f"{API}/projects/{pid}/helpers", headers=sec, json={"unit_id": cast.unit_y.id}), 201)
    await _error(await client.post(f"{API}/projects/{pid}/helpers", headers=sec,
                                   json={"unit_id": cast.unit_y.id}), 409, "helper_slots_full")
    await _error(await client.post(f"{API}/projects/{pid}/helper/give-back", headers=y,
                                   json={"reason": "capacity_full"}), 409, "illegal_transition")
    await _error(await client.post(f"{API}/projects/{pid}/helpers/{cast.unit_x.id}/withdraw", headers=sec,
                                   json={}), 409, "no_helper_proposal")
    r = await client.post(f"{API}/projects/{pid}/helpers", headers=sec, json={"unit_id": 0})
    assert r.status == 422

    single = await team_project(db, cast, units_required=1)
    await _error(await client.post(f"{API}/projects/{single}/helpers", headers=sec,
                                   json={"unit_id": cast.unit_y.id}), 409, "helpers_not_needed")


async def test_only_the_projects_secretary_manages_helpers(client, cast, db):
    pid = await team_project(db, cast)
    body = {"unit_id": cast.unit_y.id}
    # another community's secretary does not see the project at all
    await _error(await client.post(f"{API}/projects/{pid}/helpers", headers=cast.headers["sec_b"], json=body),
                 404, "project_not_found")
    for who in ("unit_x", "unit_y", "street", "grid_a", "batch"):
        r = await client.post(f"{API}/projects/{pid}/helpers", headers=cast.headers[who], json=body)
        assert r.status in (403, 404), (who, r.status)
    assert (await client.post(f"{API}/projects/{pid}/helpers", json=body)).status == 401
    await _json(await client.post(f"{API}/projects/{pid}/helpers", headers=cast.headers["sec_a"], json=body), 201)
    r = await client.post(f"{API}/projects/{pid}/helpers/{cast.unit_y.id}/withdraw", headers=cast.headers["unit_x"],
                          json={})
    assert r.status == 403
    # a secretary cannot answer for the unit
    r = await client.post(f"{API}/projects/{pid}/helper/accept", headers=cast.headers["sec_a"])
    assert r.status == 403


async def test_the_lead_declining_ends_the_helpers_over_http(client, cast, db):
    pid = await team_project(db, cast)
    await _json(await client.post(f"{API}/projects/{pid}/helpers", headers=cast.headers["sec_a"],
                                  json={"unit_id": cast.unit_y.id}), 201)
    await _json(await client.post(f"{API}/projects/{pid}/helper/accept", headers=cast.headers["unit_y"]), 200)
    project = await _json(await client.post(f"{API}/projects/{pid}/decline", headers=cast.headers["unit_x"],
                                            json={"reason": "out_of_area"}), 200)
    assert project["status"] == "published"
    detail = await _json(await client.get(f"{API}/projects/{pid}", headers=cast.headers["sec_a"]), 200)
    assert detail["team"] == []
    ended = {a["unit_id"]: (a["role"], a["status"], a["reason_code"]) for a in detail["assignments"]}
    assert ended[cast.unit_y.id] == ("helper", "released", "lead_ended")


async def test_the_helper_endpoints_are_documented(client):
    doc = await _json(await client.get(f"{API}/openapi.json"), 200)
    for path in ("/projects/{project_id}/helpers", "/projects/{project_id}/helpers/{unit_id}/withdraw",
                 "/projects/{project_id}/helper/accept", "/projects/{project_id}/helper/decline",
                 "/projects/{project_id}/helper/give-back"):
        op = doc["paths"][API + path]["post"]
        assert op["tags"] == ["helpers"] and "409" in op["responses"], path
    team = doc["components"]["schemas"]["TeamMember"]["properties"]
    assert {"unit_name", "role_label", "status_label"} <= set(team)
