"""PATCH /projects/{id} (the secretary edits a project), POST /assignments/{id}/confirm (the secretary
confirms a batch proposal) and the 撤单 reason list, over HTTP."""

from __future__ import annotations

from catalog.enums import DispatchMode, ProjectStatus
from tests.factories import make_project, snapshot

API = "/api/v1"
PS = ProjectStatus


async def _json(r, status):
    assert r.status == status, await r.text()
    return await r.json()


async def test_the_secretary_edits_a_draft_and_then_the_words_of_the_published_project(client, cast, db):
    built = await make_project(db, cast.world, PS.DRAFT)
    url = f"{API}/projects/{built.id}"
    sec = cast.headers["sec_a"]
    edited = await _json(await client.patch(url, headers=sec, json={
        "title": "周末助老", "urgency": "urgent", "estimated_hours": "3.5", "lat": 36.2, "lon": 111.6,
        "window_start": "2031-05-01T09:00:00+08:00", "window_end": "2031-05-01T12:00:00+08:00"}), 200)
    assert (edited["title"], edited["urgency"], edited["estimated_hours"], edited["status"]) == (
        "周末助老", "urgent", "3.5", "draft")
    await _json(await client.post(f"{url}/publish", headers=sec), 200)
    edited = await _json(await client.patch(url, headers=sec, json={"description": "每月一次", "priority": 5}), 200)
    assert (edited["description"], edited["priority"], edited["status"]) == ("每月一次", 5, "published")

    before = await snapshot(db)
    body = await _json(await client.patch(url, headers=sec, json={"title": "又改", "urgency": "normal"}), 409)
    assert body["error"]["code"] == "project_locked" and body["error"]["details"]["fields"] == ["urgency"]
    assert "紧急程度" in body["error"]["message"]
    assert await snapshot(db) == before

    history = await _json(await client.get(f"{API}/history/project/{built.id}", headers=sec), 200)
    notes = [h["note"] for h in history if h["reason_code"] == "edited"]
    assert len(notes) == 2 and "紧急程度 一般→紧急" in notes[0] and "项目内容" in notes[1]


async def test_only_the_secretary_of_the_community_may_edit(client, cast, db):
    built = await make_project(db, cast.world, PS.PUBLISHED)
    url = f"{API}/projects/{built.id}"
    before = await snapshot(db)
    for role, status in (("sec_b", 404), ("grid_a", 403), ("street", 403), ("alliance", 403), ("unit_x", 403),
                         ("batch", 403)):
        r = await client.patch(url, headers=cast.headers[role], json={"title": "别人改的"})
        assert r.status == status, (role, await r.text())
    assert (await client.patch(url, json={"title": "没登录"})).status == 401
    assert await snapshot(db) == before


async def test_bad_edits_are_422_and_change_nothing(client, cast, db):
    built = await make_project(db, cast.world, PS.DRAFT)
    url = f"{API}/projects/{built.id}"
    sec = cast.headers["sec_a"]
    before = await snapshot(db)
    for body in ({"title": ""}, {"title": None}, {"priority": 9}, {"status": "published"},
                 {"need_ids": [1]}, {"community_code": cast.b}, {"window_start": "2031-05-01T09:00:00"},
                 {"estimated_hours": "0"}, {"lat": 36.2}, {"category_code": "public.nothing"}):
        r = await client.patch(url, headers=sec, json=body)
        assert r.status == 422, (body, await r.text())
        assert set(await r.json()) == {"error"}
    r = await client.patch(url, headers=sec, data=b"{not json", )
    assert r.status == 400
    assert await snapshot(db) == before


async def test_a_project_with_a_unit_on_it_cannot_be_edited(client, cast, db):
    built = await make_project(db, cast.world, PS.CLAIMING, unit=cast.unit_x)
    body = await _json(await client.patch(f"{API}/projects/{built.id}", headers=cast.headers["sec_a"],
                                          json={"title": "改名"}), 409)
    assert body["error"]["code"] == "project_locked" and "认领中" in body["error"]["message"]


async def _proposal(client, cast, db) -> tuple[int, int]:
    built = await make_project(db, cast.world, PS.PUBLISHED, via=DispatchMode.OPTIMISE)
    offer = await _json(await client.post(f"{API}/projects/{built.id}/direct", headers=cast.headers["batch"],
                                          json={"unit_id": cast.unit_x.id}), 201)
    return built.id, offer["id"]


async def test_the_secretary_confirms_a_proposal_and_the_unit_still_accepts(client, cast, db):
    pid, aid = await _proposal(client, cast, db)
    url = f"{API}/assignments/{aid}/confirm"
    before = await snapshot(db)
    for role, status in (("sec_b", 404), ("unit_x", 403), ("unit_y", 403), ("batch", 404), ("alliance", 403)):
        r = await client.post(url, headers=cast.headers[role], json={})
        assert r.status == status, (role, await r.text())
    assert await snapshot(db) == before

    a = await _json(await client.post(url, headers=cast.headers["sec_a"], json={"note": "社区同意"}), 200)
    assert a["status"] == "pending" and a["confirmed_by"] == "secretary:sec-a" and a["confirmed_at"]
    again = await _json(await client.post(url, headers=cast.headers["sec_a"]), 409)
    assert again["error"]["code"] == "already_confirmed"
    # the unit sees the confirmation in its inbox and still has to accept
    page = await _json(await client.get(f"{API}/units/{cast.unit_x.id}/assignments?status=pending",
                                        headers=cast.headers["unit_x"]), 200)
    assert page["items"][0]["confirmed_at"] == a["confirmed_at"]
    project = await _json(await client.get(f"{API}/projects/{pid}", headers=cast.headers["sec_a"]), 200)
    assert project["project"]["status"] == "dispatched"
    await _json(await client.post(f"{API}/projects/{pid}/accept", headers=cast.headers["unit_x"]), 200)
    done = await _json(await client.post(url, headers=cast.headers["sec_a"]), 409)
    assert done["error"]["code"] == "illegal_transition"


async def test_only_proposals_are_confirmed(client, cast, db):
    built = await make_project(db, cast.world, PS.DISPATCHED, unit=cast.unit_x)
    [offer] = (await _json(await client.get(f"{API}/projects/{built.id}", headers=cast.headers["sec_a"]),
                           200))["assignments"]
    body = await _json(await client.post(f"{API}/assignments/{offer['id']}/confirm", headers=cast.headers["sec_a"]),
                       409)
    assert body["error"]["code"] == "not_a_proposal"
    assert (await client.post(f"{API}/assignments/999999/confirm", headers=cast.headers["sec_a"])).status == 404
    assert (await client.post(f"{API}/assignments/abc/confirm", headers=cast.headers["sec_a"])).status == 404


async def test_cancel_takes_a_reason_from_the_list(client, cast, db):
    built = await make_project(db, cast.world, PS.PUBLISHED)
    url = f"{API}/projects/{built.id}/cancel"
    sec = cast.headers["sec_a"]
    before = await snapshot(db)
    for body in ({"reason": "whatever"}, {"reason": "other"}, {}, {"reason": "no_unit", "extra": 1}):
        r = await client.post(url, headers=sec, json=body)
        assert r.status == 422, (body, await r.text())
    assert await snapshot(db) == before
    p = await _json(await client.post(url, headers=sec, json={"reason": "other", "note": "居民要求暂缓"}), 200)
    assert (p["status"], p["status_reason"]) == ("cancelled", "other")
