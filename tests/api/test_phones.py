"""Every door a phone number comes in by checks it the same way: the public form, the staff's need
entry and a unit's contact."""

from __future__ import annotations

from tests.factories import CATEGORY

API = "/api/v1"


def _need(cast, phone: str, **extra) -> dict:
    return {"title": "楼道灯坏了", "category_code": CATEGORY, "community_code": cast.a,
            "requester_name": "刘一", "requester_phone": phone, **extra}


async def _refused_phone(r, field: str) -> str:
    body = await r.json()
    assert r.status == 422, body
    [err] = [e for e in body["error"]["details"]["errors"] if e["loc"][-1] == field]
    return err["msg"]


async def test_the_public_need_api_takes_only_mobile_numbers(client, cast, db):
    for phone in ("12345", "1381234567"):
        r = await client.post(f"{API}/public/needs", json=_need(cast, phone))
        assert "请填写 11 位手机号码" in await _refused_phone(r, "requester_phone")
    r = await client.post(f"{API}/public/needs", json=_need(cast, "+86 139-1234-0077"))
    assert r.status == 201, await r.text()
    assert await db.fetchval("SELECT requester_phone FROM needs") == "13912340077"


async def test_a_grid_worker_enters_a_need_with_a_mobile_number_only(client, cast, db):
    h = cast.headers["grid_a"]
    extra = {"grid_code": cast.world.grids[cast.a][0], "source_channel": "grid_worker"}
    r = await client.post(f"{API}/needs", headers=h, json=_need(cast, "0351-2345678", **extra))
    assert "不能填写固定电话" in await _refused_phone(r, "requester_phone")
    r = await client.post(f"{API}/needs", headers=h, json=_need(cast, "12345", **extra))
    assert "请填写 11 位手机号码" in await _refused_phone(r, "requester_phone")
    assert await db.fetchval("SELECT count(*) FROM needs") == 0


async def test_a_units_contact_may_be_a_landline(client, cast, db):
    h = cast.headers["alliance"]
    body = dict(name="汾河县民政局", unit_type="department", contact_name="周八", home_area=cast.world.street,
                active_cap=2)
    r = await client.put(f"{API}/units/{cast.unit_x.id}", headers=h, json={**body, "contact_phone": "12345"})
    assert "请填写 11 位手机号码或带区号的固定电话" in await _refused_phone(r, "contact_phone")
    r = await client.put(f"{API}/units/{cast.unit_x.id}", headers=h, json={**body, "contact_phone": "0351 2345678"})
    assert r.status == 200, await r.text()
    assert await db.fetchval("SELECT contact_phone FROM units WHERE id = $1", cast.unit_x.id) == "0351-2345678"
