"""The whole story over HTTP: 点单 → 审核 → 合并立项 → 发布 → 抢单 → 进展 → 办结 → 结单评价 → 信用."""

from __future__ import annotations

import asyncio
import re

from tests.factories import CATEGORY

API = "/api/v1"


async def _ok(r, status=200):
    body = await r.json()
    assert r.status == status, body
    return body


async def test_resident_need_to_rated_project_with_credit_and_history(client, cast, db):
    a = cast.a
    grid = cast.world.grids[a][0]
    residents = [("张建国", "13912340001"), ("李秀兰", "13912340002"), ("王志强", "13912340003")]

    # 居民点单: three neighbours use the public form, no account
    numbers = []
    for name, phone in residents:
        r = await client.post(f"{API}/public/needs", json={
            "title": "家中水龙头漏水", "category_code": CATEGORY, "community_code": a, "grid_code": grid,
            "requester_name": name, "requester_phone": phone})
        receipt = await _ok(r, 201)
        assert receipt["status"] == "pending" and receipt["status_label"] == "待审核"
        assert "requester_name" not in receipt
        numbers.append(receipt["number"])

    # 社区审核: the secretary sees them with names and phones in full, and accepts them
    sec = cast.headers["sec_a"]
    page = await _ok(await client.get(f"{API}/needs", params={"status": "pending", "sort": "oldest"}, headers=sec))
    mine = [n for n in page["items"] if n["number"] in numbers]
    assert [n["requester_phone"] for n in mine] == [p for _, p in residents]
    assert all(n["personal_data"] == "full" for n in mine)
    for n in mine:
        accepted = await _ok(await client.post(f"{API}/needs/{n['id']}/accept", headers=sec))
        assert accepted["status"] == "accepted"

    # 合并立项 and 下单
    project = await _ok(await client.post(f"{API}/projects", headers=sec, json={
        "need_ids": [n["id"] for n in mine], "title": "幸福小区水管维修（3户）", "category_code": CATEGORY,
        "community_code": a, "estimated_hours": "6"}), 201)
    pid = project["id"]
    assert project["status"] == "draft"
    assert (await _ok(await client.post(f"{API}/projects/{pid}/publish", headers=sec)))["status"] == "published"

    # 两家单位抢单: exactly one wins, the other is told it lost the race
    x, y = cast.headers["unit_x"], cast.headers["unit_y"]
    rx, ry = await asyncio.gather(client.post(f"{API}/projects/{pid}/claim", headers=x),
                                  client.post(f"{API}/projects/{pid}/claim", headers=y))
    assert sorted([rx.status, ry.status]) == [201, 409]
    winner, loser = (x, y) if rx.status == 201 else (y, x)
    winner_id = cast.unit_x.id if winner is x else cast.unit_y.id
    lost = await (ry if winner is x else rx).json()
    assert lost["error"]["code"] == "already_taken"

    confirmed = await _ok(await client.post(f"{API}/projects/{pid}/confirm", headers=sec))
    assert confirmed["status"] == "accepted"

    # The owner sees the residents' phones to do the work; the other unit sees them masked.
    detail = await _ok(await client.get(f"{API}/projects/{pid}", headers=winner))
    assert detail["owner_unit_id"] == winner_id
    assert sorted(n["requester_phone"] for n in detail["needs"]) == sorted(p for _, p in residents)
    other = await _ok(await client.get(f"{API}/projects/{pid}", headers=loser))
    assert sorted(n["requester_phone"] for n in other["needs"]) == ["139****0001", "139****0002", "139****0003"]
    assert {n["requester_name"] for n in other["needs"]} == {"张**", "李**", "王**"}

    credit_before = await _ok(await client.get(f"{API}/units/{winner_id}/credit", headers=sec))

    # 进展 and 办结
    entry = await _ok(await client.post(f"{API}/projects/{pid}/progress", headers=winner, json={
        "body": "已上门更换三户的水龙头阀芯。", "photo_url": "https://example.org/p/1.jpg"}), 201)
    assert entry["unit_id"] == winner_id
    done = await _ok(await client.post(f"{API}/projects/{pid}/complete", headers=winner, json={
        "note": "三户均已修好", "beneficiaries_served": 3, "hours_spent": "5"}))
    assert done["status"] == "awaiting_close"
    assert "closing_token" not in done  # the unit must not be able to rate itself

    # 结单: the link went to the residents' phones (what the SMS gateway would send)
    messages = await db.fetch("SELECT recipient, body FROM outbox WHERE project_id = $1 ORDER BY recipient", pid)
    assert [m["recipient"] for m in messages] == sorted(p for _, p in residents)
    token = re.search(r"/closing/(\S+)$", messages[0]["body"]).group(1)
    closed = await _ok(await client.post(f"{API}/closing/{token}", json={"outcome": "solved", "score": 5,
                                                                          "comment": "师傅很耐心"}))
    assert closed["status"] == "rated" and closed["status_label"] == "已评价"
    again = await client.post(f"{API}/closing/{token}", json={"outcome": "unsolved", "score": 1})
    assert again.status == 409 and (await again.json())["error"]["code"] == "token_used"

    # 信用: finishing on time and a top rating count for the unit
    credit_after = await _ok(await client.get(f"{API}/units/{winner_id}/credit", headers=sec))
    assert credit_after["events"] > credit_before["events"]
    assert credit_after["satisfaction"] == 1.0 and credit_after["score"] >= credit_before["score"]
    ledger = await _ok(await client.get(f"{API}/units/{winner_id}/credit/ledger", headers=winner))
    assert {"finished", "finished_on_time", "rating"} <= {e["kind"] for e in ledger["items"]}

    # 历史: every step, with who did it
    steps = await _ok(await client.get(f"{API}/history/project/{pid}", headers=sec))
    winner_name = "unit-x" if winner is x else "unit-y"
    assert [(h["to_status"], h["actor"]) for h in steps] == [
        ("draft", "secretary:sec-a"), ("published", "secretary:sec-a"), ("claiming", f"unit:{winner_name}"),
        ("accepted", "secretary:sec-a"), ("in_progress", f"unit:{winner_name}"),
        ("awaiting_close", f"unit:{winner_name}"), ("closed", "resident:link"), ("rated", "resident:link"),
    ]
    need_steps = await _ok(await client.get(f"{API}/history/need/{mine[0]['id']}", headers=sec))
    assert [(h["to_status"], h["actor"]) for h in need_steps] == [
        ("pending", "resident:form"), ("accepted", "secretary:sec-a"), ("merged", "secretary:sec-a")]

    # 公示: the finished project is on the public board with its progress photo, without names
    board = await _ok(await client.get(f"{API}/public/projects/{project['number']}"))
    assert board["status"] == "rated" and board["progress"][0]["photo_url"] == "https://example.org/p/1.jpg"
    assert board["unit_name"] in ("绿叶志愿服务队", "红星家电维修协会")
