"""项目 lifecycle: every command tried from every status, as PROJECT_TRANSITIONS says.

Each project is walked to its status by the real commands (tests/factories.py). An allowed step
lands in the table's target and appends history with from, to, actor and reason; a forbidden one
raises a Conflict with a reason code and leaves every table exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from catalog.enums import (
    PROJECT_TRANSITIONS,
    AssignmentStatus,
    DeclineReason,
    DispatchMode,
    Outcome,
    ProjectStatus,
)
from catalog.errors import Conflict, DomainError, Forbidden
from catalog.lists import closing, projects, work
from catalog.models import ClosingIn, CompletionIn, ReasonIn
from catalog.oversight import credit
from tests.factories import SECRETARY, make_project, make_unit, make_world, snapshot, unit_actor

PS = ProjectStatus
RESIDENT = "resident:link"
CLOSING = ClosingIn(outcome=Outcome.SOLVED, score=5)
DONE = CompletionIn(note="已完成", beneficiaries_served=3, hours_spent=Decimal("2.5"))
GIVE_BACK = ReasonIn(reason=DeclineReason.SCHEDULE_CONFLICT)


async def act(db, built, spare, command: str):
    """Run ``command`` on the built project; return (actor, reason) expected in its history.

    ``spare`` is a second unit, made beforehand: it claims or is offered the project, and acts as
    the unit on projects nobody holds yet.
    """
    pid = built.id
    if command == "publish":
        await projects.publish_project(db, pid, SECRETARY)
        return SECRETARY, None
    if command == "claim":
        await work.claim_project(db, pid, spare.id, unit_actor(spare.id))
        return unit_actor(spare.id), None
    if command == "offer":
        await work.direct_project(db, pid, spare.id, SECRETARY)
        return SECRETARY, None
    if command == "confirm_claim":
        await work.confirm_claim(db, pid, SECRETARY)
        return SECRETARY, None
    unit = built.unit or spare
    me = unit_actor(unit.id)
    if command == "accept_offer":
        await work.accept_offer(db, pid, unit.id, me)
        return me, None
    if command == "reopen":
        # the way back to 已发布 that fits: the claiming unit lets go, or the secretary takes an offer back
        if built.project.status is PS.DISPATCHED:
            await work.withdraw_offer(db, pid, SECRETARY)
            return SECRETARY, "offer_withdrawn"
        await work.release_claim(db, pid, unit.id, me)
        return me, "released_by_unit"
    if command == "start":
        await work.start_project(db, pid, unit.id, me)
        return me, None
    if command == "give_back":
        await work.give_back(db, pid, unit.id, GIVE_BACK, me)
        return me, "returned_by_unit"
    if command == "complete":
        await closing.complete_project(db, pid, unit.id, DONE, me)
        return me, None
    if command == "close_by_resident":
        # Without a link (work never reported done) the resident has nothing to close with.
        await closing.close_by_resident(db, built.token or "forged-" + "x" * 36, CLOSING)
        return RESIDENT, "score_5"
    if command == "cancel":
        await projects.cancel_project(db, pid, SECRETARY, "no_longer_needed")
        return SECRETARY, "no_longer_needed"
    raise AssertionError(command)


# command → the table entries it walks, in order (the resident closes and rates in one go)
COMMANDS = {
    "publish": ("publish",), "claim": ("claim",), "offer": ("offer",), "confirm_claim": ("confirm_claim",),
    "accept_offer": ("accept_offer",), "reopen": ("reopen",), "start": ("start",),
    "give_back": ("give_back",), "complete": ("complete",), "close_by_resident": ("close", "rate"),
    "cancel": ("cancel",),
}
TARGET = {
    "publish": PS.PUBLISHED, "claim": PS.CLAIMING, "offer": PS.DISPATCHED, "confirm_claim": PS.ACCEPTED,
    "accept_offer": PS.ACCEPTED, "reopen": PS.PUBLISHED, "start": PS.IN_PROGRESS, "give_back": PS.PUBLISHED,
    "complete": PS.AWAITING_CLOSE, "close": PS.CLOSED, "rate": PS.RATED, "cancel": PS.CANCELLED,
}
# Refusals with a more precise code than illegal_transition, on purpose:
TAKEN = {PS.CLAIMING, PS.DISPATCHED, PS.ACCEPTED, PS.IN_PROGRESS}
NO_LINK = {PS.DRAFT, PS.PUBLISHED, PS.CLAIMING, PS.DISPATCHED, PS.ACCEPTED, PS.IN_PROGRESS, PS.CANCELLED}


def refusal(command: str, status: ProjectStatus) -> tuple[type[DomainError], str]:
    if command == "claim" and status in TAKEN:
        return Conflict, "already_taken"  # a losing claimer learns someone has it
    if command == "close_by_resident" and status in NO_LINK:
        return Forbidden, "token_invalid"  # no closing link was ever issued
    if command == "close_by_resident" and status is PS.RATED:
        return Conflict, "token_used"
    return Conflict, "illegal_transition"


def allowed(command: str, status: ProjectStatus) -> bool:
    return status in PROJECT_TRANSITIONS[COMMANDS[command][0]]


def test_commands_cover_the_table():
    assert {step for steps in COMMANDS.values() for step in steps} == set(PROJECT_TRANSITIONS)
    assert set(TARGET) == set(PROJECT_TRANSITIONS)


CASES = [(s, c) for s in PS for c in COMMANDS]


@pytest.mark.parametrize(("status", "command"), CASES, ids=[f"{s.value}-{c}" for s, c in CASES])
async def test_project_transition(db, status, command):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, status)
    spare = await make_unit(db, world)
    mark = await db.fetchval("SELECT coalesce(max(id), 0) FROM history")

    if allowed(command, status):
        actor, reason = await act(db, built, spare, command)
        steps = COMMANDS[command]
        after = await projects.get_project(db, built.id)
        assert after.status is TARGET[steps[-1]]
        rows = await db.fetch(
            "SELECT * FROM history WHERE entity = 'project' AND entity_id = $1 AND id > $2 ORDER BY id",
            str(built.id), mark,
        )
        chain = [status.value] + [TARGET[s].value for s in steps]
        assert [(r["from_status"], r["to_status"]) for r in rows] == list(zip(chain[:-1], chain[1:], strict=True))
        assert {r["actor"] for r in rows} == {str(actor)}
        assert rows[-1]["reason_code"] == reason
        return

    cls, code = refusal(command, status)
    before = await snapshot(db)
    with pytest.raises(cls) as err:
        await act(db, built, spare, command)
    assert err.value.code == code
    if code == "illegal_transition":
        assert err.value.details["status"] == status.value
    assert await snapshot(db) == before


# --- the other roads back to 已发布, and what they leave behind -------------------------------


async def _assignment(db, project_id):
    return (await projects.assignments_of(db, project_id))[-1]


async def test_secretary_rejects_a_claim(db):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.CLAIMING)
    p = await work.reject_claim(db, built.id, SECRETARY, note="资质不符")
    assert p.status is PS.PUBLISHED and p.status_reason == "claim_rejected"
    a = await _assignment(db, built.id)
    assert (a.status, a.reason_code, a.note) == (AssignmentStatus.WITHDRAWN, "claim_rejected", "资质不符")
    # another unit may now claim it
    other = await make_unit(db, world)
    await work.claim_project(db, built.id, other.id, unit_actor(other.id))


async def test_unit_declines_an_offer_with_a_reason_and_keeps_its_credit(db):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.DISPATCHED)
    p = await work.decline_offer(db, built.id, built.unit.id, ReasonIn(reason=DeclineReason.OUT_OF_AREA),
                                 unit_actor(built.unit.id))
    assert p.status is PS.PUBLISHED and p.status_reason == "out_of_area"
    a = await _assignment(db, built.id)
    assert (a.status, a.reason_code) == (AssignmentStatus.DECLINED, "out_of_area")
    kinds = [r["kind"] for r in await db.fetch("SELECT kind FROM credit_events WHERE unit_id = $1", built.unit.id)]
    assert sorted(kinds) == ["answered_in_time", "declined_with_reason"]
    assert (await credit.score(db, built.unit.id)).response_rate == 1.0


async def test_decline_with_other_needs_a_note(db):
    with pytest.raises(ValueError):
        ReasonIn(reason=DeclineReason.OTHER)


@pytest.mark.parametrize("status", [PS.CLAIMING, PS.DISPATCHED])
async def test_unanswered_claim_or_offer_expires_and_the_project_reopens(db, status):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, status)
    # nothing is due yet
    assert await work.expire_pending(db, now=dt.datetime.now(dt.UTC)) == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    assert await work.expire_pending(db, now=later) == 1
    p = await projects.get_project(db, built.id)
    assert (p.status, p.status_reason) == (PS.PUBLISHED, "ttl_expired")
    a = await _assignment(db, built.id)
    assert a.status is AssignmentStatus.EXPIRED
    h = await projects.history_of(db, "project", built.id)
    assert (h[-1].from_status, h[-1].to_status, h[-1].actor, h[-1].reason_code) == (
        status.value, "published", "system:sweep", "ttl_expired")
    expired = await db.fetchval(
        "SELECT count(*) FROM credit_events WHERE unit_id = $1 AND kind = 'offer_expired'", built.unit.id)
    # an unanswered offer is the unit's fault; an unconfirmed claim is the community's
    assert expired == (1 if status is PS.DISPATCHED else 0)
    assert await work.expire_pending(db, now=later) == 0


async def test_give_back_frees_the_project_for_another_unit(db):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.IN_PROGRESS)
    await work.give_back(db, built.id, built.unit.id, GIVE_BACK, unit_actor(built.unit.id))
    p = await projects.get_project(db, built.id)
    assert p.status is PS.PUBLISHED and p.accepted_at is None
    assert (await _assignment(db, built.id)).status is AssignmentStatus.RETURNED
    assert await db.fetchval(
        "SELECT count(*) FROM credit_events WHERE unit_id = $1 AND kind = 'returned'", built.unit.id) == 1
    other = await make_unit(db, world)
    await work.claim_project(db, built.id, other.id, unit_actor(other.id))


async def test_cancel_ends_the_live_claim_too(db):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.ACCEPTED)
    await projects.cancel_project(db, built.id, SECRETARY, "resident_moved")
    a = await _assignment(db, built.id)
    assert (a.status, a.reason_code) == (AssignmentStatus.CANCELLED, "project_cancelled")
    # the unit's slot is free again: nothing of it is live
    assert await db.fetchval(
        "SELECT count(*) FROM assignments WHERE unit_id = $1 AND status IN ('pending', 'active')", built.unit.id) == 0


async def test_cancel_needs_a_reason(db):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.PUBLISHED)
    before = await snapshot(db)
    with pytest.raises(DomainError) as err:
        await projects.cancel_project(db, built.id, SECRETARY, "")
    assert err.value.code == "reason_required"
    assert await snapshot(db) == before


async def test_directed_road_to_rated(db):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.RATED, via=DispatchMode.DIRECTED)
    seen = [(h.from_status, h.to_status) for h in await projects.history_of(db, "project", built.id)]
    assert seen == [(None, "draft"), ("draft", "published"), ("published", "dispatched"),
                    ("dispatched", "accepted"), ("accepted", "in_progress"), ("in_progress", "awaiting_close"),
                    ("awaiting_close", "closed"), ("closed", "rated")]
    assert (await _assignment(db, built.id)).status is AssignmentStatus.COMPLETED


async def test_only_the_owner_may_work_on_a_project(db):
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.ACCEPTED)
    stranger = await make_unit(db, world)
    before = await snapshot(db)
    for attempt in (
        work.start_project(db, built.id, stranger.id, unit_actor(stranger.id)),
        work.give_back(db, built.id, stranger.id, GIVE_BACK, unit_actor(stranger.id)),
    ):
        with pytest.raises(Forbidden) as err:
            await attempt
        assert err.value.code == "not_owner"
    assert await snapshot(db) == before


async def test_claims_only_on_claim_mode_projects_before_the_deadline(db):
    world = await make_world(db, communities=1, grids=1)
    directed = await make_project(db, world, PS.PUBLISHED, via=DispatchMode.DIRECTED)
    unit = await make_unit(db, world)
    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await work.claim_project(db, directed.id, unit.id, unit_actor(unit.id))
    assert err.value.code == "not_open_for_claims"
    assert await snapshot(db) == before


async def test_first_progress_report_starts_the_work(db):
    from catalog.models import ProgressIn

    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.ACCEPTED)
    me = unit_actor(built.unit.id)
    await work.add_progress(db, built.id, built.unit.id, ProgressIn(body="已上门走访"), me)
    await work.add_progress(db, built.id, built.unit.id,
                            ProgressIn(body="第二次上门", photo_url="https://x.cn/1.jpg"), me)
    assert (await projects.get_project(db, built.id)).status is PS.IN_PROGRESS
    assert [e.body for e in await projects.progress_of(db, built.id)] == ["已上门走访", "第二次上门"]
    h = (await projects.history_of(db, "project", built.id))[-1]
    assert (h.from_status, h.to_status, h.note) == ("accepted", "in_progress", "first_progress")


async def test_no_offer_to_a_unit_at_its_cap(db):
    """An offer counts towards the unit's live work, so a full unit is refused up front."""
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world, cap=1)
    await make_project(db, world, ProjectStatus.ACCEPTED, unit=unit)
    second = await make_project(db, world, ProjectStatus.PUBLISHED, via=DispatchMode.DIRECTED)
    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await work.direct_project(db, second.project.id, unit.id, SECRETARY)
    assert err.value.code == "unit_cap_reached"
    assert await snapshot(db) == before


