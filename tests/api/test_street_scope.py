"""A street administrator manages what is homed in their street; the alliance's, the whole county.

Units are homed in a community or a street (their street is then that one), or county-wide (in
no street: only the alliance administrator manages them). For each action on a unit and its
resources, the street's own administrator may, the other street's may not (403 where it may read
the thing, 404 where it may not even see it), and the alliance administrator may everywhere. The
pages call the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from catalog.enums import Role, UnitStatus
from catalog.lists import directory
from catalog.models import Unit, UnitIn
from tests.api.conftest import login, make_account
from tests.factories import ADMIN, CATEGORY, make_resource, make_unit, make_world, snapshot
from tests.web.conftest import csrf_of, sign_in

API = "/api/v1"


@dataclass
class Streets:
    near: Unit  # homed in a community of the cast's street
    far: Unit  # homed in another street
    county: Unit  # homed county-wide
    far_street: str
    far_community: str


@pytest.fixture
async def streets(cast, db) -> Streets:
    other = await make_world(db, communities=1, grids=1)
    near = await directory.create_unit(db, UnitIn(
        name="迎泽社区志愿队", unit_type="volunteer_team", contact_name="王近", contact_phone="13700000001",
        home_area=cast.a), ADMIN)
    far = await make_unit(db, other, name="远方家电维修协会")
    county = await directory.create_unit(db, UnitIn(
        name="县民政局", unit_type="department", contact_name="赵县", contact_phone="13700000003",
        home_area=cast.world.district), ADMIN)
    await make_account(db, "street-far", Role.STREET_ADMIN, street_code=other.street)
    return Streets(near, far, county, other.street, other.community)


@pytest.fixture
async def far_admin(client, cast, streets) -> dict[str, str]:
    """The headers of the other street's administrator."""
    return await login(client, "street-far")


def _unit_body(unit: Unit, **overrides) -> dict:
    body = dict(name=unit.name, unit_type=unit.unit_type.value, contact_name=unit.contact_name,
                contact_phone=unit.contact_phone, home_area=unit.home_area, active_cap=unit.active_cap + 1)
    body.update(overrides)
    return body


async def _error(r) -> tuple[int, str]:
    return r.status, (await r.json())["error"]["code"]


# --- per action: the street's own admin may, another street's may not, the alliance's may -------


async def test_edit_a_unit(client, cast, db, streets, far_admin):
    street, alliance = cast.headers["street"], cast.headers["alliance"]
    r = await client.put(f"{API}/units/{streets.near.id}", headers=street, json=_unit_body(streets.near))
    assert r.status == 200, await r.text()
    before = await snapshot(db)
    for unit in (streets.far, streets.county):
        r = await client.put(f"{API}/units/{unit.id}", headers=street, json=_unit_body(unit))
        assert await _error(r) == (403, "out_of_scope"), await r.text()
        assert "本街道" in (await r.json())["error"]["message"]
    # nor may it move its own unit to another street, or make it county-wide
    for home in (streets.far_community, streets.far_street, cast.world.district):
        r = await client.put(f"{API}/units/{streets.near.id}", headers=street,
                             json=_unit_body(streets.near, home_area=home))
        assert await _error(r) == (403, "out_of_scope"), home
    assert await snapshot(db) == before
    # the other street's administrator edits its own; the alliance's edits everything, anywhere
    r = await client.put(f"{API}/units/{streets.far.id}", headers=far_admin, json=_unit_body(streets.far))
    assert r.status == 200
    for unit, home in ((streets.far, cast.a), (streets.county, cast.world.district)):
        r = await client.put(f"{API}/units/{unit.id}", headers=alliance, json=_unit_body(unit, home_area=home))
        assert r.status == 200, await r.text()


