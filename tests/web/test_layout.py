"""How pages are laid out and worded, where a test can see it: cells that stay cells, one
highlighted menu entry, map labels inside the map, cards on a phone, a score that adds up, and
status words that say whose move it is."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import api.web
from api.web.kit.terms import shown_terms
from api.web.pictures.maps import WIDTH, draw_map
from api.web.pictures.svg import text_width
from catalog.enums import AssignmentKind, AssignmentStatus, ProjectStatus, Urgency
from catalog.oversight.charts import ChartScope, MapArea, MapData
from tests.api.test_desk import claim_project
from tests.factories import make_need, make_project, make_resource

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


# --- map labels --------------------------------------------------------------------------------


def _extent(attrs: dict) -> tuple[float, float]:
    x, w = float(attrs["x"]), text_width(attrs.get("text", ""), float(attrs["font-size"]))
    return {"start": (x, x + w), "middle": (x - w / 2, x + w / 2), "end": (x - w, x)}[attrs["text-anchor"]]


def test_community_names_on_the_map_stay_inside_it():
    """A community at the map's right edge has its name and counts drawn to the left of its
    centre, not cut off by the picture's edge; the others keep theirs on the right."""
    lon = {"A": 111.50, "B": 111.55, "C": 111.60}
    areas = [MapArea(code=c, level="community", name=f"{name}社区", parent_code="S", lat=36.25, lon=lon[c])
             for c, name in (("A", "西关"), ("B", "文庙"), ("C", "东城"))]
    totals = {c: {"pending": 44} for c in lon}
    scope = ChartScope(kind="county", code=None, name="全县", communities=None, public=True)
    data = MapData(scope=scope, areas=areas, needs=[], totals=totals, resources=[], exact=False, truncated=False,
                   unplaced=0)
    picture = draw_map(data)
    labels = [{**s.attrs, "text": s.text} for s in picture.shapes if s.kind == "text"]
    names = {a["text"]: a for a in labels if a["text"].endswith("社区")}
    assert set(names) == {"西关社区", "文庙社区", "东城社区"}
    for label in labels:
        left, right = _extent(label)
        assert left >= 0 and right <= WIDTH, label
    assert names["东城社区"]["text-anchor"] == "end" and names["西关社区"]["text-anchor"] == "start"


# --- open projects on a phone ------------------------------------------------------------------


def _media_blocks(css: str, max_width: int) -> str:
    """The rules inside every ``@media (max-width: N px)`` with N at least ``max_width``."""
    out = []
    for m in re.finditer(r"@media \(max-width: (\d+)px\) \{", css):
        if int(m.group(1)) < max_width:
            continue
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            i += 1
        out.append(css[m.end():i])
    return "\n".join(out)


async def test_open_projects_read_as_cards_with_the_claim_button_on_screen_on_a_phone(client, cast, db):
    """On a 390 px screen a seven-column table squeezes the titles to two or three characters a
    line and pushes the 认领 button off to the right: there each row is a card instead."""
    await claim_project(db, cast.world, title="文庙街小区空巢老人探访（第二批）")
    await sign_in(client, "unit-x")
    page = await (await client.get("/unit/projects")).text()
    table = page[page.index("全部开放认领的项目"):]
    table = table[table.index("<table"):table.index("</table>")]
    assert table.startswith('<table class="stack">')
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S).group(1)
    cells = re.findall(r"<td([^>]*)>", row)
    assert len(cells) == 7
    # every cell says what it is once the column heads are gone, but for the title and the button
    assert all('data-label="' in c or 'class="stack-title"' in c or 'class="stack-actions"' in c for c in cells)
    assert 'class="stack-title">文庙街小区空巢老人探访（第二批）' in row and "认领</button>" in row
    phone = _media_blocks(CSS, 390)
    assert re.search(r"table\.stack tr \{[^}]*display: flex;[^}]*flex-wrap: wrap", phone)
    assert re.search(r"table\.stack td\.stack-title \{[^}]*flex-basis: 100%", phone)
    assert re.search(r"table\.stack td\.stack-actions[^{]*\.btn \{[^}]*width: 100%", phone)
    assert re.search(r"table\.stack thead \{[^}]*position: absolute", phone)


# --- the score and its terms -------------------------------------------------------------------


_LINE = re.compile(r"得分 (\d+\.\d) = (.+?)(?:（距离约|；适用资源)")
_TERM = re.compile(r"(?:^|\s([+−]))\s*([^\s+−\d][^+−]*?) (\d+\.\d)")


