"""Administrators' oversight pages: 时限设置, 督办清单, 批量派单记录 with the run's charts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from catalog import scoped
from catalog.batch import job as batch
from catalog.enums import DispatchMode, LimitStep, ProjectStatus, Role, ServiceMode, Urgency
from catalog.lists import projects, resources
from catalog.models import ProjectIn, ResourceIn
from catalog.oversight import supervision
from catalog.oversight.sweep import mark_time_limits
from tests.factories import ADMIN, SECRETARY, make_need, make_project, make_world, unit_actor

from .conftest import make_account, post_form, sign_in
from .test_charts import marks, pictures, value_of

PHONE = "13912345678"


# --- 时限设置 ----------------------------------------------------------------------------------


async def test_every_administrator_reads_the_limits_and_where_they_come_from(client, cast):
    await sign_in(client, "street")
    r = await client.get("/admin/limits")
    assert r.status == 200
    text = await r.text()
    assert "公共服务类" in text and "养老助残" in text and "签收" in text
    assert "2 小时" in text and "7 天" in text  # 签收 (urgent) and 办结 (normal) by default
    assert 'href="/admin/limits/public.elderly">查看' in text and "只有联盟管理员可以修改时限" in text
    r = await post_form(client, "/admin/limits/public.elderly", ack__urgent="4")
    assert r.status == 403 and "只有联盟管理员可以设置分类时限" in await r.text()


async def test_the_alliance_sets_a_categorys_limits_with_chinese_errors_that_keep_the_input(client, cast, db):
    await sign_in(client, "alliance")
    page = "/admin/limits/public.elderly"
    r = await post_form(client, page, ack__urgent="四小时", done__normal="0.1")
    assert r.status == 200
    text = await r.text()
    assert "请填写数字" in text and 'value="四小时"' in text
    r = await post_form(client, page, ack__urgent="4", done__normal="0.1")
    text = await r.text()
    assert r.status == 200 and "办结时限（一般）不能少于15分钟" in text and 'value="4"' in text
    limits = await scoped.get_time_limits(db, None, "public.elderly")
    assert all(t.source == "default" for t in limits.limits)  # nothing saved from a form with an error

    r = await post_form(client, page, ack__urgent="4", done__normal="36")
    assert r.status == 303 and r.headers["Location"] == "/admin/limits"
    text = await (await client.get("/admin/limits")).text()
    assert "已保存“养老助残”的时限（本分类设置 2 项" in text
    assert '<span class="limit src-category" title="紧急：本分类设置">4 小时</span>' in text
    limits = {(t.step, t.urgency): t for t in (await scoped.get_time_limits(db, None, "public.elderly")).limits}
    assert limits[(LimitStep.ACK, Urgency.URGENT)].hours == 4 and limits[(LimitStep.DONE, Urgency.NORMAL)].hours == 36
    assert limits[(LimitStep.ACK, Urgency.NORMAL)].source == "default"
    form = await (await client.get(page)).text()
    assert 'name="ack__urgent" type="text" inputmode="decimal" size="6" value="4"' in form
    # emptying every box returns the category to the defaults
    r = await post_form(client, page)
    assert r.status == 303
    assert all(t.source == "default" for t in (await scoped.get_time_limits(db, None, "public.elderly")).limits)


async def test_oversight_pages_are_for_administrators_only(client, cast):
    for who in ("sec-a", "unit-x", "grid-a"):
        await sign_in(client, who)
        for path in ("/admin/limits", "/admin/supervision", "/admin/supervision?view=alerts", "/admin/runs",
                     "/admin/limits/public.elderly"):
            r = await client.get(path)
            assert r.status == 403, (who, path)


# --- 督办清单 ----------------------------------------------------------------------------------


async def _overdue(db, world):
    """A published project nobody answered for a month: its 签收 clock is red, so it is on the list."""
    built = await make_project(db, world, ProjectStatus.PUBLISHED)
    await mark_time_limits(db, dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    return built


async def test_the_street_admin_works_the_supervision_list(client, cast, db):
    built = await _overdue(db, cast.world)
    await sign_in(client, "street")
    r = await client.get("/admin/supervision")
    assert r.status == 200
    text = await r.text()
    assert built.project.number in text and "签收" in text and "张三" not in text and PHONE not in text
    item_id = (await scoped.supervision_items(db, await _principal(db, cast, "street"),
                                              supervision.SupervisionFilter())).items[0].id
    page = f"/admin/supervision/{item_id}"
    r = await post_form(client, page, note="")
    assert r.status == 200 and "请填写督办意见" in await r.text()
    r = await post_form(client, page, note="请社区今天内联系单位", resolve="true")
    assert r.status == 303
    text = await (await client.get(page)).text()
    assert "已办结督办" in text and "请社区今天内联系单位" in text and "管理员已办结督办" in text
    assert built.project.number not in await (await client.get("/admin/supervision")).text()
    assert built.project.number in await (await client.get("/admin/supervision?state=resolved")).text()


async def test_another_streets_admin_does_not_see_the_item(client, cast, db):
    await _overdue(db, cast.world)
    other = await make_world(db, communities=1, grids=1)
    await make_account(db, "street-2", Role.STREET_ADMIN, street_code=other.street)
    item = (await scoped.supervision_items(db, await _principal(db, cast, "alliance"),
                                           supervision.SupervisionFilter())).items[0]
    await sign_in(client, "street-2")
    assert "暂无督办事项" in await (await client.get("/admin/supervision")).text()
    assert (await client.get(f"/admin/supervision/{item.id}")).status == 404


# --- 时限预警 ----------------------------------------------------------------------------------


async def _published_hours_ago(db, world, hours: int):
    built = await make_project(db, world, ProjectStatus.PUBLISHED)
    await db.execute("UPDATE projects SET published_at = published_at - make_interval(hours => $2) WHERE id = $1",
                     built.id, hours)
    return built.project.number


def _rows(text: str) -> dict[str, str]:
    """The warnings tab's rows: project number → colour."""
    table = text.split("<tbody>")[1].split("</tbody>")[0]
    return {number: level for level, number in re.findall(r'<tr data-alert="(\w+)">\s*<td>([^<]+)</td>', table)}


