"""A member unit's pages: its resources, projects ranked for it, offers, giving back, credit."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

from catalog.batch import job as batch, summary as batch_summary
from catalog.enums import DispatchMode, ProjectStatus, Urgency
from catalog.lists import projects, work
from catalog.models import ProjectIn
from tests.factories import CATEGORY, SECRETARY, make_need, make_project, make_resource, snapshot

from .conftest import csrf_of, sign_in

RESOURCE = dict(title="社区助老服务", content="上门陪护、代买代办", category_code=CATEGORY, skills="陪护，代办",
                target_groups="老年人、残疾人", capacity_projects="3", capacity_hours="", mode="home",
                fee_type="low_cost", fee_amount="15.5", availability="周一 09:00-11:30\n星期三 14:00-17:00",
                valid_from="2026-01-01", valid_to="2026-12-31", centre_lat="", centre_lon="", radius_km="")


def text_of(page: str) -> str:
    """What a person reads: the page without tags, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def _post(client, page: str, action: str, data: dict[str, str] | list[tuple[str, str]]):
    """Post ``data`` (a dict or a list of pairs, for checkboxes) with the CSRF value of ``page``."""
    r = await client.get(page)
    assert r.status == 200, await r.text()
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    return await client.post(action, data=[("_csrf", csrf_of(await r.text())), *pairs], allow_redirects=False)


# --- 资源清单 -----------------------------------------------------------------------------------


async def test_a_unit_publishes_a_resource_with_every_field_and_it_waits_for_review(client, cast, db):
    await sign_in(client, "unit-x")
    form = [*RESOURCE.items(), ("area_communities", cast.a), ("area_communities", cast.b)]
    r = await _post(client, "/unit/resources/new", "/unit/resources/new", form)
    assert r.status == 303, text_of(await r.text())
    row = await db.fetchrow("SELECT * FROM resources WHERE unit_id = $1", cast.unit_x.id)
    assert r.headers["Location"] == f"/unit/resources/{row['id']}"
    assert ((row["title"], row["status"], row["mode"], row["fee_type"])
            == ("社区助老服务", "pending", "home", "low_cost"))
    assert row["fee_amount"] == Decimal("15.50") and row["capacity_projects"] == 3 and row["capacity_hours"] is None
    assert row["skills"] == ["陪护", "代办"] and row["target_groups"] == ["老年人", "残疾人"]
    assert row["area_communities"] == [cast.a, cast.b]
    assert row["availability"] == [{"weekday": 1, "start": "09:00", "end": "11:30"},
                                   {"weekday": 3, "start": "14:00", "end": "17:00"}]
    assert (row["valid_from"], row["valid_to"]) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    page = text_of(await (await client.get(r.headers["Location"])).text())
    assert "已提交，等待联盟审核后发布" in page and "待审核" in page
    listing = text_of(await (await client.get("/unit/resources")).text())
    assert "社区助老服务" in listing and "每月 3 个项目" in listing


async def test_a_bad_resource_form_says_what_is_wrong_in_chinese_keeps_the_input_and_stores_nothing(client, cast, db):
    await sign_in(client, "unit-x")
    before = await snapshot(db)
    bad = {**RESOURCE, "title": "", "capacity_projects": "", "skills": "陪护，代办",
           "availability": "周一 09:00-11:30\n每天上午", "fee_amount": "很便宜"}
    r = await _post(client, "/unit/resources/new", "/unit/resources/new", bad)
    assert r.status == 200
    page = await r.text()
    assert "请填写此项" in page  # the title
    assert "第 2 行应写成“周一 09:00-11:30”" in page
    assert "请填写金额，如 20 或 15.50" in page
    assert 'value="陪护，代办"' in page and "每天上午" in page and 'value="很便宜"' in page
    assert 'value="上门陪护、代买代办"' not in page and "上门陪护、代买代办</textarea>" in page
    # a rule over several fields is shown at the field that fixes it, without its English gloss
    bad = {**RESOURCE, "capacity_projects": "", "capacity_hours": ""}
    r = await _post(client, "/unit/resources/new", "/unit/resources/new", bad)
    page = await r.text()
    assert re.search(r'id="e-capacity_projects">须填写每月可承接项目数或每月服务时长<', page)
    assert "capacity_projects or" not in page
    r = await _post(client, "/unit/resources/new", "/unit/resources/new", {**RESOURCE, "centre_lat": "36.2"})
    page = await r.text()
    assert re.search(r'id="e-radius_km">服务半径须同时填写中心纬度、经度和半径<', page) and 'value="36.2"' in page
    r = await _post(client, "/unit/resources/new", "/unit/resources/new", RESOURCE)
    assert re.search(r'id="e-area_communities"|须填写服务社区或服务半径', await r.text())  # none ticked, no radius
    assert await snapshot(db) == before


