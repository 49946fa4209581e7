"""协办: helper units beside the lead on projects that need several units.

A team project here needs three units. Its lead is offered the project the way the batch job will
do it (a pending proposal), and helper proposals are written beside it in the same transaction
with the same query the commands use, so the tests see exactly the rows the batch writer makes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from catalog.enums import (
    AssignmentKind,
    AssignmentStatus,
    DeclineReason,
    DispatchMode,
    ProjectStatus,
    UnitStatus,
)
from catalog.errors import Conflict, DomainError, Forbidden, translated
from catalog.lists import closing, projects, team, work
from catalog.lists.directory import set_unit_status
from catalog.models import CompletionIn, ProjectIn, ReasonIn
from catalog.oversight import credit
from catalog.storage.sql import q
from tests.factories import (
    ADMIN,
    CATEGORY,
    SECRETARY,
    make_need,
    make_resource,
    make_unit,
    make_world,
    snapshot,
    unit_actor,
)

PS = ProjectStatus
AS = AssignmentStatus
BUSY = ReasonIn(reason=DeclineReason.SCHEDULE_CONFLICT)
DONE = CompletionIn(note="已完成", beneficiaries_served=20, hours_spent=Decimal("6.0"))
LATER = dt.timedelta(days=3)


async def team_project(db, world, *, units_required: int = 3, mode: DispatchMode = DispatchMode.OPTIMISE):
    """A published project that needs ``units_required`` units."""
    need = await make_need(db, world)
    p = await projects.create_project(
        db,
        ProjectIn(need_ids=[need.id], title="社区义诊", category_code=CATEGORY, community_code=world.community,
                  estimated_hours=Decimal("6.0"), dispatch_mode=mode, units_required=units_required),
        SECRETARY,
    )
    return await projects.publish_project(db, p.id, SECRETARY)


async def propose_team(db, project_id: int, lead_id: int, helper_ids: list[int]) -> None:
    """One pending lead proposal and pending helper proposals, in one transaction (as the batch job)."""
    async with db.acquire() as conn, conn.transaction():
        await work.direct_project(conn, project_id, lead_id, SECRETARY, kind=AssignmentKind.PROPOSAL)
        for u in helper_ids:
            await conn.fetchrow(q("assignment_insert"), project_id, u, None, "proposal", "helper", "pending",
                                "batch:1", 48 * 3600.0)


async def make_team(db, world, n_helpers: int = 2, **kw):
    p = await team_project(db, world, **kw)
    lead = await make_unit(db, world)
    hs = [await make_unit(db, world) for _ in range(n_helpers)]
    await propose_team(db, p.id, lead.id, [h.id for h in hs])
    return p, lead, hs


async def row(db, project_id: int, unit_id: int):
    return await db.fetchrow(
        "SELECT * FROM assignments WHERE project_id = $1 AND unit_id = $2 ORDER BY id DESC LIMIT 1",
        project_id, unit_id)


async def credits(db, unit_id: int) -> list[str]:
    return sorted(r["kind"] for r in await db.fetch("SELECT kind FROM credit_events WHERE unit_id = $1", unit_id))


async def last_history(db, assignment_id: int):
    return (await projects.history_of(db, "assignment", assignment_id))[-1]


async def refused(db, coro, code: str, cls=Conflict):
    """The step fails with ``code`` and leaves every table as it was."""
    before = await snapshot(db)
    with pytest.raises(cls) as err:
        await coro
    assert err.value.code == code, err.value
    assert await snapshot(db) == before
    return err.value


# --- the happy path ----------------------------------------------------------------------------


async def test_a_team_forms_works_and_finishes_together(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, (a, b) = await make_team(db, world)

    # a helper may answer before the lead: the project waits for its lead all the same
    got = await team.accept_helper(db, p.id, a.id, unit_actor(a.id))
    assert (got.role, got.status) == ("helper", AS.ACTIVE)
    assert (await projects.get_project(db, p.id)).status is PS.DISPATCHED
    h = await last_history(db, got.id)
    assert (h.from_status, h.to_status, h.actor) == ("pending", "active", str(unit_actor(a.id)))
    assert await credits(db, a.id) == ["answered_in_time"]

    # the other declines with a reason; the batch job leaves the pair out from now on
    declined = await team.decline_helper(db, p.id, b.id, BUSY, unit_actor(b.id))
    assert (declined.status, declined.reason_code) == (AS.DECLINED, "schedule_conflict")
    assert await credits(db, b.id) == ["answered_in_time", "declined_with_reason"]
    pairs = await db.fetch(q("batch_declined_pairs"), [p.id])
    assert [(r["project_id"], r["unit_id"]) for r in pairs] == [(p.id, b.id)]

    assert (await work.accept_offer(db, p.id, lead.id, unit_actor(lead.id))).status is PS.ACCEPTED
    # the secretary fills the freed slot with a unit of her choice
    c = await make_unit(db, world)
    res = await make_resource(db, c, world)
    added = await team.add_helper(db, p.id, c.id, SECRETARY, res.id)
    assert (added.kind, added.role, added.status, added.resource_id) == (
        AssignmentKind.DIRECTED, "helper", AS.PENDING, res.id)
    assert added.expires_at is not None
    await team.accept_helper(db, p.id, c.id, unit_actor(c.id))

    members = await team.team_of(db, p.id)
    assert [(m.unit_id, m.role_label, m.status_label) for m in members] == [
        (lead.id, "主办", "承接中"), (a.id, "协办", "承接中"), (c.id, "协办", "承接中")]

    await work.start_project(db, p.id, lead.id, unit_actor(lead.id))
    await closing.complete_project(db, p.id, lead.id, DONE, unit_actor(lead.id))
    assert (await projects.get_project(db, p.id)).status is PS.AWAITING_CLOSE
    for u in (lead, a, c):
        assert (await row(db, p.id, u.id))["status"] == "completed"
        assert {"finished", "finished_on_time"} <= set(await credits(db, u.id))
    h = await last_history(db, (await row(db, p.id, a.id))["id"])
    assert (h.from_status, h.to_status, h.reason_code) == ("active", "completed", "project_completed")
    # nobody is left holding live work
    live = await db.fetchval(
        "SELECT count(*) FROM assignments WHERE project_id = $1 AND status IN ('pending', 'active')", p.id)
    assert live == 0


async def test_a_helper_gives_its_role_back_and_the_slot_is_free_again(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, (a,) = await make_team(db, world, n_helpers=1, units_required=2)
    await work.accept_offer(db, p.id, lead.id, unit_actor(lead.id))
    await team.accept_helper(db, p.id, a.id, unit_actor(a.id))
    c = await make_unit(db, world)
    await refused(db, team.add_helper(db, p.id, c.id, SECRETARY), "helper_slots_full")

    back = await team.give_back_helper(db, p.id, a.id, BUSY, unit_actor(a.id))
    assert (back.status, back.reason_code) == (AS.RETURNED, "schedule_conflict")
    assert (await projects.get_project(db, p.id)).status is PS.ACCEPTED
    assert "returned" in await credits(db, a.id)
    assert (await team.add_helper(db, p.id, c.id, SECRETARY)).status is AS.PENDING


async def test_the_secretary_withdraws_a_helper_proposal_not_yet_answered(db):
    world = await make_world(db, communities=1, grids=1)
    p, _lead, (a, _b) = await make_team(db, world)
    got = await team.withdraw_helper(db, p.id, a.id, SECRETARY, "改请其他单位")
    assert (got.status, got.reason_code, got.note) == (AS.WITHDRAWN, "helper_withdrawn", "改请其他单位")
    h = await last_history(db, got.id)
    assert (h.from_status, h.to_status, h.actor) == ("pending", "withdrawn", str(SECRETARY))
    # a withdrawn proposal is not the unit's refusal: the batch job may pair them again
    assert await db.fetch(q("batch_declined_pairs"), [p.id]) == []
    assert await credits(db, a.id) == []


# --- illegal steps -----------------------------------------------------------------------------


async def test_adding_a_helper_is_refused_with_a_reason(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, (a, b) = await make_team(db, world, units_required=4)
    await team.accept_helper(db, p.id, a.id, unit_actor(a.id))
    fresh = await make_unit(db, world)

    await refused(db, team.add_helper(db, p.id, lead.id, SECRETARY), "unit_is_lead")
    await refused(db, team.add_helper(db, p.id, a.id, SECRETARY), "already_helper")
    await refused(db, team.add_helper(db, p.id, b.id, SECRETARY), "already_helper")
    other = await make_unit(db, world)
    theirs = await make_resource(db, other, world)
    await refused(db, team.add_helper(db, p.id, fresh.id, SECRETARY, theirs.id), "resource_not_of_unit",
                  cls=DomainError)
    unpublished = await make_resource(db, fresh, world, publish=False)
    await refused(db, team.add_helper(db, p.id, fresh.id, SECRETARY, unpublished.id), "resource_not_published")
    await refused(db, team.add_helper(db, 10**9, fresh.id, SECRETARY), "project_not_found", cls=DomainError)

    full = await make_unit(db, world, cap=1)
    busy_project = await team_project(db, world)
    await work.direct_project(db, busy_project.id, full.id, SECRETARY)
    await refused(db, team.add_helper(db, p.id, full.id, SECRETARY), "unit_cap_reached")

    await set_unit_status(db, fresh.id, UnitStatus.SUSPENDED, ADMIN)
    await refused(db, team.add_helper(db, p.id, fresh.id, SECRETARY), "unit_suspended")

    # the last slot taken, no more
    last = await make_unit(db, world)
    await team.add_helper(db, p.id, last.id, SECRETARY)
    one_more = await make_unit(db, world)
    err = await refused(db, team.add_helper(db, p.id, one_more.id, SECRETARY), "helper_slots_full")
    assert err.details["slots"] == 3


@pytest.mark.parametrize("status", [PS.DRAFT, PS.PUBLISHED, PS.AWAITING_CLOSE, PS.CANCELLED])
async def test_helpers_are_added_only_while_the_project_has_a_lead_at_work(db, status):
    world = await make_world(db, communities=1, grids=1)
    p = await team_project(db, world)
    lead = await make_unit(db, world)
    if status is PS.DRAFT:
        need = await make_need(db, world)
        p = await projects.create_project(db, ProjectIn(
            need_ids=[need.id], title="社区义诊", category_code=CATEGORY, community_code=world.community,
            estimated_hours=Decimal("6.0"), units_required=3), SECRETARY)
    elif status is PS.AWAITING_CLOSE:
        await work.direct_project(db, p.id, lead.id, SECRETARY)
        await work.accept_offer(db, p.id, lead.id, unit_actor(lead.id))
        await work.start_project(db, p.id, lead.id, unit_actor(lead.id))
        await closing.complete_project(db, p.id, lead.id, DONE, unit_actor(lead.id))
    elif status is PS.CANCELLED:
        await projects.cancel_project(db, p.id, SECRETARY, "no_longer_needed")
    unit = await make_unit(db, world)
    err = await refused(db, team.add_helper(db, p.id, unit.id, SECRETARY), "illegal_transition")
    assert err.details["status"] == status.value


async def test_a_project_for_one_unit_takes_no_helper(db):
    world = await make_world(db, communities=1, grids=1)
    p = await team_project(db, world, units_required=1)
    lead, unit = await make_unit(db, world), await make_unit(db, world)
    await work.direct_project(db, p.id, lead.id, SECRETARY)
    await refused(db, team.add_helper(db, p.id, unit.id, SECRETARY), "helpers_not_needed")


async def test_a_unit_answers_only_its_own_pending_helper_proposal(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, (a, b) = await make_team(db, world)
    stranger = await make_unit(db, world)
    me = unit_actor

    await refused(db, team.accept_helper(db, p.id, stranger.id, me(stranger.id)), "not_helper", cls=Forbidden)
    await refused(db, team.decline_helper(db, p.id, stranger.id, BUSY, me(stranger.id)), "not_helper",
                  cls=Forbidden)
    await refused(db, team.accept_helper(db, p.id, lead.id, me(lead.id)), "not_helper")
    await refused(db, team.give_back_helper(db, p.id, a.id, BUSY, me(a.id)), "illegal_transition")

    await team.accept_helper(db, p.id, a.id, me(a.id))
    err = await refused(db, team.accept_helper(db, p.id, a.id, me(a.id)), "illegal_transition")
    assert err.details["status"] == "active"
    await refused(db, team.decline_helper(db, p.id, a.id, BUSY, me(a.id)), "illegal_transition")
    await refused(db, team.withdraw_helper(db, p.id, a.id, SECRETARY), "illegal_transition")
    await refused(db, team.withdraw_helper(db, p.id, lead.id, SECRETARY), "no_helper_proposal")
    await refused(db, team.withdraw_helper(db, p.id, stranger.id, SECRETARY), "no_helper_proposal")

    await team.decline_helper(db, p.id, b.id, BUSY, me(b.id))
    err = await refused(db, team.accept_helper(db, p.id, b.id, me(b.id)), "illegal_transition")
    assert err.details["status"] == "declined"
    # the lead's own steps stay the lead's
    await refused(db, work.accept_offer(db, p.id, a.id, me(a.id)), "not_owner", cls=Forbidden)


async def test_the_database_refuses_a_claimed_helper_and_a_helper_too_many(db):
    """Backstops for any writer (the batch job included): migration 0009."""
    world = await make_world(db, communities=1, grids=1)
    p, lead, (a, b) = await make_team(db, world)
    extra = await make_unit(db, world)
    async with db.acquire() as conn:
        with pytest.raises(DomainError) as err, translated():
            await conn.fetchrow(q("assignment_insert"), p.id, extra.id, None, "proposal", "helper", "pending",
                                "batch:2", 3600.0)
        assert err.value.code == "helper_slots_full"
        with pytest.raises(DomainError) as err, translated():
            await conn.execute("UPDATE assignments SET kind = 'claim' WHERE project_id = $1 AND unit_id = $2",
                               p.id, a.id)
        assert err.value.code == "invalid_value"
    # within one multi-row insert, too: two helpers where one slot is left
    q2 = await team_project(db, world, units_required=2)
    await work.direct_project(db, q2.id, lead.id, SECRETARY)
    before = await snapshot(db)
    with pytest.raises(DomainError) as err:
        async with db.acquire() as conn, conn.transaction():
            with translated():
                await conn.execute(
                    "INSERT INTO assignments (project_id, unit_id, kind, role, status, created_by, expires_at)"
                    " SELECT $1, u, 'proposal', 'helper', 'pending', 'batch:3', now() + interval '2 days'"
                    " FROM unnest($2::bigint[]) AS u", q2.id, [a.id, b.id])
    assert err.value.code == "helper_slots_full"
    assert await snapshot(db) == before


async def test_a_helper_proposal_without_a_lead_at_work_cannot_be_accepted(db):
    world = await make_world(db, communities=1, grids=1)
    p = await team_project(db, world)
    unit = await make_unit(db, world)
    # written by hand as no command would: a helper proposal on a project nobody leads
    await db.fetchrow(q("assignment_insert"), p.id, unit.id, None, "proposal", "helper", "pending", "batch:9", 3600.0)
    err = await refused(db, team.accept_helper(db, p.id, unit.id, unit_actor(unit.id)), "illegal_transition")
    assert err.details["status"] == "published"
    assert (await team.decline_helper(db, p.id, unit.id, BUSY, unit_actor(unit.id))).status is AS.DECLINED


# --- the lead's steps end the helpers ----------------------------------------------------------


async def _accepted_and_pending(db, world):
    p, lead, (a, b) = await make_team(db, world)
    await team.accept_helper(db, p.id, a.id, unit_actor(a.id))
    return p, lead, a, b


async def test_the_lead_declining_ends_every_helper(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, a, b = await _accepted_and_pending(db, world)
    await work.decline_offer(db, p.id, lead.id, ReasonIn(reason=DeclineReason.OUT_OF_AREA), unit_actor(lead.id))
    assert (await projects.get_project(db, p.id)).status is PS.PUBLISHED
    ra, rb = await row(db, p.id, a.id), await row(db, p.id, b.id)
    assert (ra["status"], ra["reason_code"]) == ("released", "lead_ended")
    assert (rb["status"], rb["reason_code"]) == ("withdrawn", "lead_ended")
    h = await last_history(db, rb["id"])
    assert (h.from_status, h.to_status, h.actor, h.reason_code, h.note) == (
        "pending", "withdrawn", str(unit_actor(lead.id)), "lead_ended", "out_of_area")
    # the helpers did nothing wrong: no credit either way, and only the lead's pair is excluded
    assert await credits(db, b.id) == []
    pairs = await db.fetch(q("batch_declined_pairs"), [p.id])
    assert [r["unit_id"] for r in pairs] == [lead.id]
    assert await team.team_of(db, p.id) == []


async def test_withdrawing_the_leads_offer_ends_the_helpers(db):
    world = await make_world(db, communities=1, grids=1)
    p, _lead, a, b = await _accepted_and_pending(db, world)
    await work.withdraw_offer(db, p.id, SECRETARY, "改派")
    assert [(await row(db, p.id, u.id))["status"] for u in (a, b)] == ["released", "withdrawn"]


async def test_the_lead_giving_back_ends_the_helpers(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, a, b = await _accepted_and_pending(db, world)
    await work.accept_offer(db, p.id, lead.id, unit_actor(lead.id))
    await work.give_back(db, p.id, lead.id, BUSY, unit_actor(lead.id))
    assert (await projects.get_project(db, p.id)).status is PS.PUBLISHED
    assert [(await row(db, p.id, u.id))["status"] for u in (a, b)] == ["released", "withdrawn"]
    assert "returned" not in await credits(db, a.id)


async def test_cancelling_the_project_ends_the_helpers(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, a, b = await _accepted_and_pending(db, world)
    await projects.cancel_project(db, p.id, SECRETARY, "no_longer_needed")
    for u in (lead, a, b):
        r = await row(db, p.id, u.id)
        assert (r["status"], r["reason_code"]) == ("cancelled", "project_cancelled")
    # every unit's slot is free again
    assert await db.fetchval(
        "SELECT count(*) FROM assignments WHERE project_id = $1 AND status IN ('pending', 'active')", p.id) == 0


async def test_a_claimed_team_project_takes_helpers_after_confirmation(db):
    world = await make_world(db, communities=1, grids=1)
    p = await team_project(db, world, units_required=2, mode=DispatchMode.CLAIM)
    lead, a = await make_unit(db, world), await make_unit(db, world)
    await work.claim_project(db, p.id, lead.id, unit_actor(lead.id))
    await refused(db, team.add_helper(db, p.id, a.id, SECRETARY), "illegal_transition")
    await work.confirm_claim(db, p.id, SECRETARY)
    await team.add_helper(db, p.id, a.id, SECRETARY)
    await work.give_back(db, p.id, lead.id, BUSY, unit_actor(lead.id))
    assert (await row(db, p.id, a.id))["status"] == "withdrawn"


# --- the sweep ---------------------------------------------------------------------------------


async def test_an_expired_helper_proposal_does_not_reopen_the_project(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, (a, b) = await make_team(db, world)
    await work.accept_offer(db, p.id, lead.id, unit_actor(lead.id))
    await team.accept_helper(db, p.id, a.id, unit_actor(a.id))
    assert await work.expire_pending(db, now=dt.datetime.now(dt.UTC) + LATER) == 1
    got = await projects.get_project(db, p.id)
    assert (got.status, got.status_reason) == (PS.ACCEPTED, None)
    rb = await row(db, p.id, b.id)
    assert (rb["status"], rb["reason_code"]) == ("expired", "ttl_expired")
    h = await last_history(db, rb["id"])
    assert (h.from_status, h.to_status, h.actor, h.reason_code) == ("pending", "expired", "system:sweep", "ttl_expired")
    assert [(await row(db, p.id, u.id))["status"] for u in (lead, a)] == ["active", "active"]
    # an unanswered helper proposal counts against the unit's 响应率 as an unanswered offer does
    assert await credits(db, b.id) == ["offer_expired"]
    assert (await credit.score(db, b.id)).response_rate == 0.0
    ph = [(x.from_status, x.to_status) for x in await projects.history_of(db, "project", p.id)]
    assert ("accepted", "published") not in ph


async def test_a_helper_expiring_before_its_lead_leaves_the_offer_standing(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, (a, b) = await make_team(db, world)
    await db.execute("UPDATE assignments SET expires_at = now() - interval '1 minute'"
                     " WHERE project_id = $1 AND unit_id = $2", p.id, b.id)
    assert await work.expire_pending(db, now=dt.datetime.now(dt.UTC)) == 1
    assert (await projects.get_project(db, p.id)).status is PS.DISPATCHED
    assert [(await row(db, p.id, u.id))["status"] for u in (lead, a, b)] == ["pending", "pending", "expired"]
    await work.accept_offer(db, p.id, lead.id, unit_actor(lead.id))


async def test_the_leads_expiry_reopens_the_project_and_ends_the_helpers(db):
    world = await make_world(db, communities=1, grids=1)
    p, lead, (a, b) = await make_team(db, world)
    await team.accept_helper(db, p.id, a.id, unit_actor(a.id))
    assert await work.expire_pending(db, now=dt.datetime.now(dt.UTC) + LATER) == 2  # the lead and b
    got = await projects.get_project(db, p.id)
    assert (got.status, got.status_reason) == (PS.PUBLISHED, "ttl_expired")
    ra = await row(db, p.id, a.id)
    assert (ra["status"], ra["reason_code"]) == ("released", "lead_ended")
    h = await last_history(db, ra["id"])
    assert (h.actor, h.note) == ("system:sweep", "ttl_expired")
    assert (await row(db, p.id, b.id))["status"] == "expired"
    assert await credits(db, lead.id) == ["offer_expired"]
    assert await credits(db, b.id) == ["offer_expired"]
    assert await credits(db, a.id) == ["answered_in_time"]
    assert await work.expire_pending(db, now=dt.datetime.now(dt.UTC) + LATER) == 0


# --- races -------------------------------------------------------------------------------------


async def test_two_secretaries_add_the_last_helper_slot_at_once(db):
    world = await make_world(db, communities=1, grids=1)
    for _ in range(10):
        p = await team_project(db, world, units_required=2)
        lead = await make_unit(db, world)
        await work.direct_project(db, p.id, lead.id, SECRETARY)
        x, y = await make_unit(db, world), await make_unit(db, world)
        results = await asyncio.gather(team.add_helper(db, p.id, x.id, SECRETARY),
                                       team.add_helper(db, p.id, y.id, SECRETARY), return_exceptions=True)
        wins = [r for r in results if not isinstance(r, BaseException)]
        losses = [r for r in results if isinstance(r, BaseException)]
        assert len(wins) == 1 and len(losses) == 1
        assert isinstance(losses[0], Conflict) and losses[0].code == "helper_slots_full"
        live = await db.fetch("SELECT unit_id FROM assignments WHERE project_id = $1 AND role = 'helper'"
                              " AND status IN ('pending', 'active')", p.id)
        assert [r["unit_id"] for r in live] == [wins[0].unit_id]


async def test_a_helper_accepting_while_the_secretary_withdraws_gets_one_answer(db):
    world = await make_world(db, communities=1, grids=1)
    for _ in range(10):
        p, _lead, (a,) = await make_team(db, world, n_helpers=1)
        results = await asyncio.gather(team.accept_helper(db, p.id, a.id, unit_actor(a.id)),
                                       team.withdraw_helper(db, p.id, a.id, SECRETARY), return_exceptions=True)
        wins = [r for r in results if not isinstance(r, BaseException)]
        losses = [r for r in results if isinstance(r, BaseException)]
        assert len(wins) == 1 and len(losses) == 1
        assert isinstance(losses[0], Conflict) and losses[0].code == "illegal_transition"
        assert (await row(db, p.id, a.id))["status"] == wins[0].status.value


async def test_a_helper_accepting_while_the_lead_declines_never_outlives_the_lead(db):
    world = await make_world(db, communities=1, grids=1)
    for _ in range(10):
        p, lead, (a,) = await make_team(db, world, n_helpers=1)
        results = await asyncio.gather(
            team.accept_helper(db, p.id, a.id, unit_actor(a.id)),
            work.decline_offer(db, p.id, lead.id, BUSY, unit_actor(lead.id)), return_exceptions=True)
        assert not any(isinstance(r, BaseException) and not isinstance(r, DomainError) for r in results)
        assert (await projects.get_project(db, p.id)).status is PS.PUBLISHED
        assert (await row(db, p.id, a.id))["status"] in ("released", "withdrawn")
