"""Admins add and retire categories; a retired one stays on old records but takes no new ones."""

import pytest

from catalog.enums import Role
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.lists import directory, needs, resources
from catalog.models import Actor, CategoryIn, NeedIn, ResourceIn
from tests.factories import make_unit, make_world, snapshot

ADMIN = Actor(role=Role.STREET_ADMIN, ref="admin")


def _need(world, category):
    return NeedIn(
        title="楼道灯坏了", category_code=category, community_code=world.communities[0],
        source_channel="grid_worker", requester_name="李阿姨", requester_phone="13800001111",
    )


async def test_added_subcategory_is_listed_and_usable(db):
    world = await make_world(db, communities=1, grids=1)
    cat = await directory.create_category(db, CategoryIn(code="public.meals", name="老年助餐", parent_code="public"),
                                          ADMIN)
    assert cat.level == 2
    assert "public.meals" in {c.code for c in await directory.list_categories(db)}
    need = await needs.submit_need(db, _need(world, "public.meals"), ADMIN)
    assert need.category_code == "public.meals"


async def test_retired_category_takes_no_new_needs_or_resources_but_keeps_old_ones(db):
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world)
    old = await needs.submit_need(db, _need(world, "public.repair"), ADMIN)
    await directory.retire_category(db, "public.repair", ADMIN)
    assert "public.repair" not in {c.code for c in await directory.list_categories(db)}
    assert "public.repair" in {c.code for c in await directory.list_categories(db, include_retired=True)}
    assert (await needs.get_need(db, old.id)).category_code == "public.repair"

    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await needs.submit_need(db, _need(world, "public.repair"), ADMIN)
    assert err.value.code == "category_retired"
    with pytest.raises(InvalidInput) as err:
        await resources.create_resource(db, ResourceIn(
            unit_id=unit.id, title="水电维修", category_code="public.repair", capacity_projects=2,
            area_communities=[world.communities[0]], mode="home"), ADMIN)
    assert err.value.code == "category_retired"
    assert await snapshot(db) == before


async def test_retiring_twice_or_an_unknown_category_is_refused(db):
    await directory.retire_category(db, "culture.reading", ADMIN)
    with pytest.raises(Conflict) as err:
        await directory.retire_category(db, "culture.reading", ADMIN)
    assert err.value.code == "category_retired"
    with pytest.raises(NotFound):
        await directory.retire_category(db, "culture.nothing", ADMIN)


async def test_categories_have_only_two_levels(db):
    with pytest.raises(InvalidInput) as err:
        await directory.create_category(
            db, CategoryIn(code="public.repair.pipes", name="管道", parent_code="public.repair"), ADMIN)
    assert err.value.code == "category_too_deep"