async def test_a_unit_edits_takes_down_and_puts_back_up_only_its_own_resource(client, cast, db):
    mine = await make_resource(db, cast.unit_x, cast.world)
    await sign_in(client, "unit-x")
    page = await (await client.get(f"/unit/resources/{mine.id}")).text()
    assert 'value="上门助老"' in page and "已发布" in page
    # take down, put back up
    r = await _post(client, "/unit/resources", f"/unit/resources/{mine.id}/delist", {})
    assert r.status == 303 and await db.fetchval("SELECT status FROM resources WHERE id = $1", mine.id) == "delisted"
    r = await _post(client, "/unit/resources", f"/unit/resources/{mine.id}/relist", {})
    assert r.status == 303 and await db.fetchval("SELECT status FROM resources WHERE id = $1", mine.id) == "published"
    # an edit goes back to review
    form = [*{**RESOURCE, "title": "助老陪护（周末）", "fee_type": "free", "fee_amount": ""}.items(),
            ("area_communities", cast.a)]
    r = await _post(client, f"/unit/resources/{mine.id}", f"/unit/resources/{mine.id}", form)
    assert r.status == 303, text_of(await r.text())
    row = await db.fetchrow("SELECT title, status, fee_type, area_communities FROM resources WHERE id = $1", mine.id)
    assert tuple(row) == ("助老陪护（周末）", "pending", "free", [cast.a])
    assert "待联盟重新审核" in await (await client.get(r.headers["Location"])).text()
    history = await db.fetch("SELECT from_status, to_status FROM history WHERE entity = 'resource' AND entity_id = $1"
                             " ORDER BY id", str(mine.id))
    assert [tuple(h) for h in history][-3:] == [("published", "delisted"), ("delisted", "published"),
                                                ("published", "pending")]


async def test_another_unit_never_gets_the_edit_form_of_a_resource_it_does_not_own(client, cast, db):
    theirs = await make_resource(db, cast.unit_x, cast.world)  # published: other units may read it
    await sign_in(client, "unit-y")
    r = await client.get(f"/unit/resources/{theirs.id}")
    assert r.status == 404 and "资源不存在" in await r.text()
    listing = await (await client.get("/unit/resources")).text()
    assert f"/unit/resources/{theirs.id}" not in listing
    before = await snapshot(db)
    for action in (f"/unit/resources/{theirs.id}", f"/unit/resources/{theirs.id}/delist",
                   f"/unit/resources/{theirs.id}/relist"):
        r = await _post(client, "/unit/resources", action, {**RESOURCE, "area_communities": cast.a})
        assert r.status == 404
    assert await snapshot(db) == before


async def test_unit_pages_are_for_units_only(client, cast):
    await sign_in(client, "sec-a")
    for path in ("/unit/resources", "/unit/resources/new", "/unit/offers", "/unit/credit"):
        r = await client.get(path)
        assert r.status == 403 and "无权访问" in await r.text()


# --- 可接项目: the engine's ranking ---------------------------------------------------------------


async def _claim_project(db, world, *, title: str, skills: list[str], urgency: Urgency = Urgency.NORMAL,
                         category: str = CATEGORY, community: str | None = None):
    community = community or world.community
    need = await make_need(db, world, community_code=community, grid_code=world.grids[community][0])
    p = await projects.create_project(db, ProjectIn(
        need_ids=[need.id], title=title, category_code=category, community_code=community,
        required_skills=skills, estimated_hours=Decimal("2"), urgency=urgency, dispatch_mode=DispatchMode.CLAIM,
    ), SECRETARY)
    return await projects.publish_project(db, p.id, SECRETARY)


