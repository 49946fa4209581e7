"""On-time and late credit use the category's own time limits, the same ones the sweep colours by.

An administrator's override of 签收 or 办结 for a category (or for its parent) decides whether a
unit answered an offer in time and finished on time; without one the defaults of DOMAIN.md hold.
Times are moved back directly in the database: the commands read the database clock.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import scoped
from catalog.enums import DeclineReason, LimitStep, ProjectStatus, Role, Urgency
from catalog.lists import closing, work
from catalog.models import CompletionIn, Principal, ReasonIn
from catalog.oversight import supervision
from catalog.oversight.sweep import mark_time_limits
from tests.factories import CATEGORY, make_project, make_world, unit_actor

PS = ProjectStatus
ALLIANCE = Principal(username="alliance", display_name="", role=Role.STREET_ADMIN, community_code=None,
                     grid_code=None, street_code=None, unit_id=None, account_id=1, communities=None)
DONE = CompletionIn(note="已完成", beneficiaries_served=1, hours_spent=Decimal("2.0"))


async def _set_limit(db, category: str, step: LimitStep, hours: float) -> None:
    limit = {"step": step.value, "urgency": Urgency.NORMAL.value, "hours": hours}
    await scoped.set_time_limits(db, ALLIANCE, category, supervision.TimeLimitsIn(limits=[limit]))


async def _kinds(db, unit_id: int) -> list[str]:
    rows = await db.fetch("SELECT kind FROM credit_events WHERE unit_id = $1 ORDER BY id", unit_id)
    return [r["kind"] for r in rows]


async def _offered_hours_ago(db, hours: int):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.DISPATCHED)
    await db.execute("UPDATE assignments SET created_at = now() - make_interval(hours => $2) WHERE project_id = $1",
                     built.id, hours)
    return built


async def _accept(db, built) -> None:
    await work.accept_offer(db, built.id, built.unit.id, unit_actor(built.unit.id))


async def _decline(db, built) -> None:
    await work.decline_offer(db, built.id, built.unit.id, ReasonIn(reason=DeclineReason.SCHEDULE_CONFLICT),
                             unit_actor(built.unit.id))


# --- 签收 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [_accept, _decline])
async def test_an_answer_after_the_categorys_1h_ack_limit_is_late(db, answer):
    await _set_limit(db, CATEGORY, LimitStep.ACK, 1)
    built = await _offered_hours_ago(db, 2)  # in time by the 24 h default
    await answer(db, built)
    assert (await _kinds(db, built.unit.id))[-1] == "answered_late"


@pytest.mark.parametrize("answer", [_accept, _decline])
async def test_without_an_override_the_24h_default_holds_for_the_answer(db, answer):
    built = await _offered_hours_ago(db, 2)
    await answer(db, built)
    assert (await _kinds(db, built.unit.id))[-1] == "answered_in_time"


async def test_the_parents_ack_limit_holds_when_the_category_has_none(db):
    await _set_limit(db, CATEGORY.split(".")[0], LimitStep.ACK, 1)
    built = await _offered_hours_ago(db, 2)
    await _accept(db, built)
    assert await _kinds(db, built.unit.id) == ["answered_late"]


async def test_a_generous_override_makes_an_answer_in_time_that_the_default_calls_late(db):
    await _set_limit(db, CATEGORY, LimitStep.ACK, 72)
    built = await _offered_hours_ago(db, 48)  # late by the 24 h default
    await _accept(db, built)
    assert await _kinds(db, built.unit.id) == ["answered_in_time"]


async def test_credit_and_the_sweeps_colour_agree_on_the_offer(db):
    await _set_limit(db, CATEGORY, LimitStep.ACK, 1)
    built = await _offered_hours_ago(db, 2)
    await mark_time_limits(db)
    level = await db.fetchval("SELECT level FROM time_alerts WHERE subject = 'project' AND subject_id = $1", built.id)
    assert level == "red"  # the sweep found the offer overdue and charged the unit for it
    await _accept(db, built)
    assert await _kinds(db, built.unit.id) == ["overdue", "answered_late"]


# --- 办结 ----------------------------------------------------------------------------------------


async def _working_since(db, hours: int):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.IN_PROGRESS)
    await db.execute("UPDATE projects SET accepted_at = now() - make_interval(hours => $2) WHERE id = $1",
                     built.id, hours)
    return built


async def _complete(db, built) -> list[str]:
    await closing.complete_project(db, built.id, built.unit.id, DONE, unit_actor(built.unit.id))
    kinds = await _kinds(db, built.unit.id)
    return [k for k in kinds if k.startswith("finished_")]


async def test_finishing_after_the_categorys_1h_done_limit_is_late(db):
    await _set_limit(db, CATEGORY, LimitStep.DONE, 1)
    built = await _working_since(db, 2)  # on time by the 7-day default
    assert await _complete(db, built) == ["finished_late"]


async def test_without_an_override_the_7_day_default_holds_for_finishing(db):
    built = await _working_since(db, 2)
    assert await _complete(db, built) == ["finished_on_time"]


async def test_the_project_plans_end_still_beats_the_categorys_done_limit(db):
    await _set_limit(db, CATEGORY, LimitStep.DONE, 1)
    built = await _working_since(db, 2)
    await db.execute("UPDATE projects SET window_end = now() + interval '1 day' WHERE id = $1", built.id)
    assert await _complete(db, built) == ["finished_on_time"]


async def test_the_override_changes_nothing_for_another_urgency(db):
    # the override is for 一般 only; an urgent project keeps the 24 h default of 办结
    await _set_limit(db, CATEGORY, LimitStep.DONE, 1)
    built = await _working_since(db, 2)
    await db.execute("UPDATE projects SET urgency = 'urgent' WHERE id = $1", built.id)
    assert await _complete(db, built) == ["finished_on_time"]
