"""Races a busy alliance produces: many units grabbing one project, one unit grabbing many,
a unit accepting an offer the secretary is taking back, two people using one closing link.

Every command runs on its own pooled connection (``asyncio.gather`` over the pool), so the
database, not the event loop, decides the order. Losers must get a clean domain error with a
reason code, never a driver error, and the winner's state must be the only one written.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg

from catalog.enums import AssignmentStatus, DeclineReason, DispatchMode, Outcome, ProjectStatus
from catalog.errors import Conflict, DomainError
from catalog.lists import closing, projects, work
from catalog.models import Assignment, ClosingIn, Project, ReasonIn
from tests.factories import SECRETARY, make_project, make_unit, make_world, unit_actor

PS = ProjectStatus


def _split(results):
    """Successes and failures; anything that is neither a result nor a DomainError fails the test."""
    wins = [r for r in results if not isinstance(r, BaseException)]
    losses = [r for r in results if isinstance(r, BaseException)]
    stray = [r for r in losses if not isinstance(r, DomainError)]
    assert not stray, f"driver or other errors leaked out of a command: {stray[:3]!r}"
    return wins, losses


async def test_200_claims_from_50_units_leave_exactly_one_owner_every_time(db):
    world = await make_world(db, communities=1, grids=1)
    units = [await make_unit(db, world, cap=1000) for _ in range(50)]
    claimers = [u for u in units for _ in range(4)]  # each unit clicks four times
    for _ in range(20):
        built = await make_project(db, world, PS.PUBLISHED)
        results = await asyncio.gather(
            *(work.claim_project(db, built.id, u.id, unit_actor(u.id)) for u in claimers),
            return_exceptions=True,
        )
        wins, losses = _split(results)
        assert len(wins) == 1 and isinstance(wins[0], Assignment)
        assert len(losses) == 199
        assert {type(e) for e in losses} == {Conflict}
        assert {e.code for e in losses} == {"already_taken"}

        rows = await db.fetch("SELECT unit_id, status FROM assignments WHERE project_id = $1", built.id)
        assert [(r["unit_id"], r["status"]) for r in rows] == [(wins[0].unit_id, "pending")]
        p = await projects.get_project(db, built.id)
        assert p.status is PS.CLAIMING
        moves = await db.fetchval(
            "SELECT count(*) FROM history WHERE entity = 'project' AND entity_id = $1 AND to_status = 'claiming'",
            str(built.id),
        )
        assert moves == 1


async def test_unit_with_cap_3_firing_50_claims_ends_with_3(db):
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world, cap=3)
    built = [await make_project(db, world, PS.PUBLISHED) for _ in range(50)]
    results = await asyncio.gather(
        *(work.claim_project(db, b.id, unit.id, unit_actor(unit.id)) for b in built),
        return_exceptions=True,
    )
    wins, losses = _split(results)
    assert len(wins) == 3
    assert {e.code for e in losses} == {"unit_cap_reached"}
    live = await db.fetchval(
        "SELECT count(*) FROM assignments WHERE unit_id = $1 AND status IN ('pending', 'active')", unit.id)
    assert live == 3
    claiming = await db.fetchval("SELECT count(*) FROM projects WHERE status = 'claiming'")
    assert claiming == 3


async def test_cap_holds_for_offers_made_at_once_and_their_acceptance(db):
    """Five secretaries offer work to a cap-2 unit at once: two offers go through, both can be
    accepted, and the unit never holds more than two live pieces of work."""
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world, cap=2)
    built = [await make_project(db, world, PS.PUBLISHED, via=DispatchMode.DIRECTED) for _ in range(5)]
    offers = await asyncio.gather(
        *(work.direct_project(db, b.id, unit.id, SECRETARY) for b in built), return_exceptions=True
    )
    wins, losses = _split(offers)
    assert len(wins) == 2
    assert {e.code for e in losses} == {"unit_cap_reached"}
    accepted = await asyncio.gather(
        *(work.accept_offer(db, a.project_id, unit.id, unit_actor(unit.id)) for a in wins),
        return_exceptions=True,
    )
    assert all(not isinstance(r, BaseException) for r in accepted), accepted
    live = await db.fetchval(
        "SELECT count(*) FROM assignments WHERE unit_id = $1 AND status IN ('pending', 'active')", unit.id)
    assert live == 2


async def test_accept_offer_racing_withdraw_offer_has_one_winner(db):
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world, cap=1000)
    for _ in range(20):
        built = await make_project(db, world, PS.DISPATCHED, unit=unit)
        accepted, withdrawn = await asyncio.gather(
            work.accept_offer(db, built.id, unit.id, unit_actor(unit.id)),
            work.withdraw_offer(db, built.id, SECRETARY),
            return_exceptions=True,
        )
        wins, losses = _split([accepted, withdrawn])
        assert len(wins) == 1 and len(losses) == 1
        assert losses[0].code in {"illegal_transition", "no_pending_assignment"}
        p = await projects.get_project(db, built.id)
        a = (await projects.assignments_of(db, built.id))[-1]
        if isinstance(accepted, Project):
            assert (p.status, a.status) == (PS.ACCEPTED, AssignmentStatus.ACTIVE)
        else:
            assert (p.status, a.status) == (PS.PUBLISHED, AssignmentStatus.WITHDRAWN)
        # exactly one answer to the offer is on record
        answers = await db.fetchval(
            "SELECT count(*) FROM history WHERE entity = 'assignment' AND entity_id = $1 AND from_status = 'pending'",
            str(a.id),
        )
        assert answers == 1


async def test_two_residents_using_one_closing_link_at_once(db):
    world = await make_world(db, communities=1, grids=1)
    for _ in range(5):
        built = await make_project(db, world, PS.AWAITING_CLOSE)
        first, second = await asyncio.gather(
            closing.close_by_resident(db, built.token, ClosingIn(outcome=Outcome.SOLVED, score=5)),
            closing.close_by_resident(db, built.token, ClosingIn(outcome=Outcome.UNSOLVED, score=1)),
            return_exceptions=True,
        )
        wins, losses = _split([first, second])
        assert len(wins) == 1 and wins[0].status is PS.RATED
        assert [e.code for e in losses] == ["token_used"]
        ratings = await db.fetch("SELECT score FROM ratings WHERE project_id = $1", built.id)
        assert len(ratings) == 1
        assert ratings[0]["score"] == (5 if isinstance(first, Project) else 1)
        events = await db.fetchval(
            "SELECT count(*) FROM credit_events WHERE project_id = $1 AND kind = 'rating'", built.id)
        assert events == 1


async def test_cancel_racing_give_back_ends_cancelled(db):
    """The secretary cancels while the unit gives the project back: no deadlock, no driver error."""
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world, cap=1000)
    for _ in range(10):
        built = await make_project(db, world, PS.IN_PROGRESS, unit=unit)
        results = await asyncio.gather(
            projects.cancel_project(db, built.id, SECRETARY, "resident_moved"),
            work.give_back(db, built.id, unit.id, ReasonIn(reason=DeclineReason.CAPACITY_FULL),
                           unit_actor(unit.id)),
            return_exceptions=True,
        )
        _split(results)
        cancelled, given_back = results
        p = await projects.get_project(db, built.id)
        a = (await projects.assignments_of(db, built.id))[-1]
        # both may succeed, in one order only: given back first, then the reopened project cancelled
        assert isinstance(cancelled, Project) and p.status is PS.CANCELLED
        if isinstance(given_back, Project):
            assert a.status is AssignmentStatus.RETURNED
        else:
            assert given_back.code == "illegal_transition" and a.status is AssignmentStatus.CANCELLED


async def test_expiry_sweep_racing_accept_offer_has_one_winner(db):
    """The sweep ends an offer that is past its time while the unit is accepting it."""
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world, cap=1000)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    for _ in range(10):
        built = await make_project(db, world, PS.DISPATCHED, unit=unit)
        accepted, swept = await asyncio.gather(
            work.accept_offer(db, built.id, unit.id, unit_actor(unit.id)),
            work.expire_pending(db, now=later),
            return_exceptions=True,
        )
        _split([accepted, swept])
        p = await projects.get_project(db, built.id)
        a = (await projects.assignments_of(db, built.id))[-1]
        if isinstance(accepted, Project):
            assert swept == 0 and (p.status, a.status) == (PS.ACCEPTED, AssignmentStatus.ACTIVE)
        else:
            assert swept == 1 and (p.status, a.status) == (PS.PUBLISHED, AssignmentStatus.EXPIRED)


def test_asyncpg_errors_are_not_domain_errors():
    # guards _split: a leaked driver error must not be mistaken for a clean refusal
    assert not issubclass(asyncpg.PostgresError, DomainError)
