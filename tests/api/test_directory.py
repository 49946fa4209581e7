"""Only the alliance administrator maintains areas and categories; the public lists follow at once."""

import pytest

API = "/api/v1"


async def test_alliance_admin_adds_a_category_and_the_cached_list_shows_it(client, cast):
    before = await (await client.get(f"{API}/categories")).json()  # now cached
    assert "public.meals" not in {c["code"] for c in before}
    r = await client.post(f"{API}/categories", headers=cast.headers["alliance"],
                          json={"code": "public.meals", "name": "老年助餐", "parent_code": "public"})
    assert r.status == 201 and (await r.json())["level"] == 2
    after = await (await client.get(f"{API}/categories")).json()
    assert "public.meals" in {c["code"] for c in after}


async def test_retired_category_leaves_the_list_and_cannot_be_retired_twice(client, cast):
    h = cast.headers["alliance"]
    assert (await client.post(f"{API}/categories/culture.reading/retire", headers=h)).status == 200
    listed = await (await client.get(f"{API}/categories")).json()
    assert "culture.reading" not in {c["code"] for c in listed}
    again = await client.post(f"{API}/categories/culture.reading/retire", headers=h)
    assert again.status == 409 and (await again.json())["error"]["code"] == "category_retired"
    missing = await client.post(f"{API}/categories/culture.nothing/retire", headers=h)
    assert missing.status == 404


async def test_alliance_admin_adds_a_grid_to_a_community(client, cast):
    r = await client.post(f"{API}/areas", headers=cast.headers["alliance"],
                          json={"code": "G-NEW", "level": "grid", "name": "新建网格", "parent_code": cast.a})
    assert r.status == 201
    areas = await (await client.get(f"{API}/areas")).json()
    assert "G-NEW" in {a["code"] for a in areas}
    bad = await client.post(f"{API}/areas", headers=cast.headers["alliance"],
                            json={"code": "G-BAD", "level": "grid", "name": "错层网格",
                                  "parent_code": cast.world.street})
    assert bad.status == 422 and (await bad.json())["error"]["code"] == "bad_parent_area"


@pytest.mark.parametrize("who", ["sec_a", "grid_a", "street", "unit_x", "batch"])
async def test_nobody_else_edits_the_directory(client, cast, who):
    h = cast.headers[who]
    for path, body in [("/categories", {"code": "public.x1", "name": "某类", "parent_code": "public"}),
                       ("/areas", {"code": "G-X", "level": "grid", "name": "某网格", "parent_code": cast.a}),
                       ("/categories/public.repair/retire", None)]:
        r = (await client.post(f"{API}{path}", headers=h, json=body) if body
             else await client.post(f"{API}{path}", headers=h))
        assert r.status == 403, (who, path, r.status)
    codes = {c["code"] for c in await (await client.get(f"{API}/categories")).json()}
    assert "public.repair" in codes and "public.x1" not in codes