async def test_the_warnings_tab_shows_blue_yellow_and_red_clocks_of_the_admins_street(client, cast, db):
    # 签收 (一般) has 24 h: 13 h in is blue, 21 h yellow, 43 h red
    blue = await _published_hours_ago(db, cast.world, 0)
    yellow = await _published_hours_ago(db, cast.world, 8)
    red = await _published_hours_ago(db, cast.world, 30)
    other = await make_world(db, communities=1, grids=1)
    elsewhere = await _published_hours_ago(db, other, 8)
    await mark_time_limits(db, dt.datetime.now(dt.UTC) + dt.timedelta(hours=13))

    await sign_in(client, "street")
    r = await client.get("/admin/supervision?view=alerts")
    assert r.status == 200
    text = await r.text()
    assert _rows(text) == {blue: "blue", yellow: "yellow", red: "red"}  # not the other street's
    assert "蓝色预警" in text and "黄色预警" in text and "红色督办" in text and "签收" in text
    assert "张三" not in text and PHONE not in text
    assert 'aria-current="page">时限预警' in text and '<input type="hidden" name="view" value="alerts">' in text
    for level, number in (("blue", blue), ("yellow", yellow), ("red", red)):
        text = await (await client.get(f"/admin/supervision?view=alerts&level={level}")).text()
        assert _rows(text) == {number: level}
        assert f'<option value="{level}" selected>' in text
    text = await (await client.get(f"/admin/supervision?view=alerts&street={other.street}")).text()
    assert _rows(text) == {} and "暂无时限预警" in text
    text = await (await client.get(f"/admin/supervision?view=alerts&community={cast.b}")).text()
    assert _rows(text) == {}
    assert (await client.get("/admin/supervision?view=alerts&level=purple")).status == 422

    # the 督办 tab still lists only the red clock, and stays the page's default
    text = await (await client.get("/admin/supervision")).text()
    assert red in text and blue not in text and yellow not in text and 'aria-current="page">督办事项' in text

    await sign_in(client, "alliance")
    text = await (await client.get("/admin/supervision?view=alerts&level=yellow")).text()
    assert _rows(text) == {yellow: "yellow", elsewhere: "yellow"}


