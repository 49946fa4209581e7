"""The street and alliance administrators' pages: member units, resource review, categories."""

from __future__ import annotations

import re

from catalog.enums import UnitStatus
from catalog.lists import directory
from tests.factories import ADMIN, make_resource, make_unit, snapshot

from .conftest import sign_in
from .test_unit_pages import _post, text_of

UNIT = dict(name="阳光家政服务中心", unit_type="enterprise", contact_name="刘芳", contact_phone="0357-6221234",
            home_area="", active_cap="7")


async def test_admin_pages_are_for_street_and_alliance_administrators_only(client, cast, db):
    for user in ("street", "alliance"):
        await sign_in(client, user)
        for path in ("/admin/units", "/admin/units/new", f"/admin/units/{cast.unit_x.id}", "/admin/resources",
                     "/admin/categories"):
            r = await client.get(path)
            assert r.status == 200, (user, path)
    for user in ("unit-x", "sec-a", "grid-a"):
        await sign_in(client, user)
        for path in ("/admin/units", f"/admin/units/{cast.unit_x.id}", "/admin/resources", "/admin/categories"):
            r = await client.get(path)
            assert r.status == 403 and "无权访问" in await r.text(), (user, path)
    r = await client.get("/admin/units/99999999")
    assert r.status == 403  # a secretary is refused before anything is looked up


async def test_the_unit_list_filters_by_name_type_and_status_and_pages(client, cast, db):
    await directory.set_unit_status(db, cast.unit_y.id, UnitStatus.SUSPENDED, ADMIN)
    for _ in range(3):
        await make_unit(db, cast.world)
    await sign_in(client, "street")
    page = text_of(await (await client.get("/admin/units")).text())
    assert "绿叶志愿服务队" in page and "红星家电维修协会" in page and "0 / 5" in page
    assert "13800000000" in page  # administrators see the contacts in full
    page = text_of(await (await client.get("/admin/units?name=绿叶")).text())
    assert "绿叶志愿服务队" in page and "红星家电维修协会" not in page
    page = text_of(await (await client.get("/admin/units?status=suspended")).text())
    assert "红星家电维修协会" in page and "绿叶志愿服务队" not in page and "已暂停" in page
    page = text_of(await (await client.get("/admin/units?unit_type=enterprise")).text())
    assert "没有符合条件的成员单位" in page
    first = await (await client.get("/admin/units?limit=2")).text()
    assert first.count('href="/admin/units/') == 2 + 1  # two rows and the "add" button
    assert "下一页" in first


async def test_an_administrator_adds_a_unit_and_a_bad_form_keeps_the_input_and_adds_nothing(client, cast, db):
    await sign_in(client, "alliance")
    before = await snapshot(db)
    bad = {**UNIT, "home_area": cast.world.street, "contact_phone": "电话", "name": "", "active_cap": "0"}
    r = await _post(client, "/admin/units/new", "/admin/units/new", bad)
    assert r.status == 200
    page = await r.text()
    assert ("请填写 11 位手机号码或带区号的固定电话" in page and "承接上限须为 1 到 1000 之间的整数" in page
            and "请填写此项" in page)
    assert 'value="刘芳"' in page and 'value="电话"' in page and 'value="0"' in page
    assert f'<option value="{cast.world.street}" selected>' in page
    r = await _post(client, "/admin/units/new", "/admin/units/new", {**UNIT, "home_area": cast.world.street,
                                                                       "name": "绿叶志愿服务队"})
    assert r.status == 200 and re.search(r'id="e-name">同名成员单位已存在<', await r.text())
    assert await snapshot(db) == before
    r = await _post(client, "/admin/units/new", "/admin/units/new", {**UNIT, "home_area": cast.world.street})
    assert r.status == 303
    row = await db.fetchrow("SELECT id, name, unit_type, contact_phone, home_area, active_cap, status FROM units"
                            " WHERE name = $1", "阳光家政服务中心")
    assert tuple(row)[1:] == ("阳光家政服务中心", "enterprise", "0357-6221234", cast.world.street, 7, "active")
    assert r.headers["Location"] == f"/admin/units/{row['id']}"


async def test_an_administrator_edits_a_unit_and_its_cap(client, cast, db):
    here = f"/admin/units/{cast.unit_x.id}"
    await sign_in(client, "street")
    page = await (await client.get(here)).text()
    assert 'value="绿叶志愿服务队"' in page and 'value="5"' in page and "在办 0 / 5" in text_of(page)
    before = await snapshot(db)
    r = await _post(client, here, here,
                    {**UNIT, "name": "绿叶志愿服务队", "home_area": cast.world.street, "active_cap": ""})
    assert r.status == 200 and re.search(r'id="e-active_cap">承接上限须为 1 到 1000 之间的整数<', await r.text())
    r = await _post(client, here, here, {**UNIT, "name": "红星家电维修协会", "home_area": cast.world.street})
    assert r.status == 200 and "同名成员单位已存在" in await r.text()
    assert await snapshot(db) == before
    r = await _post(client, here, here, {**UNIT, "name": "绿叶志愿服务总队", "home_area": cast.a, "active_cap": "2"})
    assert r.status == 303
    row = await db.fetchrow("SELECT name, home_area, active_cap, contact_name FROM units WHERE id = $1", cast.unit_x.id)
    assert tuple(row) == ("绿叶志愿服务总队", cast.a, 2, "刘芳")
    note = await db.fetchval("SELECT note FROM history WHERE entity = 'unit' AND entity_id = $1 ORDER BY id DESC",
                             str(cast.unit_x.id))
    assert note == "修改单位信息，承接上限 2"


