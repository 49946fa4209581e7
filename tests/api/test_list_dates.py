"""Lists filtered by creation date: every list that takes ``created_from``/``created_to`` honours
them, and refuses what is not a calendar date (YYYY-MM-DD) with a message saying so."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from catalog.enums import ProjectStatus
from tests.factories import make_need, make_project

API = "/api/v1"
CST = ZoneInfo("Asia/Shanghai")

# every list with date filters, and who reads it (None: the public)
LISTS = [("/needs", "sec_a"), ("/projects", "sec_a"), ("/public/projects", None)]


def _today() -> dt.date:
    return dt.datetime.now(CST).date()


@pytest.fixture
async def dated(cast, db):
    """Two needs and two published projects of community A: one of each made 10 days ago."""
    old_need, new_need = await make_need(db, cast.world), await make_need(db, cast.world)
    old, new = (await make_project(db, cast.world, ProjectStatus.PUBLISHED),
                await make_project(db, cast.world, ProjectStatus.PUBLISHED))
    await db.execute("UPDATE needs SET created_at = now() - interval '10 days' WHERE id = $1", old_need.id)
    await db.execute("UPDATE projects SET created_at = now() - interval '10 days' WHERE id = $1", old.id)
    return {"/needs": (old_need.number, new_need.number), "/projects": (old.project.number, new.project.number),
            "/public/projects": (old.project.number, new.project.number)}


async def _numbers(client, cast, path, reader, **params) -> set[str]:
    r = await client.get(API + path, params=params, headers=cast.headers[reader] if reader else None)
    assert r.status == 200, (path, params, await r.text())
    return {item["number"] for item in (await r.json())["items"]}


@pytest.mark.parametrize(("path", "reader"), LISTS)
async def test_lists_keep_only_what_was_created_in_the_range(client, cast, dated, path, reader):
    old, new = dated[path]
    today, week_ago = _today(), (_today() - dt.timedelta(days=5)).isoformat()
    assert {old, new} <= await _numbers(client, cast, path, reader)
    assert await _numbers(client, cast, path, reader, created_from="2099-01-01") == set()
    assert await _numbers(client, cast, path, reader, created_to="2000-01-01") == set()
    got = await _numbers(client, cast, path, reader, created_to=week_ago)
    assert old in got and new not in got
    got = await _numbers(client, cast, path, reader, created_from=week_ago)
    assert new in got and old not in got
    # both ends count whole days (China Standard Time): today to today holds what was made today
    got = await _numbers(client, cast, path, reader, created_from=today.isoformat(), created_to=today.isoformat())
    assert new in got and old not in got


@pytest.mark.parametrize(("path", "reader"), LISTS)
@pytest.mark.parametrize("bad", ["0", "1700000000", "20240315", "2024-13-01", "2024-02-30", "昨天", "2024-3-5"])
async def test_a_date_filter_that_is_not_a_calendar_date_is_refused(client, cast, path, reader, bad):
    for name in ("created_from", "created_to"):
        r = await client.get(API + path, params={name: bad}, headers=cast.headers[reader] if reader else None)
        body = await r.json()
        assert r.status == 422, (path, name, bad, body)
        assert body["error"]["code"] == "invalid_input"
        (err,) = body["error"]["details"]["errors"]
        assert err["loc"][-1] == name and "YYYY-MM-DD" in err["msg"], err


@pytest.mark.parametrize(("path", "reader"), LISTS)
async def test_a_range_that_ends_before_it_starts_is_refused(client, cast, path, reader):
    r = await client.get(API + path, params={"created_from": "2024-03-15", "created_to": "2024-03-14"},
                         headers=cast.headers[reader] if reader else None)
    body = await r.json()
    assert r.status == 422 and "不能晚于" in body["error"]["details"]["errors"][0]["msg"], body


async def test_public_board_filters_by_urgency_too(client, cast, db):
    urgent = await make_project(db, cast.world, ProjectStatus.PUBLISHED)
    normal = await make_project(db, cast.world, ProjectStatus.PUBLISHED)
    await db.execute("UPDATE projects SET urgency = 'urgent' WHERE id = $1", urgent.id)
    got = await _numbers(client, cast, "/public/projects", None, urgency="urgent")
    assert urgent.project.number in got and normal.project.number not in got


async def test_public_board_page_honours_the_dates_and_refuses_a_bad_one(client, cast, dated):
    old, new = dated["/public/projects"]
    text = await (await client.get("/public", params={"created_from": "2099-01-01"})).text()
    assert old not in text and new not in text and "暂无公示项目" in text
    five_days_ago = (_today() - dt.timedelta(days=5)).isoformat()
    text = await (await client.get("/public", params={"created_to": five_days_ago})).text()
    assert old in text and new not in text
    r = await client.get("/public", params={"created_to": "0"})
    assert r.status == 422
