"""协办 on the pages: the secretary's team list and invitation form, the unit's offers and project page."""

from __future__ import annotations

import re
from decimal import Decimal

from catalog.enums import DispatchMode
from catalog.lists import projects, team, work
from catalog.models import ProjectIn
from tests.factories import CATEGORY, SECRETARY, make_need, make_unit, snapshot, unit_actor

from .conftest import csrf_of, sign_in
from .test_unit_pages import text_of


async def _post(client, page: str, action: str, data: dict):
    r = await client.get(page)
    assert r.status == 200, await r.text()
    return await client.post(action, data={"_csrf": csrf_of(await r.text()), **data}, allow_redirects=False)


async def team_project(db, cast, *, units_required: int = 3) -> int:
    """A project of community A that needs several units, offered to unit_x (绿叶志愿服务队) as its lead."""
    need = await make_need(db, cast.world, requester_name="王秀英", requester_phone="13712345678")
    p = await projects.create_project(db, ProjectIn(
        need_ids=[need.id], title="老旧小区义诊", category_code=CATEGORY, community_code=cast.a,
        estimated_hours=Decimal("6.0"), dispatch_mode=DispatchMode.DIRECTED, units_required=units_required),
        SECRETARY)
    await projects.publish_project(db, p.id, SECRETARY)
    await work.direct_project(db, p.id, cast.unit_x.id, SECRETARY)
    return p.id


async def test_the_secretary_sees_the_team_invites_a_helper_and_withdraws_the_invitation(client, cast, db):
    pid = await team_project(db, cast)
    await sign_in(client, "sec-a")
    here = f"/secretary/projects/{pid}"
    page = text_of(await (await client.get(here)).text())
    assert "承办团队" in page and "需要 3 个单位：主办 1 个，协办最多 2 个（已有 0 个）" in page
    assert "绿叶志愿服务队 主办 定向派单 待单位答复" in page
    assert "邀请协办单位" in page

    # nothing chosen: said at the field, in Chinese, nothing written
    before = await snapshot(db)
    r = await _post(client, here, f"{here}/helpers", {"unit_id": "", "resource_id": ""})
    assert r.status == 200
    html = await r.text()
    assert re.search(r'id="e-unit_id">请选择协办单位<', html)
    # the lead cannot also help: the reason is on the form
    r = await _post(client, here, f"{here}/helpers", {"unit_id": str(cast.unit_x.id)})
    assert r.status == 200 and "该单位是本项目的主办单位，不能再作协办" in await r.text()
    assert await snapshot(db) == before

    r = await _post(client, here, f"{here}/helpers", {"unit_id": str(cast.unit_y.id)})
    assert r.status == 303 and r.headers["Location"] == f"{here}#team"
    page = text_of(await (await client.get(here)).text())
    assert "已邀请 红星家电维修协会 协办，等待该单位答复" in page
    assert "红星家电维修协会 协办 定向派单 待单位答复" in page and "（已有 1 个）" in page
    html = await (await client.get(here)).text()
    assert f'action="{here}/helpers/{cast.unit_y.id}/withdraw"' in html
    # the lead is never offered as a helper in the form, nor is the unit already asked
    options = re.search(r'<select id="f-unit_id".*?</select>', html, re.DOTALL).group(0)
    assert f'value="{cast.unit_x.id}"' not in options and f'value="{cast.unit_y.id}"' not in options

    r = await _post(client, here, f"{here}/helpers/{cast.unit_y.id}/withdraw", {})
    assert r.status == 303
    page = text_of(await (await client.get(here)).text())
    assert "已撤回对 红星家电维修协会 的协办邀请" in page
    row = await db.fetchrow("SELECT status, reason_code FROM assignments WHERE project_id = $1 AND unit_id = $2",
                            pid, cast.unit_y.id)
    assert tuple(row) == ("withdrawn", "helper_withdrawn")
    # withdrawing again says why not, on the page
    r = await _post(client, here, f"{here}/helpers/{cast.unit_y.id}/withdraw", {})
    assert r.status == 303
    assert "当前状态为“已撤回”" in text_of(await (await client.get(here)).text())


async def test_the_form_is_gone_when_the_helper_slots_are_full(client, cast, db):
    pid = await team_project(db, cast, units_required=2)
    await team.add_helper(db, pid, cast.unit_y.id, SECRETARY)
    await sign_in(client, "sec-a")
    page = text_of(await (await client.get(f"/secretary/projects/{pid}")).text())
    assert "协办名额已满" in page and "邀请协办" not in page


async def test_a_single_unit_project_shows_no_team_section(client, cast, db):
    pid = await team_project(db, cast, units_required=1)
    await sign_in(client, "sec-a")
    page = text_of(await (await client.get(f"/secretary/projects/{pid}")).text())
    assert "承办团队" not in page and "绿叶志愿服务队" in page