async def test_an_administrator_suspends_and_reinstates_a_unit_with_a_note(client, cast, db):
    here = f"/admin/units/{cast.unit_x.id}"
    await sign_in(client, "alliance")
    r = await _post(client, here, f"{here}/suspend", {"note": "年度考核不合格"})
    assert r.status == 303
    assert await db.fetchval("SELECT status FROM units WHERE id = $1", cast.unit_x.id) == "suspended"
    page = text_of(await (await client.get(here)).text())
    assert "已暂停“绿叶志愿服务队”" in page and "恢复单位" in page
    before = await snapshot(db)
    r = await _post(client, here, f"{here}/suspend", {"note": ""})
    assert r.status == 200 and "成员单位已是“已暂停”状态" in await r.text()
    assert await snapshot(db) == before
    r = await _post(client, here, f"{here}/reinstate", {"note": "整改完成"})
    assert r.status == 303
    assert await db.fetchval("SELECT status FROM units WHERE id = $1", cast.unit_x.id) == "active"
    notes = [r["note"] for r in await db.fetch("SELECT note FROM history WHERE entity = 'unit' AND entity_id = $1"
                                               " ORDER BY id", str(cast.unit_x.id))]
    assert notes[-2:] == ["年度考核不合格", "整改完成"]


async def test_an_administrator_reviews_and_publishes_a_resource(client, cast, db):
    pending = await make_resource(db, cast.unit_x, cast.world, publish=False)
    await sign_in(client, "street")
    page = text_of(await (await client.get("/admin/resources")).text())
    assert "上门助老" in page and "绿叶志愿服务队" in page and "审核发布" in page
    units = text_of(await (await client.get("/admin/units")).text())
    assert "1 条" in units  # pending resources counted on the unit list
    r = await _post(client, "/admin/resources", f"/admin/resources/{pending.id}/publish", {})
    assert r.status == 303
    assert await db.fetchval("SELECT status FROM resources WHERE id = $1", pending.id) == "published"
    assert "没有符合条件的资源" in await (await client.get("/admin/resources")).text()


async def test_the_alliance_adds_a_subcategory_and_retires_one(client, cast, db):
    await sign_in(client, "alliance")
    page = await (await client.get("/admin/categories")).text()
    assert "添加子分类" in page and "public.elderly" in page
    before = await snapshot(db)
    r = await _post(client, "/admin/categories", "/admin/categories",
                    {"parent_code": "public", "suffix": "老年助餐", "name": "老年助餐", "sort_order": "x"})
    assert r.status == 200
    page = await r.text()
    assert "编码须以小写英文字母开头" in page and "排序须为 0 到 9999 之间的整数" in page
    assert 'value="老年助餐"' in page and '<option value="public" selected>' in page
    r = await _post(client, "/admin/categories", "/admin/categories",
                    {"parent_code": "public", "suffix": "elderly", "name": "另一个助老"})
    assert r.status == 200 and re.search(r'id="e-suffix">分类编码已存在<', await r.text())
    assert await snapshot(db) == before
    r = await _post(client, "/admin/categories", "/admin/categories",
                    {"parent_code": "public", "suffix": "elderly_meal", "name": "老年助餐", "sort_order": "5"})
    assert r.status == 303
    row = await db.fetchrow("SELECT level, name, parent_code, sort_order, retired_at FROM categories"
                            " WHERE code = 'public.elderly_meal'")
    assert tuple(row) == (2, "老年助餐", "public", 5, None)
    # the public need form offers it at once (the directory cache was dropped)
    assert "老年助餐" in await (await client.get("/need")).text()
    r = await _post(client, "/admin/categories", "/admin/categories/public.elderly_meal/retire", {})
    assert r.status == 303
    assert await db.fetchval("SELECT retired_at FROM categories WHERE code = 'public.elderly_meal'") is not None
    assert "已停用" in await (await client.get("/admin/categories")).text()
    assert "老年助餐" not in await (await client.get("/need")).text()


async def test_a_street_administrator_sees_categories_but_may_not_change_them(client, cast, db):
    await sign_in(client, "street")
    page = await (await client.get("/admin/categories")).text()
    assert "只有联盟管理员可以维护分类" in page and "添加子分类" not in page and "停用</button>" not in page
    csrf_page = "/admin/categories"
    before = await snapshot(db)
    r = await _post(client, csrf_page, "/admin/categories",
                    {"parent_code": "public", "suffix": "elderly_meal", "name": "老年助餐"})
    assert r.status == 403 and "只有联盟管理员可以维护区域和分类" in await r.text()
    r = await _post(client, csrf_page, "/admin/categories/public.elderly/retire", {})
    assert r.status == 403 and "只有联盟管理员可以维护区域和分类" in await r.text()
    assert await snapshot(db) == before