async def test_open_projects_are_ranked_for_the_unit_with_a_score_and_a_reason_and_can_be_claimed(client, cast, db):
    await make_resource(db, cast.unit_x, cast.world)
    ordinary = await _claim_project(db, cast.world, title="陪老人散步", skills=[])
    urgent = await _claim_project(db, cast.world, title="独居老人送医", skills=[], urgency=Urgency.URGENT)
    other = await _claim_project(db, cast.world, title="法律咨询进社区", skills=[], category="public.legal")
    await sign_in(client, "unit-x")
    page = await (await client.get("/unit/projects")).text()
    ranked = page[page.index("为本单位推荐"):page.index("全部开放认领的项目")]
    assert ranked.index("独居老人送医") < ranked.index("陪老人散步")  # urgent first
    assert "法律咨询进社区" not in ranked  # the unit offers no legal aid
    assert "法律咨询进社区" in page[page.index("全部开放认领的项目"):]  # but it is still listed below
    assert "+ 紧急程度 " in text_of(ranked) and "得分" in ranked
    r = await _post(client, "/unit/projects", f"/unit/projects/{urgent.id}/claim", {})
    assert r.status == 303
    row = await db.fetchrow("SELECT unit_id, kind, status FROM assignments WHERE project_id = $1", urgent.id)
    assert tuple(row) == (cast.unit_x.id, "claim", "pending")
    page = await (await client.get("/unit/projects")).text()
    ranked = page[page.index("为本单位推荐"):page.index("全部开放认领的项目")]
    assert "独居老人送医" not in ranked and "陪老人散步" in ranked
    assert ordinary.id and other.id


async def test_a_unit_without_published_resources_is_told_why_nothing_is_suggested(client, cast, db):
    await _claim_project(db, cast.world, title="陪老人散步", skills=[])
    await sign_in(client, "unit-y")
    page = text_of(await (await client.get("/unit/projects")).text())
    assert "本单位还没有已发布的资源" in page and "陪老人散步" in page


# --- 派单建议 -----------------------------------------------------------------------------------


async def test_offers_are_accepted_or_declined_with_a_reason_and_the_note_rule_is_said_at_the_note(client, cast, db):
    first = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.DIRECTED)
    second = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.DIRECTED)
    for built in (first, second):
        await work.direct_project(db, built.id, cast.unit_x.id, SECRETARY)
    await sign_in(client, "unit-x")
    page = await (await client.get("/unit/offers")).text()
    assert page.count("确认拒绝") == 2
    before = await snapshot(db)
    r = await _post(client, "/unit/offers", f"/unit/offers/{first.id}/decline", {"reason": "other", "note": ""})
    assert r.status == 200
    page = await r.text()
    assert re.search(rf'id="note-{first.id}".*?</textarea>\s*<small class="error">选择“其他原因”时须说明理由',
                     page, re.S)
    assert re.search(r'<option value="other" selected>', page)
    r = await _post(client, "/unit/offers", f"/unit/offers/{first.id}/decline", {"reason": "", "note": "人手不够"})
    page = await r.text()
    assert "请选择拒绝理由" in page and "人手不够</textarea>" in page
    assert await snapshot(db) == before
    r = await _post(client, "/unit/offers", f"/unit/offers/{first.id}/decline",
                    {"reason": "capacity_full", "note": "本周人手不够"})
    assert r.status == 303
    row = await db.fetchrow("SELECT status, reason_code, note FROM assignments WHERE project_id = $1", first.id)
    assert tuple(row) == ("declined", "capacity_full", "本周人手不够")
    r = await _post(client, "/unit/offers", f"/unit/offers/{second.id}/accept", {})
    assert r.status == 303 and r.headers["Location"] == f"/unit/projects/{second.id}"
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", second.id) == "accepted"
    assert "目前没有待答复的派单" in await (await client.get("/unit/offers")).text()


