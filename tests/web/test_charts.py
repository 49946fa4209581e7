"""The pictures: the map of needs and resources and the charts, for each reader.

Each picture is checked as a person would read it: valid SVG with the right number of marks for
a small known world, a clean "暂无数据" with nothing in it, no resident's data for the public,
and refused to those who may not see it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from api.web.pictures.svg import Series, bars, nice_max
from catalog.enums import ProjectStatus, RejectReason, Urgency
from catalog.errors import Forbidden, NotFound
from catalog.lists import needs
from catalog.models import RejectIn
from catalog.oversight import charts
from catalog.people import accounts
from tests.factories import SECRETARY, make_need, make_project, make_resource, make_world

from .conftest import sign_in

PS = ProjectStatus
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
PICTURES = {"map", "demand-supply", "status-weeks", "time-to-claim", "time-to-close", "satisfaction"}


def pictures(html: str) -> dict[str, ET.Element]:
    """Every picture of a page by its id; each must parse as XML (well-formed SVG)."""
    out = {}
    for chunk in _SVG.findall(html):
        el = ET.fromstring(chunk)
        assert el.tag == "{http://www.w3.org/2000/svg}svg"
        if name := el.get("data-picture"):
            out[name] = el
    return out


def marks(el: ET.Element, attr: str, value: str | None = None) -> list[ET.Element]:
    return [e for e in el.iter() if e.get(attr) is not None and (value is None or e.get(attr) == value)]


def value_of(el: ET.Element, series: str, label: str) -> int:
    found = [e for e in marks(el, "data-series", series) if e.get("data-label") == label]
    assert len(found) == 1, (series, label,
                             [(e.get("data-series"), e.get("data-label")) for e in marks(el, "data-series")])
    return int(float(found[0].attrib["data-value"]))


@pytest.fixture
async def known(cast, db):
    """Community A: five needs and three projects; B: one rated project. One resource serves both."""
    world = cast.world
    await make_resource(db, cast.unit_x, world)
    urgent = await make_need(db, world, urgency=Urgency.URGENT, lat=36.212345, lon=111.601234)
    await make_need(db, world, accept=False)
    await make_need(db, world, category_code="culture.activities")
    rejected = await make_need(db, world, accept=False)
    await needs.reject_need(db, rejected.id, RejectIn(reason=RejectReason.DUPLICATE), SECRETARY)
    rated = await make_project(db, world, PS.RATED, unit=cast.unit_x, score=4)
    published = await make_project(db, world, PS.PUBLISHED)
    await make_project(db, world, PS.DRAFT)
    in_b = await make_project(db, world, PS.RATED, unit=cast.unit_y, score=2, community=cast.b)
    return {"urgent": urgent, "rated": rated, "published": published, "in_b": in_b}


async def number_of_need(db, project_id: int) -> str:
    return await db.fetchval("SELECT number FROM needs WHERE project_id = $1", project_id)


async def test_a_secretary_sees_their_community_in_every_picture(client, cast, known, db):
    await sign_in(client, "sec-a")
    r = await client.get("/secretary/figures")
    assert r.status == 200
    html = await r.text()
    pics = pictures(html)
    assert set(pics) == PICTURES
    assert "社区数据" in html and 'id="tables"' in html  # the tables (统计表) follow the pictures

    m = pics["map"]
    dots = marks(m, "data-need")
    assert len(dots) == 6  # five needs of A (the rejected one left out) and the three projects' needs, less B
    states = sorted(d.get("data-state") for d in dots)
    assert states == ["accepted", "accepted", "done", "pending", "waiting", "waiting"]
    assert [d.get("data-need") for d in marks(m, "data-urgent")] == [known["urgent"].number]
    assert await number_of_need(db, known["in_b"].id) not in html
    assert len(marks(m, "data-community-centre")) == 1 and marks(m, "data-scale-km")
    assert "北" in ET.tostring(m, encoding="unicode")

    ds = pics["demand-supply"]
    assert value_of(ds, "needs", "公共服务类") == 5 and value_of(ds, "resources", "公共服务类") == 1
    assert value_of(ds, "needs", "文体活动类") == 1 and value_of(ds, "resources", "文体活动类") == 0

    weeks = pics["status-weeks"]
    this_week = [e for e in marks(weeks, "data-series") if e.get("data-label") == weeks_last_label(weeks)]
    assert {e.get("data-series"): int(e.get("data-value")) for e in this_week if e.get("data-value") != "0"} == {
        "draft": 1, "open": 1, "done": 1}

    assert sum(int(e.get("data-value")) for e in marks(pics["time-to-claim"], "data-series")) == 1
    assert sum(int(e.get("data-value")) for e in marks(pics["time-to-close"], "data-series")) == 1

    sat = pics["satisfaction"]
    assert value_of(sat, "s4", cast.unit_x.name) == 1 and value_of(sat, "s5", cast.unit_x.name) == 0
    assert cast.unit_y.name not in ET.tostring(sat, encoding="unicode")

    # the numbers are there to read too, and every picture says what it shows
    assert html.count("<details class=\"chart-data\">") == len(PICTURES)
    for pic in pics.values():
        assert pic.get("role") == "img" and pic.find("{http://www.w3.org/2000/svg}title").text
        assert pic.find("{http://www.w3.org/2000/svg}desc").text
    # no map tiles, no scripts, nothing from elsewhere
    assert "<script" not in "".join(_SVG.findall(html)) and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "")


def weeks_last_label(el: ET.Element) -> str:
    last = [e.get("data-label") for e in marks(el, "data-series")][-1]
    assert last is not None
    return last


async def test_the_secretary_gets_exact_points_and_a_street_admin_blurred_ones(cast, known, db):
    sec = await accounts.resolve(db, cast.headers["sec_a"]["Authorization"].removeprefix("Bearer "))
    street = await accounts.resolve(db, cast.headers["street"]["Authorization"].removeprefix("Bearer "))
    number = known["urgent"].number
    exact = next(n for n in (await charts.map_data(db, sec, await charts.scope_for(db, sec))).needs
                 if n.number == number)
    assert (exact.lat, exact.lon, exact.own_point) == (36.212345, 111.601234, True)
    data = await charts.map_data(db, street, await charts.scope_for(db, street))
    blurred = next(n for n in data.needs if n.number == number)
    assert (blurred.lat, blurred.lon) == (36.212, 111.601) and not data.exact
    assert len(data.needs) == 7  # both communities


async def test_a_street_admin_sees_the_street_and_may_narrow_it_to_a_community(client, cast, known):
    await sign_in(client, "street")
    pics = pictures(await (await client.get("/admin/figures")).text())
    assert len(marks(pics["map"], "data-need")) == 7
    assert value_of(pics["satisfaction"], "s2", cast.unit_y.name) == 1
    html = await (await client.get(f"/admin/figures?community={cast.b}")).text()
    pics = pictures(html)
    assert len(marks(pics["map"], "data-need")) == 1
    assert value_of(pics["demand-supply"], "needs", "公共服务类") == 1
    assert f'<option value="{cast.b}" selected>' in html


async def test_the_public_sees_counts_and_never_a_residents_data(client, cast, known, db):
    r = await client.get("/public/figures")
    assert r.status == 200
    html = await r.text()
    pics = pictures(html)
    assert set(pics) == PICTURES
    m = pics["map"]
    assert not marks(m, "data-need")
    bubbles = {e.get("data-community"): int(e.get("data-needs")) for e in marks(m, "data-community")}
    assert bubbles == {cast.a: 6, cast.b: 1}
    for secret in ("张三", "13912345678", "139****5678", "帮老人买菜", known["urgent"].number,
                   await number_of_need(db, known["rated"].id)):
        assert secret not in html
    weeks = pics["status-weeks"]
    assert not marks(weeks, "data-series", "draft")  # drafts are not public
    this_week = {e.get("data-series"): int(e.get("data-value")) for e in marks(weeks, "data-series")
                 if e.get("data-label") == weeks_last_label(weeks)}
    assert this_week["open"] == 1 and this_week["done"] == 2
    assert value_of(pics["demand-supply"], "needs", "公共服务类") == 6
    # a community of the county is open to the public too, counts only
    narrowed = pictures(await (await client.get(f"/public/figures?community={cast.b}")).text())
    assert {e.get("data-community"): e.get("data-needs") for e in marks(narrowed["map"], "data-community")} == {
        cast.b: "1"}


async def test_with_no_data_every_picture_says_so(client, db):
    r = await client.get("/public/figures")
    assert r.status == 200
    pics = pictures(await r.text())
    assert set(pics) == PICTURES
    assert all(p.get("data-empty") == "1" for p in pics.values())
    assert "暂无数据" in await r.text()


async def test_a_new_community_without_needs_draws_its_centre_and_empty_charts(client, cast):
    await sign_in(client, "sec-b")
    pics = pictures(await (await client.get("/secretary/figures")).text())
    assert pics["map"].get("data-empty") is None and len(marks(pics["map"], "data-community-centre")) == 1
    assert not marks(pics["map"], "data-need")
    assert pics["satisfaction"].get("data-empty") == "1"


@pytest.mark.parametrize(("who", "path", "status"), [
    ("unit-x", "/secretary/figures", 403), ("unit-x", "/admin/figures", 403),
    ("grid-a", "/secretary/figures", 403), ("grid-a", "/admin/figures", 403),
    ("sec-a", "/admin/figures", 403), ("street", "/secretary/figures", 403),
    ("street", "/admin/figures?community=NOPE", 404),
])
async def test_figures_are_refused_to_those_who_may_not_see_them(client, cast, who, path, status):
    await sign_in(client, who)
    r = await client.get(path)
    assert r.status == status


async def test_a_street_admin_cannot_open_another_streets_figures_but_the_alliance_can(client, cast, db):
    other = await make_world(db, communities=1, grids=1)
    await make_need(db, other)
    await sign_in(client, "street")
    assert (await client.get(f"/admin/figures?community={other.community}")).status == 404
    assert (await client.get(f"/admin/figures?street={other.street}")).status == 404
    await client.post("/logout", data={"_csrf": _csrf(await (await client.get("/admin/figures")).text())})
    await sign_in(client, "alliance")
    r = await client.get(f"/admin/figures?street={other.street}")
    assert r.status == 200
    assert len(marks(pictures(await r.text())["map"], "data-need")) == 1


def _csrf(html: str) -> str:
    from .conftest import csrf_of

    return csrf_of(html)


async def test_the_scope_rules_hold_in_the_catalog_too(cast, db):
    unit = await accounts.resolve(db, cast.headers["unit_x"]["Authorization"].removeprefix("Bearer "))
    with pytest.raises(Forbidden):
        await charts.scope_for(db, unit)
    sec = await accounts.resolve(db, cast.headers["sec_a"]["Authorization"].removeprefix("Bearer "))
    with pytest.raises(NotFound):
        await charts.scope_for(db, sec, community=cast.b)
    with pytest.raises(NotFound):
        await charts.scope_for(db, sec, street=cast.world.street)  # the street holds B as well
    assert (await charts.scope_for(db, sec, community=cast.a)).communities == (cast.a,)
    public = await charts.scope_for(db, None, street=cast.world.street)
    assert public.public and public.communities == tuple(sorted(cast.world.communities))


def test_axes_end_on_round_numbers():
    assert nice_max(0) == (5.0, 1.0)
    assert nice_max(3) == (3.0, 1.0)
    assert nice_max(151) == (200.0, 50.0)
    assert nice_max(23) == (25.0, 5.0)
    assert nice_max(11) == (15, 5)  # counts: never a tick at 2.5
    assert nice_max(0.219, whole=False) == (0.25, 0.05)


def test_stacked_bars_put_each_value_after_the_previous_one():
    pic = bars("t", "标题", "说明", ["甲", "乙"], [Series("a", "A", "#000", [2, 0]), Series("b", "B", "#111", [1, 3])],
               stacked=True)
    rects = [s for s in pic.shapes if s.kind == "rect" and "data-series" in s.attrs]
    a0, b0 = rects[0], rects[1]
    assert b0.attrs["x"] == pytest.approx(a0.attrs["x"] + a0.attrs["width"])
    assert b0.attrs["width"] == pytest.approx(a0.attrs["width"] / 2)
    assert pic.table.rows == [["甲", "2", "1"], ["乙", "0", "3"]]
