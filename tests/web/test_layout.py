"""How pages are laid out and worded, where a test can see it: cells that stay cells, one
highlighted menu entry, map labels inside the map, cards on a phone, a score that adds up, and
status words that say whose move it is."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import api.web
from api.web.maps import WIDTH, draw_map
from api.web.svg import text_width
from api.web.terms import shown_terms
from catalog import projects
from catalog.charts import ChartScope, MapArea, MapData
from catalog.enums import AssignmentKind, AssignmentStatus, DispatchMode, ProjectStatus, Urgency
from catalog.models import ProjectIn
from tests.factories import CATEGORY, SECRETARY, make_need, make_project, make_resource

from .conftest import sign_in
from .test_unit_pages import text_of

WEB = Path(api.web.__file__).resolve().parent
CSS = (WEB / "static" / "site.css").read_text(encoding="utf-8")


# --- action cells ------------------------------------------------------------------------------


async def test_action_buttons_sit_in_a_box_inside_their_cell_so_the_cell_spans_the_row(client, cast, db):
    """A table cell given ``display: flex`` (class ``actions``) stops being a table cell: its
    borders end where its buttons do, half-way down a row whose other cells wrap."""
    await make_need(db, cast.world, accept=False, title="4号楼4单元402窗户玻璃破损需要更换")
    await sign_in(client, "sec-a")
    page = await (await client.get("/secretary/needs")).text()
    assert re.search(r'<td class="nowrap"><div class="actions">\s*<form[^>]*/accept', page)
    for path in (WEB / "templates").rglob("*.html"):
        assert not re.search(r'<td\b[^>]*class="(?:[^"]*\s)?actions[\s"]', path.read_text(encoding="utf-8")), path
    assert not re.search(r"(^|[\s,}])td\.actions\b", CSS, re.MULTILINE)


# --- navigation --------------------------------------------------------------------------------


def _highlighted(page: str) -> list[str]:
    nav = page[page.index('<nav id="nav"'):page.index("</nav>")]
    return re.findall(r'<a href="[^"]*" class="here" aria-current="page">([^<]+)</a>', nav)


async def test_the_menu_highlights_the_page_s_own_entry_only(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED)
    for path, entry in (("/public", "项目公示"), (f"/public/projects/{built.project.number}", "项目公示"),
                        ("/public/units", "单位排行"), ("/public/figures", "数据公示"), ("/", "首页")):
        assert _highlighted(await (await client.get(path)).text()) == [entry], path
    await sign_in(client, "unit-x")
    for path, entry in (("/unit/projects", "可认领项目"), (f"/unit/projects/{built.id}", "可认领项目"),
                        ("/public/units", "单位排行")):
        assert _highlighted(await (await client.get(path)).text()) == [entry], path
