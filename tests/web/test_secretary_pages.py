"""The community secretary's pages: needs inbox, merging into a project, 撤单, 派单 and 改派,
the board with its time-limit colours, the closing and follow-up list, and the figures.

Each page answers a secretary of its community, refuses a unit (403) and shows another
community's secretary nothing of it (404 or absent); each form changes the database as the
secretary meant, or nothing at all with Chinese messages and the typed values kept.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

from catalog.batch import job as batch
from catalog.enums import AssignmentKind, DispatchMode, Outcome, ProjectStatus, ServiceMode, Urgency
from catalog.lists import closing, projects, resources, work
from catalog.models import ClosingIn, ProjectIn, ProjectPatchIn, ResourceIn
from catalog.oversight.sweep import mark_time_limits
from tests.factories import ADMIN, SECRETARY, make_need, make_project, snapshot, unit_actor

from .conftest import csrf_of, post_form, sign_in

PS = ProjectStatus


async def _text(client, path: str, status: int = 200) -> str:
    r = await client.get(path)
    text = await r.text()
    assert r.status == status, text[:2000]
    return text


async def _post(client, page: str, action: str | None = None, **fields):
    """Like ``post_form``, and a list value is sent as a field repeated (ticked checkboxes)."""
    r = await client.get(page)
    assert r.status == 200, await r.text()
    data = [("_csrf", csrf_of(await r.text()))]
    for name, value in fields.items():
        data.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    r = await client.post(action or page, data=data, allow_redirects=False)
    return r, await r.text()


# --- who may open what -----------------------------------------------------------------------


async def test_every_secretary_page_serves_its_community_and_refuses_the_others(client, cast, db):
    pending = await make_need(db, cast.world, accept=False, title="楼道灯坏了")
    accepted = await make_need(db, cast.world, title="帮老人理发")
    live = await make_project(db, cast.world, PS.CLAIMING, unit=cast.unit_x)
    pid = live.id
    own_pages = [f"/secretary/needs/{pending.id}", f"/secretary/new-project?need_ids={accepted.id}",
                 f"/secretary/projects/{pid}/cancel", f"/secretary/projects/{pid}/direct"]
    lists = ["/secretary/needs", "/secretary/board", "/secretary/closing", "/secretary/figures"]

    await sign_in(client, "sec-a")
    inbox = await _text(client, "/secretary/needs")
    assert pending.number in inbox and "张三" in inbox and "13912345678" in inbox  # the secretary calls back
    assert accepted.number not in inbox  # the inbox opens on 待审核
    assert live.project.number in await _text(client, "/secretary/board")
    for path in own_pages + lists:
        await _text(client, path)

    await sign_in(client, "sec-b")
    for path in own_pages:
        r = await client.get(path)
        assert r.status == 404, path
    for path in lists:
        text = await _text(client, path)
        assert pending.number not in text and live.project.number not in text and "13912345678" not in text

    await sign_in(client, "unit-x")
    for path in own_pages + lists:
        r = await client.get(path)
        assert r.status == 403, path
        assert "无权访问" in await r.text()
    r = await post_form(client, "/account", f"/secretary/needs/{pending.id}/accept")
    assert r.status == 403
    assert await db.fetchval("SELECT status FROM needs WHERE id = $1", pending.id) == "pending"


async def test_another_communitys_secretary_cannot_act_on_a_need_or_a_project(client, cast, db):
    need = await make_need(db, cast.world, accept=False)
    built = await make_project(db, cast.world, PS.PUBLISHED)
    await sign_in(client, "sec-b")
    before = await snapshot(db)
    r = await post_form(client, "/secretary/needs", f"/secretary/needs/{need.id}/accept")
    assert r.status == 404
    r = await post_form(client, "/secretary/needs", f"/secretary/projects/{built.id}/cancel", reason="no_unit")
    assert r.status == 404
    r = await post_form(client, "/secretary/needs", f"/secretary/projects/{built.id}/direct",
                        unit_id=str(cast.unit_x.id))
    assert r.status == 404
    assert await snapshot(db) == before


# --- 需求审核 ----------------------------------------------------------------------------------


async def test_the_inbox_filters_by_status_and_pages(client, cast, db):
    for i in range(3):
        await make_need(db, cast.world, accept=False, title=f"待审核需求{i}")
    urgent = await make_need(db, cast.world, accept=False, title="紧急需求", urgency=Urgency.URGENT)
    done = await make_need(db, cast.world, title="已入库需求")
    await sign_in(client, "sec-a")
    first = await _text(client, "/secretary/needs?limit=2")
    assert first.count("/accept\"") == 2 and "下一页" in first
    assert done.number not in first
    only_urgent = await _text(client, "/secretary/needs?urgency=urgent")
    assert urgent.number in only_urgent and "待审核需求0" not in only_urgent
    everything = await _text(client, "/secretary/needs?status=")
    assert done.number in everything and urgent.number in everything
    accepted = await _text(client, "/secretary/needs?status=accepted")
    assert done.number in accepted and urgent.number not in accepted
    assert 'form="merge" name="need_ids"' in accepted and "合并立项" in accepted


async def test_accepting_a_need_puts_it_into_the_list(client, cast, db):
    need = await make_need(db, cast.world, accept=False)
    await sign_in(client, "sec-a")
    r = await post_form(client, "/secretary/needs", f"/secretary/needs/{need.id}/accept")
    assert r.status == 303
    assert await db.fetchval("SELECT status FROM needs WHERE id = $1", need.id) == "accepted"
    page = await _text(client, r.headers["Location"])
    assert f"需求 {need.number} 已入库" in page
    detail = await _text(client, f"/secretary/needs/{need.id}")
    assert "已入库" in detail and "以此需求立项" in detail and "13912345678" in detail


async def test_rejecting_a_need_keeps_the_reason_code_and_note(client, cast, db):
    need = await make_need(db, cast.world, accept=False)
    await sign_in(client, "sec-a")
    page = f"/secretary/needs/{need.id}"
    r, _ = await _post(client, page, page + "/reject", reason="handled_elsewhere", note="已由物业处理")
    assert r.status == 303
    row = await db.fetchrow("SELECT status, status_reason FROM needs WHERE id = $1", need.id)
    assert tuple(row) == ("rejected", "handled_elsewhere")
    note = await db.fetchval("SELECT note FROM history WHERE entity = 'need' AND entity_id = $1 "
                             "AND to_status = 'rejected'", str(need.id))
    assert note == "已由物业处理"
    assert "已由其他渠道办理" in await _text(client, page)


async def test_a_rejection_without_what_it_needs_says_so_and_changes_nothing(client, cast, db):
    need = await make_need(db, cast.world, accept=False)
    await sign_in(client, "sec-a")
    page = f"/secretary/needs/{need.id}"
    before = await snapshot(db)
    r, text = await _post(client, page, page + "/reject", reason="other", note="")
    assert r.status == 200 and "选择“其他原因”时须说明理由" in text
    assert '<option value="other" selected>' in text  # what was chosen stays chosen
    r, text = await _post(client, page, page + "/reject", note="说明写了但没选理由")
    assert r.status == 200 and "请选择驳回理由" in text and "说明写了但没选理由" in text
    assert await snapshot(db) == before


# --- 合并立项 ----------------------------------------------------------------------------------


async def test_merging_needs_prefills_a_project_and_saves_a_draft(client, cast, db):
    a = await make_need(db, cast.world, title="帮老人买菜", urgency=Urgency.NORMAL)
    b = await make_need(db, cast.world, title="陪老人就医", urgency=Urgency.URGENT,
                        requester_name="李四", requester_phone="13700001111")
    await sign_in(client, "sec-a")
    form_page = f"/secretary/new-project?need_ids={a.id}&need_ids={b.id}"
    text = html.unescape(await _text(client, form_page))
    assert "帮老人买菜等2项需求" in text  # the title, suggested
    assert a.number in text and b.number in text and "李四" in text
    assert '<option value="urgent" selected>' in text  # the most urgent of the needs
    r, _ = await _post(client, form_page, "/secretary/new-project", need_ids=[str(a.id), str(b.id)],
                       title="助老服务（买菜、就医）", description="每周两次", category_code="public.elderly",
                       required_skills="陪诊，驾驶 买菜", estimated_hours="6.5", units_required="1",
                       priority="4", urgency="urgent", dispatch_mode="claim",
                       window_start="2030-05-01T09:00", window_end="2030-05-01T17:30", place="幸福小区")
    assert r.status == 303, _
    pid = int(r.headers["Location"].rsplit("/", 1)[1])
    p = await db.fetchrow("SELECT * FROM projects WHERE id = $1", pid)
    assert (p["status"], p["title"], p["community_code"], p["priority"]) == (
        "draft", "助老服务（买菜、就医）", cast.a, 4)
    assert p["required_skills"] == ["陪诊", "驾驶", "买菜"] and str(p["estimated_hours"]) == "6.5"
    assert p["window_start"] == dt.datetime(2030, 5, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 Beijing time
    merged = await db.fetch("SELECT id, status, project_id FROM needs WHERE id = ANY($1) ORDER BY id", [a.id, b.id])
    assert [(r["status"], r["project_id"]) for r in merged] == [("merged", pid), ("merged", pid)]
    page = await _text(client, r.headers["Location"])
    assert "已立项" in page and "发布项目" in page


async def test_a_bad_project_form_says_what_is_wrong_keeps_the_input_and_stores_nothing(client, cast, db):
    need = await make_need(db, cast.world)
    await sign_in(client, "sec-a")
    before = await snapshot(db)
    form_page = f"/secretary/new-project?need_ids={need.id}"
    r, text = await _post(client, form_page, "/secretary/new-project", need_ids=str(need.id), title="",
                          category_code="public.elderly", estimated_hours="两小时", lat="36.1",
                          window_start="2030-05-02T10:00", window_end="2030-05-01T10:00",
                          required_skills="理发 上门", units_required="30")
    assert r.status == 200
    text = html.unescape(text)
    assert "请填写项目名称" in text and "请填写预计工时" in text and "不能大于 20" in text
    assert 'value="两小时"' in text and 'value="36.1"' in text and 'value="理发 上门"' in text
    assert 'value="2030-05-02T10:00"' in text
    # no needs ticked: a message at the needs, and they are still listed to tick again
    r, text = await _post(client, form_page, "/secretary/new-project", listed=str(need.id), title="助老",
                          category_code="public.elderly", estimated_hours="2")
    assert r.status == 200 and "请至少选择一项已入库的需求" in text and need.number in text
    # the times are checked together once each is well formed
    r, text = await _post(client, form_page, "/secretary/new-project", need_ids=str(need.id), title="助老",
                          category_code="public.elderly", estimated_hours="2", lat="36.1", lon="111.5",
                          window_start="2030-05-02T10:00", window_end="2030-05-01T10:00")
    assert r.status == 200 and "项目开始时间须早于结束时间" in text
    assert await snapshot(db) == before


async def test_a_need_already_merged_cannot_be_merged_again(client, cast, db):
    need = await make_need(db, cast.world)
    await sign_in(client, "sec-a")
    fields = dict(need_ids=str(need.id), title="助老", category_code="public.elderly", estimated_hours="2")
    r, _ = await _post(client, f"/secretary/new-project?need_ids={need.id}", "/secretary/new-project", **fields)
    assert r.status == 303
    text = await _text(client, f"/secretary/new-project?need_ids={need.id}")
    assert "不是“已入库”状态" in text
    r, text = await _post(client, "/secretary/needs", "/secretary/new-project", **fields)
    assert r.status == 200 and "部分需求不能合并" in text
    assert await db.fetchval("SELECT count(*) FROM projects") == 1


# --- 撤单, 定向派单, 改派 -------------------------------------------------------------------------


async def test_cancelling_a_project_needs_a_reason_from_the_list(client, cast, db):
    built = await make_project(db, cast.world, PS.PUBLISHED)
    page = f"/secretary/projects/{built.id}/cancel"
    await sign_in(client, "sec-a")
    before = await snapshot(db)
    r, text = await _post(client, page, reason="other", note="")
    assert r.status == 200 and "选择“其他原因”时须说明理由" in text
    r, text = await _post(client, page, reason="made_up", note="随便")
    assert r.status == 200 and "请从列表中选择" in text and "随便" in text
    assert await snapshot(db) == before
    r, _ = await _post(client, page, reason="no_unit", note="周边没有理发志愿者")
    assert r.status == 303
    row = await db.fetchrow("SELECT status, status_reason FROM projects WHERE id = $1", built.id)
    assert tuple(row) == ("cancelled", "no_unit")
    assert "已撤单" in await _text(client, r.headers["Location"])
    assert "撤单理由 <b>无成员单位能够承接</b>" in await _text(client, r.headers["Location"])


async def test_directing_replacing_and_withdrawing_an_offer(client, cast, db):
    built = await make_project(db, cast.world, PS.PUBLISHED, via=DispatchMode.DIRECTED)
    page = f"/secretary/projects/{built.id}/direct"
    await sign_in(client, "sec-a")
    text = await _text(client, page)
    assert cast.unit_x.name in text and cast.unit_y.name in text

    before = await snapshot(db)
    r, text = await _post(client, page, unit_id="")
    assert r.status == 200 and "请选择承接单位" in text
    assert await snapshot(db) == before

    r, _ = await _post(client, page, unit_id=str(cast.unit_x.id))
    assert r.status == 303
    live = await db.fetch("SELECT unit_id, kind, status FROM assignments WHERE project_id = $1", built.id)
    assert [tuple(a) for a in live] == [(cast.unit_x.id, "directed", "pending")]
    project_page = await _text(client, r.headers["Location"])
    assert f"已派单给 {cast.unit_x.name}" in project_page and "改派" in project_page

    # the same unit again is no replacement
    r, text = await _post(client, page, unit_id=str(cast.unit_x.id), note="换一家")
    assert r.status == 200 and "项目已派给该单位" in text and "换一家" in text

    r, _ = await _post(client, page, unit_id=str(cast.unit_y.id), note="原单位人手不足")
    assert r.status == 303
    rows = await db.fetch("SELECT unit_id, status, note FROM assignments WHERE project_id = $1 ORDER BY id", built.id)
    assert [(a["unit_id"], a["status"]) for a in rows] == [(cast.unit_x.id, "withdrawn"), (cast.unit_y.id, "pending")]
    assert rows[0]["note"] == "原单位人手不足"
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", built.id) == "dispatched"

    project = f"/secretary/projects/{built.id}"
    r = await post_form(client, project, project + "/withdraw-offer")
    assert r.status == 303
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", built.id) == "published"
    assert await db.fetchval("SELECT count(*) FROM assignments WHERE project_id = $1 AND status = 'pending'",
                             built.id) == 0


async def test_a_failed_offer_is_explained_and_leaves_the_project_open(client, cast, db):
    built = await make_project(db, cast.world, PS.PUBLISHED)
    await db.execute("UPDATE units SET status = 'suspended' WHERE id = $1", cast.unit_y.id)
    page = f"/secretary/projects/{built.id}/direct"
    await sign_in(client, "sec-a")
    r, text = await _post(client, page, unit_id=str(cast.unit_y.id))
    assert r.status == 200 and "成员单位已暂停" in text
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", built.id) == "published"


# --- 项目看板 ----------------------------------------------------------------------------------


async def test_the_board_groups_by_stage_with_colours_and_owners(client, cast, db):
    draft = await make_project(db, cast.world, PS.DRAFT)
    claimed = await make_project(db, cast.world, PS.CLAIMING, unit=cast.unit_x)
    working = await make_project(db, cast.world, PS.IN_PROGRESS, unit=cast.unit_y)
    late = await make_project(db, cast.world, PS.PUBLISHED)
    # 签收 of an urgent project runs 2 hours: published 3 hours ago it is overdue (red)
    await db.execute("UPDATE projects SET urgency = 'urgent', published_at = now() - interval '3 hours' "
                     "WHERE id = $1", late.id)
    await sign_in(client, "sec-a")
    text = await _text(client, "/secretary/board")
    for b in (draft, claimed, working, late):
        assert b.project.number in text
    cards = {b.id: text.split(f'href="/secretary/projects/{b.id}"')[0].rsplit("<article", 1)[1]
             for b in (claimed, working, late)}
    assert "alert-red" in cards[late.id]
    after = {b.id: text.split(f'href="/secretary/projects/{b.id}"', 1)[1].split("</article>")[0]
             for b in (claimed, working, late)}
    assert cast.unit_x.name in after[claimed.id] and "待社区确认认领" in after[claimed.id]
    assert cast.unit_y.name in after[working.id]
    assert "暂无单位承接" in after[late.id]
    red = await _text(client, "/secretary/board?alert=red")
    assert late.project.number in red and claimed.project.number not in red
    assert "红色督办 <b>1</b>" in red


async def test_the_board_shows_the_colour_the_sweep_stored(client, cast, db):
    built = await make_project(db, cast.world, PS.PUBLISHED)
    await mark_time_limits(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    stored = await db.fetchval("SELECT level FROM time_alerts WHERE subject = 'project' AND subject_id = $1",
                               built.id)
    assert stored == "red"  # worked out now, the project would be 正常: it was published a moment ago
    await sign_in(client, "sec-a")
    text = await _text(client, "/secretary/board?alert=red")
    assert built.project.number in text
    assert built.project.number not in await _text(client, "/secretary/board?alert=none")


# --- 结单与回访 ---------------------------------------------------------------------------------


async def test_the_closing_list_says_who_needs_a_follow_up_visit(client, cast, db):
    fresh = await make_project(db, cast.world, PS.AWAITING_CLOSE)
    old = await make_project(db, cast.world, PS.AWAITING_CLOSE)
    await db.execute("UPDATE projects SET completed_at = now() - interval '4 days' WHERE id = $1", old.id)
    poor = await make_project(db, cast.world, PS.AWAITING_CLOSE)
    await closing.close_by_resident(db, poor.token, ClosingIn(outcome=Outcome.UNSOLVED, score=1))
    await sign_in(client, "sec-a")
    text = await _text(client, "/secretary/closing")
    waiting, unrated, rated = text.split("<h2>")[1:4]
    assert fresh.project.number in waiting and old.project.number in waiting
    assert waiting.index(old.project.number) < waiting.index(fresh.project.number)  # the overdue first
    assert waiting.count("需网格员回访") == 1 and "13912345678" in waiting and "不能再次显示或重发" in waiting
    assert poor.project.number in rated and "1 星" in rated
    assert "暂无" in unrated


# --- 社区数据: the tables (统计表) --------------------------------------------------------------------


async def test_the_figures_count_by_status_and_rate_satisfaction(client, cast, db):
    await make_project(db, cast.world, PS.RATED, score=5)
    await make_project(db, cast.world, PS.RATED, score=2)
    await make_project(db, cast.world, PS.PUBLISHED)
    await make_need(db, cast.world, accept=False)
    await make_project(db, cast.world, PS.RATED, score=5, community=cast.b)
    await sign_in(client, "sec-a")
    text = await _text(client, "/secretary/figures?days=")
    assert "共 3 项" in text  # projects of this community only
    assert "已评价</a></td><td class=\"num\">2</td>" in text
    assert "50%" in text and "3.5 星" in text
    assert 'id="sec-figures-charts"' in text and "data-figures=" in text
    assert "发布→接单" in text
    r = await client.get("/secretary/figures?days=abc")
    assert r.status == 200


async def test_the_tables_sit_below_the_pictures_on_one_page_and_the_old_address_leads_there(client, cast, db):
    await make_project(db, cast.world, PS.RATED, score=4)
    await sign_in(client, "sec-a")
    text = await _text(client, "/secretary/figures")
    nav = text.split('<nav id="nav"')[1].split("</nav>")[0]
    assert nav.count("社区数据") == 1 and "统计表" not in nav and "/secretary/stats" not in nav
    assert text.index('data-picture="map"') < text.index('data-picture="satisfaction"') < text.index('id="tables"')
    assert 'action="/secretary/figures#tables"' in text and 'href="#tables"' in text

    for old, new in [("/secretary/stats", "/secretary/figures#tables"),
                     ("/secretary/stats?days=30", "/secretary/figures?days=30#tables"),
                     ("/secretary/stats?days=", "/secretary/figures?days=#tables")]:
        r = await client.get(old, allow_redirects=False)
        assert (r.status, r.headers["Location"]) == (301, new), old
    r = await client.get("/secretary/stats?days=30")
    assert r.status == 200 and r.url.path == "/secretary/figures" and "近 30 天" in await r.text()
    assert "统计 " in await r.text()  # the period chosen on the old address still holds

    await sign_in(client, "unit-x")
    assert (await client.get("/secretary/stats", allow_redirects=False)).status == 403


async def test_the_project_page_links_the_new_steps(client, cast, db):
    built = await make_project(db, cast.world, PS.PUBLISHED)
    await sign_in(client, "sec-a")
    text = await _text(client, f"/secretary/projects/{built.id}")
    assert f"/secretary/projects/{built.id}/direct" in text and f"/secretary/projects/{built.id}/cancel" in text


# --- 派单建议 ----------------------------------------------------------------------------------


async def _optimised_project(db, world, community, category="public.elderly"):
    need = await make_need(db, world, community_code=community, grid_code=world.grids[community][0],
                           category_code=category)
    p = await projects.create_project(
        db, ProjectIn(need_ids=[need.id], title="优化派单助老", category_code=category, community_code=community,
                      estimated_hours=Decimal("2.0"), dispatch_mode=DispatchMode.OPTIMISE), SECRETARY)
    return await projects.publish_project(db, p.id, SECRETARY)


async def _published_resource(db, unit, communities, title):
    r = await resources.create_resource(db, ResourceIn(
        unit_id=unit.id, title=title, category_code="public.elderly", capacity_projects=3,
        area_communities=communities, mode=ServiceMode.HOME), unit_actor(unit.id))
    return await resources.publish_resource(db, r.id, ADMIN)


async def test_proposals_show_why_and_can_go_to_the_runner_up_or_be_withdrawn(client, cast, db):
    await _published_resource(db, cast.unit_x, [cast.a, cast.b], "上门助老X")
    await _published_resource(db, cast.unit_y, [cast.a], "上门助老Y")
    mine = await _optimised_project(db, cast.world, cast.a)
    lonely = await _optimised_project(db, cast.world, cast.a, category="talent.finance")
    theirs = await _optimised_project(db, cast.world, cast.b)
    summary = await batch.run_batch(db, seed=3)
    proposal = next(p for p in summary.proposed if p.project_id == mine.id)
    proposed, other = ((cast.unit_x, cast.unit_y) if proposal.unit_id == cast.unit_x.id
                       else (cast.unit_y, cast.unit_x))

    await sign_in(client, "sec-a")
    text = html.unescape(await _text(client, "/secretary/proposals"))
    card = text.split(f'href="/secretary/projects/{mine.id}"', 1)[1].split("</section>")[0]
    assert proposed.name in card and "为什么建议这家单位" in card and "距离" in card
    assert other.name in card and "改派给该单位" in card  # the runner-up
    assert theirs.number not in text
    assert lonely.number in text and "无成员单位提供该类别服务" in text  # left unmatched, and why

    await sign_in(client, "sec-b")
    text = await _text(client, "/secretary/proposals")
    assert mine.number not in text and theirs.number in text
    await sign_in(client, "unit-x")
    assert (await client.get("/secretary/proposals")).status == 403

    # 改派 to the runner-up: the proposal is withdrawn, the runner-up gets a 定向派单
    await sign_in(client, "sec-a")
    r, _ = await _post(client, "/secretary/proposals", f"/secretary/projects/{mine.id}/direct",
                       unit_id=str(other.id), note="改派给候选单位")
    assert r.status == 303
    rows = await db.fetch("SELECT unit_id, kind, status FROM assignments WHERE project_id = $1 ORDER BY id", mine.id)
    assert [tuple(a) for a in rows] == [(proposed.id, "proposal", "withdrawn"), (other.id, "directed", "pending")]
    text = await _text(client, "/secretary/proposals")
    assert "已撤回" in text.split("最近一次批量派单")[1]  # the run's proposal, where it stands now

    # another community's proposal cannot be withdrawn from here
    before = await snapshot(db)
    r = await post_form(client, "/secretary/proposals", f"/secretary/projects/{theirs.id}/withdraw-offer")
    assert r.status == 404
    assert await snapshot(db) == before


# --- 编辑项目 and 确认建议 ------------------------------------------------------------------------

_VERSION = re.compile(r'name="updated_at" value="([^"]+)"')


async def _version(client, page: str) -> str:
    m = _VERSION.search(await _text(client, page))
    assert m, "the edit form carries the version it was read at"
    return html.unescape(m.group(1))


async def test_editing_a_draft_then_the_words_of_the_published_project(client, cast, db):
    built = await make_project(db, cast.world, PS.DRAFT)
    page = f"/secretary/projects/{built.id}/edit"
    await sign_in(client, "sec-a")
    assert page in await _text(client, f"/secretary/projects/{built.id}")
    form = await _text(client, page)
    assert "编辑项目" in form and 'value="助老服务"' in form and 'name="category_code"' in form
    assert "张三" in form  # the needs it was made from, shown, not changed here

    before = await snapshot(db)
    r, text = await _post(client, page, title="", place="活动室", updated_at=await _version(client, page))
    assert r.status == 200 and "请填写项目名称" in text and "活动室" in text
    assert await snapshot(db) == before

    seen = await _version(client, page)
    r, _ = await _post(client, page, title="周末助老", urgency="urgent", place="活动室", estimated_hours="3",
                       category_code="public.elderly", lat="", lon="", updated_at=seen)
    assert r.status == 303 and "已保存" in await _text(client, r.headers["Location"])
    row = await db.fetchrow("SELECT title, urgency, place, estimated_hours FROM projects WHERE id = $1", built.id)
    assert tuple(row) == ("周末助老", "urgent", "活动室", Decimal("3.0"))
    note = await db.fetchval("SELECT note FROM history WHERE entity = 'project' AND entity_id = $1"
                             " AND reason_code = 'edited'", str(built.id))
    assert "紧急程度 一般→紧急" in note and "服务地点" in note

    # a second editor who read the form before that edit is told to reload
    before = await snapshot(db)
    r, text = await _post(client, page, title="另一个名称", updated_at=seen)
    assert r.status == 200 and "请刷新后重新编辑" in text
    assert await snapshot(db) == before

    await projects.publish_project(db, built.id, SECRETARY)
    form = await _text(client, page)
    assert "只能修改项目名称、内容和优先级" in form and 'name="category_code"' not in form
    # a field the form no longer shows is not read, even if sent
    r, _ = await _post(client, page, title="周末助老（第二期）", priority="5", urgency="normal",
                       updated_at=await _version(client, page))
    assert r.status == 303
    row = await db.fetchrow("SELECT title, priority, urgency, status FROM projects WHERE id = $1", built.id)
    assert tuple(row) == ("周末助老（第二期）", 5, "urgent", "published")


async def test_a_project_a_unit_has_taken_up_has_no_editor(client, cast, db):
    built = await make_project(db, cast.world, PS.CLAIMING, unit=cast.unit_x)
    page = f"/secretary/projects/{built.id}/edit"
    await sign_in(client, "sec-a")
    assert page not in await _text(client, f"/secretary/projects/{built.id}")
    r = await client.get(page, allow_redirects=False)
    assert r.status == 303
    assert "不能修改" in await _text(client, r.headers["Location"])
    before = await snapshot(db)
    r = await post_form(client, f"/secretary/projects/{built.id}", page, title="改名")
    assert r.status == 303
    assert await snapshot(db) == before


async def test_only_the_communitys_secretary_opens_the_editor(client, cast, db):
    built = await make_project(db, cast.world, PS.DRAFT)
    page = f"/secretary/projects/{built.id}/edit"
    await sign_in(client, "sec-b")
    before = await snapshot(db)
    assert (await client.get(page)).status == 404
    r = await post_form(client, "/secretary/needs", page, title="别人改的")
    assert r.status == 404
    assert await snapshot(db) == before
    await sign_in(client, "unit-x")
    assert (await client.get(page)).status == 403


async def test_the_secretary_confirms_a_proposal_and_the_unit_sees_it(client, cast, db):
    mine = await _optimised_project(db, cast.world, cast.a)
    a = await work.direct_project(db, mine.id, cast.unit_x.id, SECRETARY, kind=AssignmentKind.PROPOSAL)
    theirs = await _optimised_project(db, cast.world, cast.b)
    b = await work.direct_project(db, theirs.id, cast.unit_y.id, SECRETARY, kind=AssignmentKind.PROPOSAL)
    action = f"/secretary/proposals/{a.id}/confirm"
    await sign_in(client, "sec-a")
    text = await _text(client, "/secretary/proposals")
    assert action in text and "确认建议" in text and "待社区确认" in text and "同意建议无需操作" not in text

    r = await post_form(client, "/secretary/proposals", action)
    assert r.status == 303 and "已确认派单建议" in await _text(client, r.headers["Location"])
    row = await db.fetchrow("SELECT status, confirmed_by FROM assignments WHERE id = $1", a.id)
    assert tuple(row) == ("pending", "secretary:sec-a")
    text = await _text(client, "/secretary/proposals")
    assert "社区已确认" in text and action not in text
    assert "社区已确认" in await _text(client, f"/secretary/projects/{mine.id}")
    # confirming again says so, and changes nothing
    before = await snapshot(db)
    r = await post_form(client, "/secretary/proposals", action)
    assert r.status == 303 and "已确认" in await _text(client, r.headers["Location"])
    # another community's proposal cannot be confirmed from here
    r = await post_form(client, "/secretary/proposals", f"/secretary/proposals/{b.id}/confirm")
    assert r.status == 404
    assert await snapshot(db) == before

    await sign_in(client, "unit-x")
    offers = await _text(client, "/unit/offers")
    assert mine.title in offers and "社区已确认" in offers and "接单" in offers


async def test_boxes_sent_back_as_shown_change_nothing(client, cast, db):
    built = await make_project(db, cast.world, PS.DRAFT)
    start = dt.datetime(2031, 5, 1, 1, 0, 30, tzinfo=dt.UTC)  # seconds the minute-wide box cannot show
    await projects.update_project(db, built.id, ProjectPatchIn(window_start=start, lat=36.123456789,
                                                               lon=111.6), SECRETARY)
    page = f"/secretary/projects/{built.id}/edit"
    await sign_in(client, "sec-a")
    form = await _text(client, page)
    assert 'value="2031-05-01T09:00"' in form  # Beijing time
    r, _ = await _post(client, page, title="改个名字", window_start="2031-05-01T09:00", lat="36.123456789",
                       lon="111.6", updated_at=await _version(client, page))
    assert r.status == 303
    row = await db.fetchrow("SELECT title, window_start, lat FROM projects WHERE id = $1", built.id)
    assert tuple(row) == ("改个名字", start, 36.123456789)
    note = await db.fetchval("SELECT note FROM history WHERE entity = 'project' AND entity_id = $1"
                             " AND reason_code = 'edited' ORDER BY id DESC LIMIT 1", str(built.id))
    assert note == "修改项目名称"
