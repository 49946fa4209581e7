"""督办 over HTTP: who sees which overdue items, administrators' notes, and the time limits per category."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.enums import ProjectStatus
from catalog.lists import needs
from catalog.oversight.sweep import mark_time_limits
from tests.factories import SECRETARY, make_need, make_project, make_unit, make_world

API = "/api/v1"
LATER = dt.timedelta(days=30)


@pytest.fixture
async def overdue(cast, db):
    """Red items in A (an offer to unit X, a pending need), in B (unit Y's work) and in another street."""
    w, b = cast.world, cast.b
    offered = await make_project(db, w, ProjectStatus.DISPATCHED, unit=cast.unit_x)
    working = await make_project(db, w, ProjectStatus.IN_PROGRESS, unit=cast.unit_y, community=b)
    need = await make_need(db, w, accept=False, title="张建国家水管漏水", requester_name="张建国",
                           requester_phone="13912340001")
    other = await make_world(db, communities=1, grids=1)
    elsewhere = await make_project(db, other, ProjectStatus.IN_PROGRESS, unit=await make_unit(db, other))
    result = await mark_time_limits(db, now=dt.datetime.now(dt.UTC) + LATER)
    assert result.raised == 4
    return {"offered": offered.id, "working": working.id, "need": need.id, "elsewhere": elsewhere.id}


async def listed(client, headers, query: str = "") -> tuple[int, dict]:
    r = await client.get(f"{API}/supervision{query}", headers=headers)
    return r.status, await r.json()


def subjects(page: dict) -> set[tuple[str, int]]:
    return {(i["subject"], i["subject_id"]) for i in page["items"]}


async def test_each_role_sees_the_items_of_its_own_scope(client, cast, overdue):
    a_items = {("project", overdue["offered"]), ("need", overdue["need"])}
    b_items = {("project", overdue["working"])}
    status, street = await listed(client, cast.headers["street"])
    assert status == 200 and subjects(street) == a_items | b_items
    _, alliance = await listed(client, cast.headers["alliance"])
    assert subjects(alliance) == a_items | b_items | {("project", overdue["elsewhere"])}
    _, sec_a = await listed(client, cast.headers["sec_a"])
    assert subjects(sec_a) == a_items
    _, unit_x = await listed(client, cast.headers["unit_x"])
    assert subjects(unit_x) == {("project", overdue["offered"])}
    # asking for another scope gives nothing rather than someone else's items
    _, other = await listed(client, cast.headers["sec_a"], f"?community={cast.b}")
    assert other["items"] == []
    for who in ("grid_a", "batch"):
        status, body = await listed(client, cast.headers[who])
        assert status == 403 and body["error"]["code"] == "forbidden"


async def test_items_speak_chinese_and_hide_the_residents(client, cast, overdue):
    r = await client.get(f"{API}/supervision", headers=cast.headers["street"])
    text, page = await r.text(), await r.json()
    assert "13912340001" not in text and "张建国" not in text
    by_subject = {(i["subject"], i["subject_id"]): i for i in page["items"]}
    need_item = by_subject[("need", overdue["need"])]
    assert need_item["title"] == "张**家水管漏水" and need_item["step_label"] == "需求审核"
    assert need_item["unit_id"] is None and need_item["level_label"] == "红色督办"
    offer = by_subject[("project", overdue["offered"])]
    assert offer["step_label"] == "签收" and offer["unit_name"] == "绿叶志愿服务队" and offer["credited"] is True
    assert offer["subject_status_label"] == "已派单" and offer["resolution"] is None


async def test_resolved_items_paging_and_filters(client, cast, db, overdue):
    await needs.accept_need(db, overdue["need"], SECRETARY)
    await mark_time_limits(db, now=dt.datetime.now(dt.UTC) + LATER)
    h = cast.headers["street"]
    _, resolved = await listed(client, h, "?state=resolved")
    assert [(i["subject_id"], i["resolution_label"]) for i in resolved["items"]] == [(overdue["need"], "环节已完成")]
    _, first = await listed(client, h, "?limit=1")
    _, second = await listed(client, h, f"?limit=1&cursor={first['next_cursor']}")
    assert subjects(first) | subjects(second) == {("project", overdue["offered"]), ("project", overdue["working"])}
    _, done = await listed(client, h, "?step=done")
    assert subjects(done) == {("project", overdue["working"])}
    status, body = await listed(client, h, "?state=closed")
    assert status == 422 and body["error"]["code"] == "invalid_input"


async def test_warnings_list_by_colour(client, cast, overdue):
    r = await client.get(f"{API}/supervision/alerts?level=red", headers=cast.headers["sec_a"])
    page = await r.json()
    assert r.status == 200
    assert {(i["subject"], i["subject_id"], i["level_label"]) for i in page["items"]} == {
        ("project", overdue["offered"], "红色督办"), ("need", overdue["need"], "红色督办")}
    r = await client.get(f"{API}/supervision/alerts?level=blue", headers=cast.headers["sec_a"])
    assert (await r.json())["items"] == []
    r = await client.get(f"{API}/supervision/alerts?level=purple", headers=cast.headers["sec_a"])
    assert r.status == 422


async def test_a_project_shows_its_alert(client, cast, overdue):
    r = await client.get(f"{API}/projects/{overdue['offered']}", headers=cast.headers["sec_a"])
    project = (await r.json())["project"]
    assert (project["alert_level"], project["alert_label"], project["alert_step"]) == ("red", "红色督办", "ack")


async def item_of(client, cast, subject_id: int) -> int:
    _, page = await listed(client, cast.headers["alliance"])
    return next(i["id"] for i in page["items"] if i["subject_id"] == subject_id)


async def test_the_street_admin_writes_a_note_and_closes_the_item(client, cast, overdue):
    item = await item_of(client, cast, overdue["working"])
    url = f"{API}/supervision/{item}/notes"
    r = await client.post(url, headers=cast.headers["street"], json={"note": "请本周内办结"})
    assert r.status == 201 and (await r.json())["resolved_at"] is None
    r = await client.post(url, headers=cast.headers["street"], json={"note": "已协调延期", "resolve": True})
    body = await r.json()
    assert r.status == 201 and body["resolution"] == "admin" and body["resolution_label"] == "管理员已办结督办"
    assert [n["body"] for n in body["notes"]] == ["请本周内办结", "已协调延期"]
    again = await client.post(url, headers=cast.headers["alliance"], json={"note": "再次办结", "resolve": True})
    assert again.status == 409 and (await again.json())["error"]["code"] == "already_resolved"
    history = await (await client.get(f"{API}/history/project/{overdue['working']}",
                                      headers=cast.headers["sec_b"])).json()
    assert [h["note"] for h in history if h["reason_code"] == "supervision_resolved"] == ["督办意见：已协调延期"]


async def test_only_admins_in_scope_write_notes(client, cast, overdue):
    item = await item_of(client, cast, overdue["offered"])
    url = f"{API}/supervision/{item}/notes"
    for who, status in (("sec_a", 403), ("unit_x", 403), ("unit_y", 404), ("sec_b", 404), ("grid_a", 404)):
        r = await client.post(url, headers=cast.headers[who], json={"note": "催办"})
        assert r.status == status, (who, r.status)
    elsewhere = await item_of(client, cast, overdue["elsewhere"])
    r = await client.post(f"{API}/supervision/{elsewhere}/notes", headers=cast.headers["street"], json={"note": "催办"})
    assert r.status == 404
    r = await client.post(url, headers=cast.headers["street"], json={"note": "  "})
    assert r.status == 422


# --- time limits -------------------------------------------------------------------------------


async def test_everyone_reads_limits_and_the_alliance_admin_sets_them(client, cast):
    r = await client.get(f"{API}/categories/public.repair/time-limits", headers=cast.headers["unit_x"])
    view = await r.json()
    assert r.status == 200 and len(view["limits"]) == 12
    ack_urgent = next(t for t in view["limits"] if (t["step"], t["urgency"]) == ("ack", "urgent"))
    assert (ack_urgent["hours"], ack_urgent["source_label"], ack_urgent["step_label"]) == (2, "系统默认", "签收")

    body = {"limits": [{"step": "ack", "urgency": "urgent", "hours": 1}, {"step": "done", "urgency": "normal",
                                                                          "hours": "72"}]}
    r = await client.put(f"{API}/categories/public/time-limits", headers=cast.headers["alliance"], json=body)
    assert r.status == 200
    r = await client.get(f"{API}/categories/public.repair/time-limits", headers=cast.headers["sec_a"])
    shown = {(t["step"], t["urgency"]): (t["hours"], t["source"]) for t in (await r.json())["limits"]}
    assert shown[("ack", "urgent")] == (1, "parent") and shown[("done", "normal")] == (72, "parent")
    assert shown[("ack", "normal")] == (24, "default")


@pytest.mark.parametrize("who", ["street", "sec_a", "unit_x", "batch", "grid_a"])
async def test_nobody_else_sets_limits(client, cast, who):
    body = {"limits": [{"step": "ack", "urgency": "urgent", "hours": 1}]}
    r = await client.put(f"{API}/categories/public/time-limits", headers=cast.headers[who], json=body)
    assert r.status == 403
    r = await client.get(f"{API}/categories/public/time-limits", headers=cast.headers[who])
    assert next(t for t in (await r.json())["limits"] if t["step"] == "ack" and t["urgency"] == "urgent")["hours"] == 2


@pytest.mark.parametrize(("body", "kind"), [
    ({"limits": [{"step": "ack", "urgency": "urgent", "hours": 0}]}, "limit_not_positive"),
    ({"limits": [{"step": "ack", "urgency": "urgent", "hours": 500}]}, "limit_too_long"),
    ({"limits": [{"step": "close", "urgency": "urgent", "hours": "0.2"}]}, "limit_too_short"),
    ({"limits": [{"step": "ack", "urgency": "urgent", "hours": 1}, {"step": "ack", "urgency": "urgent", "hours": 2}]},
     "duplicate_limit"),
    ({"limits": [{"step": "ack", "urgency": "urgent", "hours": 1, "extra": 1}]}, "extra_forbidden"),
    ({"limits": "all"}, "list_type"),
])
async def test_bad_limits_are_refused_with_a_reason_and_change_nothing(client, cast, body, kind):
    h = cast.headers["alliance"]
    r = await client.put(f"{API}/categories/public/time-limits", headers=h, json=body)
    err = (await r.json())["error"]
    assert r.status == 422 and err["code"] == "invalid_input"
    assert kind in {e["type"] for e in err["details"]["errors"]}
    if kind.startswith(("limit_", "duplicate")):
        assert any("时限" in e["msg"] for e in err["details"]["errors"])
    view = await (await client.get(f"{API}/categories/public/time-limits", headers=h)).json()
    assert {t["source"] for t in view["limits"]} == {"default"}


async def test_malformed_or_unknown_targets(client, cast):
    h = dict(cast.headers["alliance"], **{"Content-Type": "application/json"})
    r = await client.put(f"{API}/categories/public/time-limits", headers=h, data="{not json")
    assert r.status == 400 and (await r.json())["error"]["code"] == "bad_request"
    r = await client.put(f"{API}/categories/public.nothing/time-limits", headers=h, json={"limits": []})
    assert r.status == 404 and (await r.json())["error"]["code"] == "category_not_found"
    r = await client.get(f"{API}/categories/public.nothing/time-limits", headers=h)
    assert r.status == 404
