"""需求 lifecycle: every action tried from every status, as the transition table says.

An allowed step lands in the new status and leaves a history row saying who did it and why; a
forbidden one is refused with a reason code and changes nothing at all.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.enums import NEED_TRANSITIONS, NeedStatus, RejectReason
from catalog.errors import Conflict
from catalog.lists import needs, projects
from catalog.models import ProjectIn, RejectIn
from tests.factories import CATEGORY, GRID_WORKER, SECRETARY, make_need, make_world, snapshot

TARGET = {
    "accept": NeedStatus.ACCEPTED,
    "reject": NeedStatus.REJECTED,
    "withdraw": NeedStatus.WITHDRAWN,
    "merge": NeedStatus.MERGED,
}
REASON = {"accept": None, "reject": "duplicate", "withdraw": "withdrawn", "merge": None}
ACTOR = {"accept": SECRETARY, "reject": SECRETARY, "withdraw": GRID_WORKER, "merge": SECRETARY}


async def _need_at(db, world, status: NeedStatus):
    need = await make_need(db, world, accept=False)
    if status is NeedStatus.PENDING:
        return need
    if status is NeedStatus.REJECTED:
        return await needs.reject_need(db, need.id, RejectIn(reason=RejectReason.DUPLICATE), SECRETARY)
    if status is NeedStatus.WITHDRAWN:
        return await needs.withdraw_need(db, need.id, GRID_WORKER)
    need = await needs.accept_need(db, need.id, SECRETARY)
    if status is NeedStatus.MERGED:
        await _merge(db, world, need.id)
        need = await needs.get_need(db, need.id)
    return need


async def _merge(db, world, need_id: int):
    return await projects.create_project(
        db,
        ProjectIn(need_ids=[need_id], title="合并项目", category_code=CATEGORY,
                  community_code=world.community, estimated_hours=Decimal("1.0")),
        SECRETARY,
    )


async def _do(db, world, action: str, need_id: int):
    if action == "accept":
        return await needs.accept_need(db, need_id, SECRETARY)
    if action == "reject":
        return await needs.reject_need(db, need_id, RejectIn(reason=RejectReason.DUPLICATE), SECRETARY)
    if action == "withdraw":
        return await needs.withdraw_need(db, need_id, GRID_WORKER)
    await _merge(db, world, need_id)
    return await needs.get_need(db, need_id)


CASES = [(s, a) for s in NeedStatus for a in NEED_TRANSITIONS]


def test_every_action_has_a_target_and_every_status_is_covered():
    assert set(TARGET) == set(NEED_TRANSITIONS)
    assert {s for s, _ in CASES} == set(NeedStatus)


@pytest.mark.parametrize(("status", "action"), CASES, ids=[f"{s.value}-{a}" for s, a in CASES])
async def test_need_transition(db, status, action):
    world = await make_world(db, communities=1, grids=1)
    need = await _need_at(db, world, status)
    assert need.status is status

    if status in NEED_TRANSITIONS[action]:
        after = await _do(db, world, action, need.id)
        assert after.status is TARGET[action]
        last = await db.fetchrow(
            "SELECT * FROM history WHERE entity = 'need' AND entity_id = $1 ORDER BY id DESC LIMIT 1", str(need.id)
        )
        assert (last["from_status"], last["to_status"]) == (status.value, TARGET[action].value)
        assert last["actor"] == str(ACTOR[action])
        assert last["reason_code"] == REASON[action]
        if action == "merge":
            assert after.project_id is not None
        if action == "reject":
            assert after.status_reason == "duplicate"
        return

    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await _do(db, world, action, need.id)
    # Merging is the project-making command: it names the needs it could not take.
    expected = "need_not_mergeable" if action == "merge" else "illegal_transition"
    assert err.value.code == expected
    assert await snapshot(db) == before


async def test_merge_is_all_or_nothing(db):
    """One need that cannot be merged keeps the others (and the project) from being written."""
    world = await make_world(db, communities=2, grids=1)
    good = await make_need(db, world)
    pending = await make_need(db, world, accept=False)
    elsewhere = await make_need(db, world, community_code=world.communities[1],
                                grid_code=world.grids[world.communities[1]][0])
    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await projects.create_project(
            db,
            ProjectIn(need_ids=[good.id, pending.id, elsewhere.id], title="合并", category_code=CATEGORY,
                      community_code=world.community, estimated_hours=Decimal("1.0")),
            SECRETARY,
        )
    assert err.value.code == "need_not_mergeable"
    assert err.value.details["need_ids"] == sorted([pending.id, elsewhere.id])
    assert await snapshot(db) == before


async def test_submission_is_recorded_as_pending_by_its_recorder(db):
    world = await make_world(db, communities=1, grids=1)
    need = await make_need(db, world, accept=False)
    rows = await db.fetch("SELECT * FROM history WHERE entity = 'need' AND entity_id = $1", str(need.id))
    assert [(r["from_status"], r["to_status"], r["actor"]) for r in rows] == [(None, "pending", str(GRID_WORKER))]
    assert need.number == f"XQ{need.id:07d}"