async def test_create_a_unit(client, cast, streets):
    street = cast.headers["street"]
    body = dict(name="新单位", unit_type="enterprise", contact_name="钱七", contact_phone="13600000000")
    for home in (streets.far_community, cast.world.district):
        r = await client.post(f"{API}/units", headers=street, json={**body, "home_area": home})
        assert await _error(r) == (403, "out_of_scope")
    r = await client.post(f"{API}/units", headers=street, json={**body, "home_area": cast.b})
    assert r.status == 201
    r = await client.post(f"{API}/units", headers=cast.headers["alliance"],
                          json={**body, "name": "县级新单位", "home_area": cast.world.district})
    assert r.status == 201


@pytest.mark.parametrize("step", ["suspend", "reinstate"])
async def test_suspend_and_reinstate(client, cast, db, streets, far_admin, step):
    street, alliance = cast.headers["street"], cast.headers["alliance"]
    if step == "reinstate":
        for unit in (streets.near, streets.far, streets.county):
            await directory.set_unit_status(db, unit.id, UnitStatus.SUSPENDED, ADMIN)
    before = await snapshot(db)
    for unit in (streets.far, streets.county):
        r = await client.post(f"{API}/units/{unit.id}/{step}", headers=street, json={})
        assert await _error(r) == (403, "out_of_scope")
    assert await snapshot(db) == before
    r = await client.post(f"{API}/units/{streets.near.id}/{step}", headers=street, json={})
    assert r.status == 200
    r = await client.post(f"{API}/units/{streets.far.id}/{step}", headers=far_admin, json={})
    assert r.status == 200
    r = await client.post(f"{API}/units/{streets.county.id}/{step}", headers=alliance, json={})
    assert r.status == 200


async def test_publish_a_resource(client, cast, db, streets, far_admin):
    street, alliance = cast.headers["street"], cast.headers["alliance"]
    near, far, county = [await make_resource(db, u, cast.world, publish=False)
                         for u in (streets.near, streets.far, streets.county)]
    before = await snapshot(db)
    for res in (far, county):  # waiting for review elsewhere: not there for this street
        r = await client.post(f"{API}/resources/{res.id}/publish", headers=street)
        assert await _error(r) == (404, "resource_not_found")
        r = await client.post(f"{API}/resources/{res.id}/relist", headers=street)
        assert await _error(r) == (404, "resource_not_found")
        assert (await client.get(f"{API}/resources/{res.id}", headers=street)).status == 404
    assert await snapshot(db) == before
    # its review queue holds only its own street's
    page = await (await client.get(f"{API}/resources", params={"status": "pending"}, headers=street)).json()
    assert {r["id"] for r in page["items"]} == {near.id}
    page = await (await client.get(f"{API}/resources", params={"status": "pending"}, headers=alliance)).json()
    assert {r["id"] for r in page["items"]} == {near.id, far.id, county.id}
    assert (await client.post(f"{API}/resources/{near.id}/publish", headers=street)).status == 200
    assert (await client.post(f"{API}/resources/{far.id}/publish", headers=far_admin)).status == 200
    assert (await client.post(f"{API}/resources/{county.id}/publish", headers=alliance)).status == 200


async def test_take_down_or_add_a_resource(client, cast, db, streets):
    street, alliance = cast.headers["street"], cast.headers["alliance"]
    far = await make_resource(db, streets.far, cast.world)  # published: anyone reads it
    r = await client.post(f"{API}/resources/{far.id}/delist", headers=street, json={})
    assert await _error(r) == (403, "out_of_scope")
    body = {"unit_id": streets.far.id, "title": "上门维修", "category_code": CATEGORY, "capacity_projects": 2,
            "area_communities": [cast.a], "mode": "home"}
    r = await client.post(f"{API}/resources", headers=street, json=body)
    assert await _error(r) == (403, "out_of_scope")
    r = await client.post(f"{API}/resources", headers=street, json={**body, "unit_id": streets.near.id})
    assert r.status == 201
    assert (await client.post(f"{API}/resources/{far.id}/delist", headers=alliance, json={})).status == 200