async def test_a_unit_sees_a_helper_offer_marked_and_accepts_it(client, cast, db):
    pid = await team_project(db, cast)
    await team.add_helper(db, pid, cast.unit_y.id, SECRETARY)
    await sign_in(client, "unit-y")
    html = await (await client.get("/unit/offers")).text()
    card = re.search(rf'<section class="card offer helper" id="offer-{pid}">.*?</section>', html, re.DOTALL).group(0)
    text = text_of(card)
    assert "老旧小区义诊 协办 定向派单" in text and "主办单位 绿叶志愿服务队" in text and "需要单位 3 个" in text
    assert f'action="/unit/offers/{pid}/helper/accept"' in card
    assert f'action="/unit/offers/{pid}/helper/decline"' in card and "拒绝协办" in card
    # before accepting, the residents stay masked on the project page
    page = text_of(await (await client.get(f"/unit/projects/{pid}")).text())
    assert "13712345678" not in page and "答复协办邀请" in page

    r = await _post(client, "/unit/offers", f"/unit/offers/{pid}/helper/accept", {})
    assert r.status == 303 and r.headers["Location"] == f"/unit/projects/{pid}"
    page = text_of(await (await client.get(r.headers["Location"])).text())
    assert "已作为协办单位参与：老旧小区义诊" in page
    assert ("承办单位" in page and "绿叶志愿服务队 主办 待单位答复" in page
            and "红星家电维修协会（本单位） 协办 承接中" in page)
    assert "13712345678" in page and "退出协办" in page
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", pid) == "dispatched"
    work = text_of(await (await client.get("/unit/work")).text())
    assert "老旧小区义诊 定向派单 协办 承接中 已派单" in work


async def test_a_unit_declines_a_helper_offer_with_a_reason_said_in_chinese(client, cast, db):
    pid = await team_project(db, cast)
    await team.add_helper(db, pid, cast.unit_y.id, SECRETARY)
    await sign_in(client, "unit-y")
    before = await snapshot(db)
    r = await _post(client, "/unit/offers", f"/unit/offers/{pid}/helper/decline", {"reason": "", "note": ""})
    assert r.status == 200 and "请选择拒绝理由" in await r.text()
    r = await _post(client, "/unit/offers", f"/unit/offers/{pid}/helper/decline", {"reason": "other", "note": ""})
    html = await r.text()
    assert re.search(rf'id="note-{pid}".*?</textarea>\s*<small class="error">选择“其他原因”时须说明理由',
                     html, re.DOTALL)
    assert await snapshot(db) == before
    r = await _post(client, "/unit/offers", f"/unit/offers/{pid}/helper/decline",
                    {"reason": "skill_mismatch", "note": "没有医护人员"})
    assert r.status == 303
    page = text_of(await (await client.get("/unit/offers")).text())
    assert "已拒绝协办邀请" in page and "目前没有待答复的派单" in page
    row = await db.fetchrow("SELECT status, reason_code, note FROM assignments WHERE project_id = $1 AND unit_id = $2",
                            pid, cast.unit_y.id)
    assert tuple(row) == ("declined", "skill_mismatch", "没有医护人员")


async def test_a_helper_leaves_the_project_from_its_page(client, cast, db):
    pid = await team_project(db, cast)
    await team.add_helper(db, pid, cast.unit_y.id, SECRETARY)
    await team.accept_helper(db, pid, cast.unit_y.id, unit_actor(cast.unit_y.id))
    await sign_in(client, "unit-y")
    here = f"/unit/projects/{pid}"
    r = await _post(client, here, f"{here}/helper/give-back", {"reason": "", "note": ""})
    assert r.status == 200 and "请选择退出理由" in await r.text()
    r = await _post(client, here, f"{here}/helper/give-back", {"reason": "capacity_full", "note": ""})
    assert r.status == 303 and r.headers["Location"] == "/unit/work"
    assert "已退出协办" in text_of(await (await client.get("/unit/work")).text())
    assert await db.fetchval("SELECT status FROM assignments WHERE project_id = $1 AND unit_id = $2",
                             pid, cast.unit_y.id) == "returned"
    # the lead's offer stands
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", pid) == "dispatched"


async def test_another_unit_cannot_answer_a_helper_offer_it_did_not_get(client, cast, db):
    pid = await team_project(db, cast)
    other = await make_unit(db, cast.world)
    await team.add_helper(db, pid, other.id, SECRETARY)
    await sign_in(client, "unit-y")
    before = await snapshot(db)
    r = await _post(client, "/unit/offers", f"/unit/offers/{pid}/helper/accept", {})
    assert r.status == 403 and "本单位不是该项目的协办单位" in await r.text()
    assert await snapshot(db) == before
