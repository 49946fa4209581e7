"""People write names and numbers into titles and notes; masked readers and the public board
must not get them back that way."""

from decimal import Decimal

from catalog.lists import projects
from catalog.models import ProjectIn
from tests.factories import CATEGORY, SECRETARY, make_need

API = "/api/v1"
NAME, PHONE = "欧阳建国", "13912340077"


async def _project_with_a_telling_title(db, cast):
    need = await make_need(db, cast.world, requester_name=NAME, requester_phone=PHONE,
                           title=f"{NAME}家水管漏水，电话{PHONE}", description=f"请联系{NAME}，{PHONE}",
                           lat=36.1834567, lon=111.6251234)
    p = await projects.create_project(db, ProjectIn(
        need_ids=[need.id], title=f"{NAME}家水管维修（{PHONE}）", category_code=CATEGORY,
        community_code=cast.a, estimated_hours=Decimal("2")), SECRETARY)
    await projects.publish_project(db, p.id, SECRETARY)
    return need, p


async def test_public_board_hides_names_and_numbers_written_into_titles(client, cast, db):
    _, p = await _project_with_a_telling_title(db, cast)
    for url in (f"{API}/public/projects", f"{API}/public/projects/{p.number}"):
        text = await (await client.get(url)).text()
        assert NAME not in text and PHONE not in text
        assert "欧***家水管维修" in text


async def test_a_unit_that_does_not_hold_the_project_sees_the_text_masked(client, cast, db):
    need, p = await _project_with_a_telling_title(db, cast)
    r = await client.get(f"{API}/projects/{p.id}", headers=cast.headers["unit_x"])
    assert r.status == 200
    text = await r.text()
    assert NAME not in text and PHONE not in text
    body = await r.json()
    shown = body["needs"][0]
    assert (shown["lat"], shown["lon"]) == (36.183, 111.625)  # about 100 m, not the door
    # the community's secretary, who must act on it, still sees everything
    full = await (await client.get(f"{API}/needs/{need.id}", headers=cast.headers["sec_a"])).json()
    assert full["requester_phone"] == PHONE and NAME in full["title"] and full["lat"] == 36.1834567


async def test_public_board_keeps_our_own_numbers_in_titles(client, cast, db):
    need = await make_need(db, cast.world, requester_name=NAME, requester_phone=PHONE)
    title = f"合并{need.number}和XQ0000270：社区141099001001于2024-03-15报修，预算1280元，电话0351-2345678"
    p = await projects.create_project(db, ProjectIn(
        need_ids=[need.id], title=title, category_code=CATEGORY, community_code=cast.a,
        estimated_hours=Decimal("2")), SECRETARY)
    await projects.publish_project(db, p.id, SECRETARY)
    shown = (await (await client.get(f"{API}/public/projects/{p.number}")).json())["title"]
    assert shown == title.replace("0351-2345678", "035****5678")