@pytest.mark.parametrize("what", ["credit/ledger", "assignments", "suggestions"])
async def test_a_units_ledger_and_work(client, cast, streets, far_admin, what):
    street, alliance = cast.headers["street"], cast.headers["alliance"]
    for unit in (streets.far, streets.county):
        r = await client.get(f"{API}/units/{unit.id}/{what}", headers=street)
        assert await _error(r) == (403, "out_of_scope"), what
    assert (await client.get(f"{API}/units/{streets.near.id}/{what}", headers=street)).status == 200
    assert (await client.get(f"{API}/units/{streets.far.id}/{what}", headers=far_admin)).status == 200
    for unit in (streets.near, streets.far, streets.county):
        assert (await client.get(f"{API}/units/{unit.id}/{what}", headers=alliance)).status == 200


async def test_contacts_in_full_only_for_the_units_street_and_the_alliance(client, cast, streets, far_admin):
    street, alliance = cast.headers["street"], cast.headers["alliance"]

    async def seen(headers, unit: Unit) -> tuple[str, str]:
        body = await (await client.get(f"{API}/units/{unit.id}", headers=headers)).json()
        return body["personal_data"], body["contact_phone"]

    assert await seen(street, streets.near) == ("full", "13700000001")
    assert await seen(street, streets.far) == ("masked", "138****0000")
    assert await seen(street, streets.county) == ("masked", "137****0003")
    assert await seen(far_admin, streets.far) == ("full", "13800000000")
    for unit in (streets.near, streets.far, streets.county):
        assert (await seen(alliance, unit))[0] == "full"
    listed = {u["id"]: u for u in (await (await client.get(f"{API}/units", params={"limit": 100},
                                                           headers=street)).json())["items"]}
    assert listed[streets.far.id]["contact_phone"] == "138****0000"
    assert listed[streets.near.id]["contact_phone"] == "13700000001"


async def test_the_management_list_holds_the_streets_own_units(client, cast, streets, far_admin):
    def ids(page):
        return {u["id"] for u in page["items"]}

    mine = ids(await (await client.get(f"{API}/admin/units", headers=cast.headers["street"])).json())
    assert mine == {cast.unit_x.id, cast.unit_y.id, streets.near.id}
    theirs = ids(await (await client.get(f"{API}/admin/units", headers=far_admin)).json())
    assert theirs == {streets.far.id}
    everyone = ids(await (await client.get(f"{API}/admin/units", headers=cast.headers["alliance"])).json())
    assert everyone == {cast.unit_x.id, cast.unit_y.id, streets.near.id, streets.far.id, streets.county.id}


# --- the pages call the same rules ---------------------------------------------------------------


async def test_the_admin_pages_keep_to_the_street(client, cast, db, streets):
    far_res = await make_resource(db, streets.far, cast.world, publish=False)
    await sign_in(client, "street")
    page = await (await client.get("/admin/units")).text()
    assert streets.near.name in page and streets.far.name not in page and streets.county.name not in page
    review = await (await client.get("/admin/resources")).text()
    token = csrf_of(review)
    assert f"/admin/resources/{far_res.id}/publish" not in review
    before = await snapshot(db)
    r = await client.post(f"/admin/resources/{far_res.id}/publish", data={"_csrf": token}, allow_redirects=False)
    assert r.status == 404
    for step in ("suspend", "reinstate"):
        r = await client.post(f"/admin/units/{streets.far.id}/{step}", data={"_csrf": token}, allow_redirects=False)
        assert r.status == 403 and "本街道" in await r.text(), step
    r = await client.get(f"/admin/units/{streets.far.id}")
    assert r.status == 403 and "本街道" in await r.text()
    form = await (await client.get("/admin/units/new")).text()  # homes on offer: its street's only
    assert f'value="{cast.a}"' in form and f'value="{cast.world.street}"' in form
    assert f'value="{streets.far_community}"' not in form and f'value="{cast.world.district}"' not in form
    assert await snapshot(db) == before
    # the alliance administrator's pages reach every unit
    await sign_in(client, "alliance")
    assert (await client.get(f"/admin/units/{streets.far.id}")).status == 200
    assert streets.county.name in await (await client.get("/admin/units")).text()