async def test_reassigning_an_offer_is_one_step_that_keeps_the_old_offer_when_the_new_one_fails(db):
    """改派: the unanswered offer goes back and the project goes to another unit at once; a new
    unit that cannot take it (full), or the same unit again, changes nothing at all."""
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.DISPATCHED)
    full = await make_unit(db, world, cap=1)
    await make_project(db, world, ProjectStatus.ACCEPTED, unit=full)
    before = await snapshot(db)
    for unit_id, code in ((full.id, "unit_cap_reached"), (built.unit.id, "same_unit")):
        with pytest.raises(Conflict) as err:
            await work.reassign_offer(db, built.id, unit_id, SECRETARY)
        assert err.value.code == code
        assert await snapshot(db) == before

    other = await make_unit(db, world)
    a = await work.reassign_offer(db, built.id, other.id, SECRETARY, note="原单位人手不足")
    assert (a.unit_id, a.status) == (other.id, AssignmentStatus.PENDING)
    rows = await projects.assignments_of(db, built.id)
    assert [(r.unit_id, r.status) for r in rows] == [(built.unit.id, AssignmentStatus.WITHDRAWN),
                                                     (other.id, AssignmentStatus.PENDING)]
    assert rows[0].note == "原单位人手不足"
    assert (await projects.get_project(db, built.id)).status is PS.DISPATCHED
    # nothing to reassign once the unit has accepted
    await work.accept_offer(db, built.id, other.id, unit_actor(other.id))
    with pytest.raises(DomainError):
        await work.reassign_offer(db, built.id, built.unit.id, SECRETARY)