async def _principal(db, cast, name):
    from catalog.people import accounts

    return await accounts.resolve(db, cast.headers[name]["Authorization"].removeprefix("Bearer "))


# --- 批量派单记录 --------------------------------------------------------------------------------


async def _project(db, world, community, category="public.elderly"):
    need = await make_need(db, world, community_code=community, grid_code=world.grids[community][0],
                           category_code=category, requester_phone=PHONE)
    p = await projects.create_project(
        db, ProjectIn(need_ids=[need.id], title="助老服务", category_code=category, community_code=community,
                      estimated_hours=Decimal("2.0"), dispatch_mode=DispatchMode.OPTIMISE), SECRETARY)
    return await projects.publish_project(db, p.id, SECRETARY)


async def _county_run(db, cast):
    """Two projects one unit or the other can take, and one in a category nobody offers."""
    for unit, communities in ((cast.unit_x, [cast.a, cast.b]), (cast.unit_y, [cast.a])):
        r = await resources.create_resource(db, ResourceIn(
            unit_id=unit.id, title="服务", category_code="public.elderly", capacity_projects=3,
            area_communities=communities, mode=ServiceMode.HOME), unit_actor(unit.id))
        await resources.publish_resource(db, r.id, ADMIN)
    await _project(db, cast.world, cast.a)
    await _project(db, cast.world, cast.b)
    lonely = await _project(db, cast.world, cast.b, category="talent.finance")
    return await batch.run_batch(db, seed=3), lonely


async def test_a_run_shows_what_was_matched_what_was_not_and_why(client, cast, db):
    await sign_in(client, "alliance")
    assert "暂无批量派单记录" in await (await client.get("/admin/runs")).text()
    summary, lonely = await _county_run(db, cast)
    listing = await (await client.get("/admin/runs")).text()
    assert f'href="/admin/runs/{summary.run_id}"' in listing and "全县" in listing
    r = await client.get(f"/admin/runs/{summary.run_id}")
    assert r.status == 200
    text = await r.text()
    pics = pictures(text)
    assert set(pics) == {"run-outcomes", "run-phases"}
    out = pics["run-outcomes"]
    assert value_of(out, "proposed", "已生成派单建议") == 2
    assert value_of(out, "unmatched", "无成员单位提供该类别服务") == 1
    assert {e.get("data-label") for e in marks(pics["run-phases"], "data-series", "seconds")} == {
        "清理过期", "读取快照", "求解", "写入派单"}
    assert lonely.number in text and "人才服务类" in text  # the supply-gap row of the category nobody offers
    assert cast.unit_x.name in text or cast.unit_y.name in text
    assert PHONE not in text and "张三" not in text
    assert (await client.get("/admin/runs/999999")).status == 404


async def test_a_street_admin_sees_only_runs_that_looked_at_the_street(client, cast, db):
    summary, _ = await _county_run(db, cast)
    other = await make_world(db, communities=1, grids=1)
    await make_account(db, "street-2", Role.STREET_ADMIN, street_code=other.street)
    await sign_in(client, "street")
    assert (await client.get(f"/admin/runs/{summary.run_id}")).status == 200
    await client.post("/logout", data={"_csrf": _csrf(await (await client.get("/admin/runs")).text())})
    await sign_in(client, "street-2")
    assert "暂无批量派单记录" in await (await client.get("/admin/runs")).text()
    assert (await client.get(f"/admin/runs/{summary.run_id}")).status == 404


def _csrf(html: str) -> str:
    from .conftest import csrf_of

    return csrf_of(html)