def _added_up(line: str) -> tuple[float, list[str], float]:
    m = _LINE.search(line)
    assert m, line
    total, terms = float(m.group(1)), _TERM.findall(m.group(2))
    shown = sum((-1 if sign == "−" else 1) * float(amount) for sign, _, amount in terms)
    return total, [label for _, label, _ in terms], round(shown, 1)


async def test_the_score_on_a_suggestion_shows_every_term_and_they_add_up(client, cast, db):
    await make_resource(db, cast.unit_x, cast.world)
    await claim_project(db, cast.world, title="独居老人送医", urgency=Urgency.URGENT)
    await claim_project(db, cast.world, title="陪老人散步")
    await sign_in(client, "unit-x")
    page = text_of(await (await client.get("/unit/projects")).text())
    lines = re.findall(r"得分 .+?适用资源", page)
    assert len(lines) == 2
    added = [_added_up(line) for line in lines]
    for (total, labels, shown), line in zip(added, lines, strict=True):
        assert labels[0] == "基础分", line  # the same for every pair, but part of the sum
        assert shown == total, line
    assert "紧急程度" in added[0][1]  # the urgent project comes first, and says why


@dataclass
class _Term:
    label: str
    points: float


def test_shown_terms_always_add_up_to_the_shown_total():
    rng = random.Random(7)
    for _ in range(2000):
        terms = [_Term(f"t{i}", round(rng.uniform(-3, 12), 2) if rng.random() > 0.2 else 0.0) for i in range(7)]
        total = round(sum(t.points for t in terms) + rng.choice((0, 0.01, -0.01)), 2)
        for digits in (1, 2):
            shown = shown_terms(terms, total, digits)
            amount = sum((-1 if sign == "−" else 1) * float(a) for sign, _, a in shown)
            # in steps of the last digit shown, against the total as printed
            assert round(amount * 10**digits) == round(float(f"{total:.{digits}f}") * 10**digits), (terms, total)
            # each term is off by less than one step of the last digit
            by_label = {label: (-1 if sign == "−" else 1) * float(a) for sign, label, a in shown}
            assert all(abs(by_label.get(t.label, 0.0) - t.points) < 10**-digits * 1.5 for t in terms)
    # rounded one by one, 10.0 + 1.0 + 2.0 would miss 13.1
    assert shown_terms([_Term("基础分", 10.04), _Term("距离", 1.03), _Term("紧急程度", 2.05)], 13.12) == [
        ("+", "基础分", "10.0"), ("+", "距离", "1.0"), ("+", "紧急程度", "2.1")]


# --- whose move a pending claim or offer waits on ----------------------------------------------


def test_a_pending_assignment_says_whose_move_it_is():
    pending = AssignmentStatus.PENDING
    assert pending.label_for(AssignmentKind.CLAIM) == pending.label_for("claim", mine=True) == "待社区确认"
    assert pending.label_for(AssignmentKind.DIRECTED) == pending.label_for("proposal") == "待单位答复"
    assert pending.label_for("directed", mine=True) == pending.label_for("proposal", mine=True) == "待我方答复"
    assert AssignmentStatus.ACTIVE.label_for("claim") == AssignmentStatus.ACTIVE.label
    words = {pending.label_for(k, mine=m) for k in AssignmentKind for m in (False, True)}
    assert pending.label not in words and not words & set(AssignmentStatus.labels().values())


async def test_the_unit_s_work_tells_a_claim_waiting_for_the_community_from_an_offer_waiting_for_it(
        client, cast, db):
    claimed = await make_project(db, cast.world, ProjectStatus.CLAIMING, unit=cast.unit_x)
    offered = await make_project(db, cast.world, ProjectStatus.DISPATCHED, unit=cast.unit_x)
    await sign_in(client, "unit-x")
    page = text_of(await (await client.get("/unit/work")).text())
    assert f"{claimed.project.number} 助老服务 认领 待社区确认" in page
    assert f"{offered.project.number} 助老服务 定向派单 待我方答复" in page
    assert "待确认" not in page
    # the secretary reads the same offer as waiting for the unit
    await sign_in(client, "sec-a")
    page = text_of(await (await client.get(f"/secretary/projects/{offered.id}")).text())
    assert "定向派单 待单位答复" in page and "待确认" not in page.replace("社区已确认", "")
