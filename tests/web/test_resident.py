"""The residents' pages as a phone sees them: the closing link and the need form."""

from __future__ import annotations

import logging
import re

from api.web.kit.render import fmt_date
from catalog.enums import ProjectStatus
from tests.factories import CATEGORY, make_project, make_world

from .conftest import csrf_of, post_form

FORGED = "x" * 43


async def test_a_forged_closing_link_says_so_at_once_without_a_form(client, db):
    r = await client.get(f"/closing/{FORGED}")
    text = await r.text()
    assert r.status == 404 and "结单链接无效" in text
    assert "提交评价" not in text and 'name="outcome"' not in text
    # posted anyway (by hand, with a valid CSRF value from another page): the same answer
    r = await post_form(client, "/need", f"/closing/{FORGED}", outcome="solved", score="5")
    assert r.status == 404 and "结单链接无效" in await r.text()


async def test_a_used_closing_link_says_so_at_once(client, db):
    world = await make_world(db, communities=1)
    rated = await make_project(db, world, ProjectStatus.RATED)
    r = await client.get(f"/closing/{rated.token}")
    text = await r.text()
    assert r.status == 410 and "已经用过" in text and "提交评价" not in text


async def test_an_expired_closing_link_says_so_at_once_with_how_long_links_last(client, db):
    world = await make_world(db, communities=1)
    built = await make_project(db, world, ProjectStatus.AWAITING_CLOSE)
    await db.execute("UPDATE closing_tokens SET expires_at = now() - interval '1 minute' WHERE project_id = $1",
                     built.id)
    r = await client.get(f"/closing/{built.token}")
    text = await r.text()
    assert r.status == 410 and "结单链接已过期" in text and "7 天内有效" in text and "提交评价" not in text


async def test_a_valid_closing_link_names_the_project_the_unit_and_the_dates(client, db):
    world = await make_world(db, communities=1)
    built = await make_project(db, world, ProjectStatus.AWAITING_CLOSE)
    p = built.project
    r = await client.get(f"/closing/{built.token}")
    text = await r.text()
    assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
    assert p.title in text and p.number in text and built.unit.name in text
    assert "发布日期" in text and fmt_date(p.published_at) in text
    assert "办结日期" in text and fmt_date(p.completed_at) in text
    assert "提交评价" in text

    # a rating left half done keeps saying what is being rated
    r = await post_form(client, f"/closing/{built.token}", outcome="", score="9")
    text = await r.text()
    assert r.status == 200 and "请选择办理结果" in text and "请选择 1 到 5 星" in text and p.number in text

    r = await post_form(client, f"/closing/{built.token}", outcome="solved", score="4")
    assert r.status == 303 and r.headers["Location"] == f"/public/projects/{p.number}"
    r = await client.get(f"/closing/{built.token}")
    assert r.status == 410 and "已经用过" in await r.text()


async def test_a_link_used_in_another_window_meanwhile_is_explained_not_rated_twice(client, db):
    world = await make_world(db, communities=1)
    built = await make_project(db, world, ProjectStatus.AWAITING_CLOSE)
    page = await client.get(f"/closing/{built.token}")
    assert page.status == 200
    csrf = csrf_of(await page.text())
    first = await client.post(f"/closing/{built.token}", data={"_csrf": csrf, "outcome": "solved", "score": "5"},
                              allow_redirects=False)
    assert first.status == 303
    again = await client.post(f"/closing/{built.token}", data={"_csrf": csrf, "outcome": "unsolved", "score": "1"},
                              allow_redirects=False)
    assert again.status == 410 and "已经用过" in await again.text()
    assert await db.fetchval("SELECT score FROM ratings WHERE project_id = $1", built.id) == 5


async def test_the_closing_token_stays_out_of_the_logs(client, db, caplog):
    world = await make_world(db, communities=1)
    built = await make_project(db, world, ProjectStatus.AWAITING_CLOSE)
    caplog.set_level(logging.DEBUG)
    assert (await client.get(f"/closing/{built.token}")).status == 200
    assert (await client.get(f"/closing/{FORGED}")).status == 404
    assert (await post_form(client, f"/closing/{built.token}", outcome="solved", score="5")).status == 303
    assert (await client.get(f"/closing/{built.token}")).status == 410
    ours = [rec.getMessage() for rec in caplog.records if rec.name.startswith("sandan")]
    assert any("/closing/" in m for m in ours)  # the requests were logged …
    assert not any(built.token in m or FORGED in m for m in ours)  # … without the token


async def test_the_need_form_takes_a_mobile_number_as_people_type_it(client, db):
    world = await make_world(db, communities=1)
    fields = dict(title="楼道灯不亮", category_code=CATEGORY, community_code=world.community, requester_name="王建华")
    for typed in ("12345", "1381234567", "0351-2345678"):
        r = await post_form(client, "/need", **fields, requester_phone=typed)
        text = await r.text()
        assert r.status == 200 and re.search(r'id="e-requester_phone">(请填写 11 位手机号码|需要手机号码)', text), typed
        assert f'value="{typed}"' in text
    r = await post_form(client, "/need", **fields, requester_phone="138 0000 2222")
    assert r.status == 303
    assert await db.fetchval("SELECT requester_phone FROM needs") == "13800002222"


async def test_a_title_far_too_long_is_told_its_limit_not_asked_for_a_sentence(client, db):
    world = await make_world(db, communities=1)
    r = await post_form(client, "/need", title="灯" * 10_000, description="很" * 6000, category_code=CATEGORY,
                        community_code=world.community, requester_name="王建华", requester_phone="13800002222")
    text = await r.text()
    assert r.status == 200 and await db.fetchval("SELECT count(*) FROM needs") == 0
    assert 'id="e-title">不能超过 100 个字<' in text and "请用一句话说明" not in text
    assert 'id="e-description">不能超过 5000 个字<' in text
    # left empty, the title still gets the form's own words
    r = await post_form(client, "/need", title="", category_code=CATEGORY, community_code=world.community,
                        requester_name="王建华", requester_phone="13800002222")
    assert 'id="e-title">请用一句话说明您需要什么帮助<' in await r.text()
