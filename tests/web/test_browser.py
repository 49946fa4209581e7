"""The whole story in a real browser (the system's Chromium, driven by Playwright).

A secretary publishes a project, a member unit claims it, the secretary confirms the claim, the
unit reports progress and completion, the resident closes and rates it through the link sent to
their phone, and the public board shows it finished with no one's name or number. Screenshots of
the main pages are taken on the way: into a temporary folder, or with
``SANDAN_SCREENSHOTS=docs/screenshots`` into the README's own pictures.
"""

from __future__ import annotations

import os
import re
import socket
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from api.app import create_app
from catalog.demo.build import DEMO_PASSWORD, load_demo
from catalog.enums import DispatchMode, Role
from catalog.lists import needs, projects
from catalog.models import Actor, NeedIn, ProjectIn
from catalog.storage.settings import load_settings
from dev import BROWSER_HELP, find_chromium

ROOT = Path(__file__).resolve().parents[2]
# a test run leaves the README's pictures alone unless asked to refresh them
SHOTS = ROOT / os.environ["SANDAN_SCREENSHOTS"] if os.environ.get("SANDAN_SCREENSHOTS") else (
    Path(tempfile.gettempdir()) / f"sandan-screenshots-{os.getuid() if hasattr(os, 'getuid') else 0}")
COMMUNITY = "141099001001"  # 槐荫社区 in the demo county
SECRETARY = f"sec-{COMMUNITY}"
RESIDENT_NAME, RESIDENT_PHONE = "欧阳秀英", "13911112222"
TITLE = "为独居老人更换楼道灯"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
PHONE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def site(db, database_dsn):
    """The app listening on a real port of 127.0.0.1, on the test database with the demo county."""
    await load_demo(db, seed=7)
    server = TestServer(create_app(load_settings(database_url=database_dsn)), host="127.0.0.1", port=_free_port())
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


def chromium_or_fail() -> str:
    """The Chromium ``python3 dev.py test`` found or set up (it passes it on in SANDAN_CHROMIUM),
    else the one found the same way here; with none, the test fails with the line dev.py printed."""
    found = find_chromium(sys.executable)
    if not found:
        pytest.fail(BROWSER_HELP, pytrace=False)
    return found


@pytest.fixture
async def browser():
    from playwright.async_api import Error as PlaywrightError, async_playwright

    chromium = chromium_or_fail()
    async with async_playwright() as pw:
        try:
            b = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"])
        except PlaywrightError as exc:
            pytest.fail(f"could not start Chromium at {chromium}: {str(exc).splitlines()[0]}", pytrace=False)
        try:
            yield b
        finally:
            await b.close()


