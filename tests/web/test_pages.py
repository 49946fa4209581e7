"""Pages as a browser sees them, one request at a time: forms, permissions and masked data."""

from __future__ import annotations

import re

from catalog.enums import ProjectStatus
from tests.factories import CATEGORY, make_project, make_unit, make_world

from .conftest import csrf_of, post_form, sign_in


async def test_a_unit_opening_a_secretary_page_is_refused_with_a_way_to_switch_account(client, cast):
    await sign_in(client, "unit-x")
    r = await client.get("/secretary/projects")
    assert r.status == 403
    text = await r.text()
    assert "无权访问" in text and "换一个账号登录" in text


async def test_a_secretary_never_reaches_another_communitys_project(client, cast, db):
    theirs = await make_project(db, cast.world, ProjectStatus.DRAFT, community=cast.b)
    await sign_in(client, "sec-a")
    r = await client.get(f"/secretary/projects/{theirs.id}")
    assert r.status == 404 and "项目不存在" in await r.text()
    board = await (await client.get("/secretary/projects")).text()
    assert theirs.project.number not in board
    r = await client.get("/secretary/projects/99999999999999999999")
    assert r.status == 404


async def test_the_need_form_keeps_what_was_typed_and_says_what_is_missing(client, db):
    world = await make_world(db, communities=1)
    r = await post_form(client, "/need", title="楼道灯不亮", requester_phone="12", requester_name="")
    assert r.status == 200
    text = await r.text()
    assert 'value="楼道灯不亮"' in text and 'value="12"' in text
    assert "请选择需求类别" in text and "请选择您所在的社区" in text and "请填写 11 位手机号码" in text
    assert "请填写此项" in text  # the name
    r = await post_form(client, "/need", title="楼道灯不亮", category_code=CATEGORY, community_code=world.community,
                        requester_name="王建华", requester_phone="13800002222", urgency="normal", beneficiary_count="1")
    assert r.status == 303 and r.headers["Location"].startswith("/need/thanks?number=")
    thanks = await (await client.get(r.headers["Location"])).text()
    number = r.headers["Location"].split("=")[1]
    assert number in thanks and "已收到您的需求" in thanks
    stored = await db.fetchrow("SELECT requester_name, source_channel, status FROM needs WHERE number = $1", number)
    assert tuple(stored) == ("王建华", "online", "pending")


async def test_the_need_form_is_rate_limited_per_address_and_ignores_robots(client, db):
    world = await make_world(db, communities=1)
    fields = dict(title="帮忙修水管", category_code=CATEGORY, community_code=world.community,
                  requester_name="李四", requester_phone="13800003333")
    r = await post_form(client, "/need", website="http://spam.example", **fields)
    assert r.status == 303 and await db.fetchval("SELECT count(*) FROM needs") == 0
    for _ in range(5):
        r = await post_form(client, "/need", **fields)
        assert r.status == 303
    r = await post_form(client, "/need", **fields)
    text = await r.text()
    assert r.status == 429 and "提交过于频繁" in text
    assert 0 < int(r.headers["Retry-After"]) <= 600
    assert 'value="13800003333"' in text and "<form" in text  # the same page, what was typed kept
    assert r.headers["Cache-Control"] == "no-store"
    assert await db.fetchval("SELECT count(*) FROM needs") == 5


async def test_a_closing_link_that_names_nothing_is_explained_in_chinese(client, db):
    r = await client.get("/closing/" + "x" * 43)
    text = await r.text()
    assert r.status == 404 and "结单链接无效" in text and "提交评价" not in text


async def test_the_board_pages_and_shows_no_requester(client, db):
    world = await make_world(db, communities=1)
    for status in (ProjectStatus.PUBLISHED, ProjectStatus.RATED, ProjectStatus.DRAFT):
        await make_project(db, world, status)
    r = await client.get("/public?limit=1")
    text = await r.text()
    assert r.status == 200 and "下一页" in text and text.count("/public/projects/") == 1
    nxt = re.search(r'href="(/public\?[^"]*cursor=\d+)"', text).group(1).replace("&amp;", "&")
    second = await (await client.get(nxt)).text()
    assert "回到第一页" in second and second.count("/public/projects/") == 1
    first_number = re.search(r'/public/projects/([^"]+)"', text).group(1)
    assert first_number not in second  # the next page, not the same one again
    assert "张三" not in text + second and "13912345678" not in text + second
    assert "草拟" not in text + second  # drafts are not public
    r = await client.get("/public?status=nonsense")
    assert r.status == 422 and "请求参数不符合要求" in await r.text()
    for _ in range(2):
        await make_unit(db, world)
    league = await (await client.get("/public/units")).text()
    units = await db.fetchval("SELECT count(*) FROM units WHERE status = 'active'")
    assert units > 1 and "成员单位信用排行" in league and "名次" in league and f"共 {units} 个成员单位" in league
    one = await (await client.get("/public/units?limit=1")).text()
    assert 'href="/public/units?limit=1&cursor=1"' in one and one.count('<td class="num">1</td>') >= 1
    last = await (await client.get(f"/public/units?limit=1&cursor={units - 1}")).text()
    assert "回到第一页" in last and "下一页" not in last and f'<td class="num">{units}</td>' in last


async def test_the_login_form_never_writes_the_password_back(client, cast):
    r = await post_form(client, "/login", username="sec-a", password="")
    text = await r.text()
    assert "请填写密码" in text and csrf_of(text)