async def test_another_unit_neither_sees_nor_answers_an_offer_made_to_this_unit(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.DIRECTED)
    await work.direct_project(db, built.id, cast.unit_x.id, SECRETARY)
    await sign_in(client, "unit-y")
    page = await (await client.get("/unit/offers")).text()
    assert built.project.number not in page and "目前没有待答复的派单" in page
    before = await snapshot(db)
    r = await _post(client, "/unit/offers", f"/unit/offers/{built.id}/accept", {})
    assert r.status == 403 and "该项目不由本单位承接" in await r.text()
    r = await _post(client, "/unit/offers", f"/unit/offers/{built.id}/decline", {"reason": "capacity_full"})
    assert r.status == 200 and "该项目不由本单位承接" in await r.text()
    assert await snapshot(db) == before


async def test_a_proposal_from_the_batch_job_shows_its_explanation(client, cast, db):
    await make_resource(db, cast.unit_x, cast.world)
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.OPTIMISE)
    summary = await batch.run_batch(db, batch_summary.Scope(community=cast.a))
    assert [p.project_id for p in summary.proposed] == [built.id]
    await sign_in(client, "unit-x")
    page = text_of(await (await client.get("/unit/offers")).text())
    assert "推荐理由" in page and f"第 {summary.run_id} 次批量派单" in page and "基础分 +10.0" in page


async def test_a_unit_withdraws_its_own_claim_from_the_offers_page(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.CLAIMING, unit=cast.unit_x)
    await sign_in(client, "unit-x")
    page = await (await client.get("/unit/offers")).text()
    assert built.project.number in page and "撤回认领" in page
    r = await _post(client, "/unit/offers", f"/unit/offers/{built.id}/release", {})
    assert r.status == 303
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", built.id) == "published"


# --- 我的项目: 退单 -------------------------------------------------------------------------------


async def test_a_unit_gives_a_project_back_with_a_reason(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.IN_PROGRESS, unit=cast.unit_x)
    here = f"/unit/projects/{built.id}"
    await sign_in(client, "unit-x")
    assert "退单理由" in await (await client.get(here)).text()
    before = await snapshot(db)
    r = await _post(client, here, f"{here}/give-back", {"reason": "", "note": "设备坏了"})
    assert r.status == 200
    page = await r.text()
    assert "请选择退单理由" in page and "设备坏了</textarea>" in page
    assert await snapshot(db) == before
    r = await _post(client, here, f"{here}/give-back", {"reason": "resource_unavailable", "note": "设备坏了"})
    assert r.status == 303
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", built.id) == "published"
    row = await db.fetchrow("SELECT status, reason_code FROM assignments WHERE project_id = $1", built.id)
    assert tuple(row) == ("returned", "resource_unavailable")
    # another unit is refused before anything is looked at
    other = await make_project(db, cast.world, ProjectStatus.IN_PROGRESS, unit=cast.unit_x)
    await sign_in(client, "unit-y")
    page = await (await client.get(f"/unit/projects/{other.id}")).text()
    assert "退单理由" not in page
    r = await _post(client, f"/unit/projects/{other.id}", f"/unit/projects/{other.id}/give-back",
                    {"reason": "capacity_full"})
    assert r.status == 200 and "该项目不由本单位承接" in await r.text()
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", other.id) == "in_progress"


# --- 信用 ---------------------------------------------------------------------------------------


async def test_the_credit_page_shows_score_grade_rates_and_a_paged_ledger(client, cast, db):
    for _ in range(2):
        await make_project(db, cast.world, ProjectStatus.RATED, unit=cast.unit_x, score=5)
    events = await db.fetchval("SELECT count(*) FROM credit_events WHERE unit_id = $1", cast.unit_x.id)
    assert events > 3
    await sign_in(client, "unit-x")
    page = text_of(await (await client.get("/unit/credit")).text())
    assert "信用分" in page and "响应率" in page and "办结率" in page and "满意率 100%" in page
    assert "居民评价" in page and "5 星" in page and f"共 {events} 条记录" in page
    first = await (await client.get("/unit/credit?limit=3")).text()
    assert text_of(first).count("查看项目") == 3 and "下一页" in first
    nxt = re.search(r'href="(/unit/credit\?[^"]*cursor=[^"]+)"', first)
    assert nxt
    second = await (await client.get(html.unescape(nxt.group(1)))).text()
    assert second != first and "回到第一页" in second
    # another unit sees its own empty ledger, never this one's
    await sign_in(client, "unit-y")
    page = text_of(await (await client.get("/unit/credit")).text())
    assert "暂无信用记录" in page and "共 0 条记录" in page