def test_without_chromium_the_test_fails_with_the_line_dev_py_prints(monkeypatch, tmp_path):
    monkeypatch.setenv("SANDAN_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(pytest.fail.Exception) as failed:
        chromium_or_fail()
    assert str(failed.value) == BROWSER_HELP


async def _draft_project(db) -> int:
    """A resident's need, recorded by the grid worker and accepted, merged into a draft project."""
    grid = await db.fetchval("SELECT code FROM areas WHERE parent_code = $1 ORDER BY code LIMIT 1", COMMUNITY)
    gw = Actor(role=Role.GRID_WORKER, ref=f"grid-{grid}")
    need = await needs.submit_need(db, NeedIn(
        title="楼道灯坏了，老人夜里出门看不清", description=f"{RESIDENT_NAME}家门口的楼道灯坏了，电话 {RESIDENT_PHONE}",
        category_code="public.repair", community_code=COMMUNITY, grid_code=grid, source_channel="grid_worker",
        requester_name=RESIDENT_NAME, requester_phone=RESIDENT_PHONE), gw)
    sec = Actor(role=Role.SECRETARY, ref=SECRETARY)
    await needs.accept_need(db, need.id, sec)
    p = await projects.create_project(db, ProjectIn(
        need_ids=[need.id], title=TITLE, description="3 号楼 2 单元楼道灯更换，需带梯子和灯具。",
        category_code="public.repair", community_code=COMMUNITY, estimated_hours=Decimal("2"),
        dispatch_mode=DispatchMode.CLAIM), sec)
    return p.id


async def _unit_with_room(db) -> str:
    """A demo unit account whose unit may still take on work (below its cap on live projects)."""
    return await db.fetchval(
        """SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id
           WHERE a.role = 'unit' AND u.status = 'active'
             AND (SELECT count(*) FROM assignments x WHERE x.unit_id = u.id AND x.status IN ('pending', 'active'))
                 < u.active_cap - 1
           ORDER BY a.username LIMIT 1""")


async def _sign_in(page, base: str, username: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("#f-username", username)
    await page.fill("#f-password", DEMO_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector(".flash.ok")


async def _sign_out(page) -> None:
    await page.click("form[action='/logout'] button")
    await page.wait_for_url("**/login")


async def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# `browser` first: with no browser the test fails before the demo is loaded
async def test_a_project_from_publication_to_the_residents_rating(browser, site, db):
    project_id = await _draft_project(db)
    unit_user = await _unit_with_room(db)
    assert unit_user, "no demo unit has room for one more project"

    desk = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = await desk.new_page()
    page.on("dialog", lambda d: d.accept())  # the confirmation boxes of important buttons
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # the secretary publishes the draft
    await page.goto(f"{site}/login")
    await _shot(page, "login")
    await _sign_in(page, site, SECRETARY)
    assert page.url.endswith("/secretary/projects")
    await page.goto(f"{site}/secretary/projects/{project_id}")
    assert RESIDENT_PHONE in await page.content()  # the secretary must be able to call the resident
    await page.click("button:has-text('发布项目')")
    await page.wait_for_selector(".flash.ok:has-text('已发布')")
    await page.goto(f"{site}/secretary/projects")
    await _shot(page, "secretary-projects")
    await _sign_out(page)

    # a unit claims it
    await _sign_in(page, site, unit_user)
    assert page.url.endswith("/unit/projects")
    row = page.locator("tr", has_text=TITLE)
    await _shot(page, "unit-open-projects")
    assert RESIDENT_PHONE not in await page.content()  # not before the claim is confirmed
    await row.locator("button:has-text('认领')").click()
    await page.wait_for_selector(".flash.ok:has-text('已提交认领')")
    await _sign_out(page)

    # the secretary confirms the claim (认领 needs the community's consent)
    await _sign_in(page, site, SECRETARY)
    await page.goto(f"{site}/secretary/projects/{project_id}")
    await page.click("button:has-text('确认认领')")
    await page.wait_for_selector(".flash.ok:has-text('已确认认领')")
    await _shot(page, "secretary-project")
    await _sign_out(page)

    # the unit starts, reports progress (with a wrong photo link first) and completes
    await _sign_in(page, site, unit_user)
    await page.goto(f"{site}/unit/projects/{project_id}")
    await page.click("button:has-text('开始服务')")
    await page.wait_for_selector(".flash.ok:has-text('已开始服务')")
    assert RESIDENT_PHONE in await page.content()  # now the unit holds it and may call
    await page.fill("#f-body", f"已上门查看，{RESIDENT_NAME}家门口灯具老化，今天更换")
    await page.fill("#f-photo_url", "not a link")
    await page.click("button:has-text('提交进展')")
    await page.wait_for_selector(".field.invalid .error:has-text('照片链接须以')")
    assert await page.input_value("#f-body") == f"已上门查看，{RESIDENT_NAME}家门口灯具老化，今天更换"  # kept
    await page.fill("#f-photo_url", "https://example.org/photos/lamp.jpg")
    await page.click("button:has-text('提交进展')")
    await page.wait_for_selector(".flash.ok:has-text('进展已记录')")
    await _shot(page, "unit-project")
    await page.fill("#f-note", "楼道灯已更换，老人表示满意")
    await page.fill("#f-beneficiaries_served", "2")
    await page.fill("#f-hours_spent", "1.5")
    await page.click("button:has-text('报告办结')")
    await page.wait_for_selector(".flash.ok:has-text('已报告办结')")
    await _sign_out(page)

    # the link the resident's phone receives
    body = await db.fetchval("SELECT body FROM outbox WHERE project_id = $1 ORDER BY id DESC LIMIT 1", project_id)
    link = re.search(r"/closing/[A-Za-z0-9_-]+", body).group()
    number_of_project = await db.fetchval("SELECT number FROM projects WHERE id = $1", project_id)

    # the resident, on a phone: the need form first, then closing through the link
    phone = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2,
                                      locale="zh-CN")
    mobile = await phone.new_page()
    mobile.on("pageerror", lambda e: errors.append(str(e)))
    await mobile.goto(f"{site}/need")
    await _shot(mobile, "phone-need-form")
    await mobile.fill("#f-title", "小区门口路灯不亮")
    await mobile.fill("#f-requester_phone", "123")
    await mobile.click("button:has-text('提交')")
    await mobile.wait_for_selector(".field.invalid")
    assert "请选择需求类别" in await mobile.content() and "请填写 11 位手机号码" in await mobile.content()
    assert await mobile.input_value("#f-title") == "小区门口路灯不亮"
    await mobile.select_option("#f-category_code", "public.repair")
    await mobile.select_option("#f-community_code", COMMUNITY)
    await mobile.fill("#f-requester_name", "王建华")
    await mobile.fill("#f-requester_phone", "13800002222")
    await mobile.click("button:has-text('提交')")
    await mobile.wait_for_selector("text=已收到您的需求")

    await mobile.goto(site + link)
    assert number_of_project in await mobile.inner_text(".closing-project")  # it says what is being rated
    await mobile.check("input[name=outcome][value=solved]")
    await mobile.check("input[name=score][value='5']")
    await mobile.fill("#f-comment", "师傅很细心，谢谢社区！")
    await _shot(mobile, "phone-closing")
    await mobile.click("button:has-text('提交评价')")
    await mobile.wait_for_selector(".flash.ok:has-text('感谢您的评价')")
    assert "已评价" in await mobile.inner_text("h1")
    used = await mobile.goto(site + link)  # the link works once, and says so before any form
    assert used.status == 410 and "这个结单链接已经用过了" in await mobile.content()
    assert await mobile.locator("input[name=outcome]").count() == 0

    # the public board: finished, with its progress, and nobody's name or number
    number = await db.fetchval("SELECT number FROM projects WHERE id = $1", project_id)
    public_pages = {"public-board": f"{site}/public?community={COMMUNITY}",
                    "public-project": f"{site}/public/projects/{number}",
                    "public-units": f"{site}/public/units", "overview": f"{site}/"}
    anon = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    board = await anon.new_page()
    requesters = {r["requester_name"] for r in await db.fetch("SELECT requester_name FROM needs")}
    # a studio may carry its founder's name (何静课业辅导工作室): units are public, residents are not
    unit_names = [r["name"] for r in await db.fetch("SELECT name FROM units ORDER BY length(name) DESC")]
    for name, url in public_pages.items():
        await board.goto(url)
        text = await board.inner_text("body")
        await _shot(board, name)
        assert RESIDENT_PHONE not in text and RESIDENT_NAME not in text, name
        assert PHONE_LIKE.findall(text) == [], name
        for unit in unit_names:
            text = text.replace(unit, "")
        assert [n for n in requesters if len(n) >= 2 and n in text] == [], name
    await board.goto(public_pages["public-project"])
    text = await board.inner_text("main")
    assert TITLE in text and "已评价" in text and "今天更换" in text and "欧***" in text

    assert errors == []  # no script failed on any page
    for context in (desk, phone, anon):
        await context.close()
