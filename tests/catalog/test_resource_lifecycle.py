"""资源 lifecycle: 待审核 → 已发布 ⇄ 已下架, every action from every status."""

from __future__ import annotations

import pytest

from catalog.enums import RESOURCE_TRANSITIONS, ResourceStatus, UnitStatus
from catalog.errors import Conflict, NotFound
from catalog.lists import directory, resources
from tests.factories import ADMIN, make_resource, make_unit, make_world, snapshot

TARGET = {"publish": ResourceStatus.PUBLISHED, "delist": ResourceStatus.DELISTED}
DO = {"publish": resources.publish_resource, "delist": resources.delist_resource}


async def _resource_at(db, status: ResourceStatus):
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world)
    r = await make_resource(db, unit, world, publish=status is not ResourceStatus.PENDING)
    if status is ResourceStatus.DELISTED:
        r = await resources.delist_resource(db, r.id, ADMIN)
    return r


CASES = [(s, a) for s in ResourceStatus for a in RESOURCE_TRANSITIONS]


def test_table_is_covered():
    assert set(TARGET) == set(RESOURCE_TRANSITIONS)


@pytest.mark.parametrize(("status", "action"), CASES, ids=[f"{s.value}-{a}" for s, a in CASES])
async def test_resource_transition(db, status, action):
    r = await _resource_at(db, status)
    assert r.status is status
    if status in RESOURCE_TRANSITIONS[action]:
        after = await DO[action](db, r.id, ADMIN)
        assert after.status is TARGET[action]
        assert (await resources.get_resource(db, r.id)).status is TARGET[action]
        last = await db.fetchrow(
            "SELECT * FROM history WHERE entity = 'resource' AND entity_id = $1 ORDER BY id DESC LIMIT 1", str(r.id)
        )
        assert (last["from_status"], last["to_status"], last["actor"]) == (
            status.value, TARGET[action].value, str(ADMIN))
        return
    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await DO[action](db, r.id, ADMIN)
    assert err.value.code == "illegal_transition"
    assert err.value.details["status"] == status.value
    assert await snapshot(db) == before


async def test_missing_resource_is_not_found(db):
    with pytest.raises(NotFound) as err:
        await resources.publish_resource(db, 999_999, ADMIN)
    assert err.value.code == "resource_not_found"


async def test_suspended_unit_cannot_list_a_resource(db):
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world)
    await directory.set_unit_status(db, unit.id, UnitStatus.SUSPENDED, ADMIN)
    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await make_resource(db, unit, world, publish=False)
    assert err.value.code == "unit_suspended"
    assert await snapshot(db) == before
