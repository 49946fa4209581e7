"""结单 and 评价 through the resident's link, the 7-day 未评价 rule, and unit credit.

The link works once; a used, forged or expired one is refused and changes nothing. Ratings,
credit events and history are append-only. The credit score is recomputable from the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from catalog.enums import CreditKind, DispatchMode, Grade, Outcome, ProjectStatus
from catalog.errors import Conflict, Forbidden, translated
from catalog.lists import closing, projects, work
from catalog.models import ClosingIn
from catalog.oversight import credit
from tests.factories import after_link_runs_out, make_project, make_unit, make_world, snapshot, unit_actor

PS = ProjectStatus
GOOD = ClosingIn(outcome=Outcome.SOLVED, score=5, comment="很满意")


async def _awaiting(db):
    world = await make_world(db, communities=1, grids=1)
    return await make_project(db, world, PS.AWAITING_CLOSE)


async def test_link_closes_and_rates_once(db):
    built = await _awaiting(db)
    p = await closing.close_by_resident(db, built.token, GOOD)
    assert p.status is PS.RATED and p.closed_at is not None
    rating = await db.fetchrow("SELECT * FROM ratings WHERE project_id = $1", built.id)
    assert (rating["unit_id"], rating["outcome"], rating["score"], rating["comment"]) == (
        built.unit.id, "solved", 5, "很满意")
    h = await projects.history_of(db, "project", built.id)
    assert [(x.from_status, x.to_status, x.actor, x.reason_code) for x in h[-2:]] == [
        ("awaiting_close", "closed", "resident:link", "solved"),
        ("closed", "rated", "resident:link", "score_5"),
    ]
    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await closing.close_by_resident(db, built.token, ClosingIn(outcome=Outcome.UNSOLVED, score=1))
    assert err.value.code == "token_used"
    assert await snapshot(db) == before


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "y" * 101])
async def test_forged_link_is_refused(db, token):
    built = await _awaiting(db)
    before = await snapshot(db)
    with pytest.raises(Forbidden) as err:
        await closing.close_by_resident(db, token, GOOD)
    assert err.value.code == "token_invalid"
    assert await snapshot(db) == before
    assert (await projects.get_project(db, built.id)).status is PS.AWAITING_CLOSE


async def test_expired_link_is_refused(db):
    built = await _awaiting(db)
    # the link's 7 days are over (set directly: the command reads the database clock)
    await db.execute("UPDATE closing_tokens SET expires_at = now() - interval '1 second' WHERE project_id = $1",
                     built.id)
    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await closing.close_by_resident(db, built.token, GOOD)
    assert err.value.code == "token_expired"
    assert await snapshot(db) == before


async def test_only_a_hash_of_the_link_is_stored(db):
    built = await _awaiting(db)
    stored = await db.fetchval("SELECT token_hash FROM closing_tokens WHERE project_id = $1", built.id)
    assert built.token.encode() not in stored and len(stored) == 32


@pytest.mark.parametrize("sql", [
    "UPDATE ratings SET score = 1",
    "DELETE FROM ratings",
    "UPDATE history SET actor = 'someone:else'",
    "DELETE FROM history",
    "UPDATE credit_events SET kind = 'finished_late' WHERE kind = 'finished_on_time'",
    "DELETE FROM credit_events",
])
async def test_ratings_history_and_credit_cannot_be_rewritten(db, sql):
    world = await make_world(db, communities=1, grids=1)
    await make_project(db, world, PS.RATED, score=5)
    before = await snapshot(db)
    async with db.acquire() as conn:
        with pytest.raises(Conflict) as err, translated():
            await conn.execute(sql)
    assert err.value.code == "append_only"
    assert await snapshot(db) == before


async def test_no_answer_in_7_days_closes_as_unrated_never_as_satisfied(db):
    world = await make_world(db, communities=1, grids=1)
    waiting = await make_project(db, world, PS.AWAITING_CLOSE)
    rated = await make_project(db, world, PS.RATED)
    # six days on, nothing is due
    assert await closing.close_unrated(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=6)) == []
    assert await closing.close_unrated(db, now=after_link_runs_out()) == [waiting.id]
    p = await projects.get_project(db, waiting.id)
    assert (p.status, p.status_reason) == (PS.CLOSED, "not_rated")
    assert await db.fetchval("SELECT count(*) FROM ratings WHERE project_id = $1", waiting.id) == 0
    assert await db.fetchval(
        "SELECT count(*) FROM credit_events WHERE project_id = $1 AND kind = 'rating'", waiting.id) == 0
    h = (await projects.history_of(db, "project", waiting.id))[-1]
    assert (h.from_status, h.to_status, h.actor, h.reason_code) == ("awaiting_close", "closed", "system:sweep",
                                                                      "not_rated")
    assert (await projects.get_project(db, rated.id)).status is PS.RATED
    # a second sweep finds nothing more to do
    assert await closing.close_unrated(db, now=after_link_runs_out()) == []


async def test_credit_score_is_recomputable_from_the_ledger_alone(db):
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world, cap=20)
    for score in (5, 4, 2):
        await make_project(db, world, PS.RATED, unit=unit, score=score)
    await make_project(db, world, PS.RATED, unit=unit, score=3)
    offered = await make_project(db, world, PS.DISPATCHED, unit=unit)
    await work.expire_pending(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    assert (await projects.get_project(db, offered.id)).status is PS.PUBLISHED

    rows = await db.fetch("SELECT kind, value FROM credit_events WHERE unit_id = $1", unit.id)
    counts = Counter(r["kind"] for r in rows)
    rating_sum = sum(r["value"] for r in rows if r["kind"] == "rating")
    assert counts["rating"] == 4 and rating_sum == 14 and counts["offer_expired"] == 1
    expected = credit.score_from_tally(unit.id, counts, rating_sum)
    got = await credit.score(db, unit.id)
    assert got == expected
    assert got.events == len(rows)
    assert got.satisfaction == pytest.approx((14 - 4) / 16)


async def test_good_ratings_outrank_bad_ratings_and_an_expired_offer(db):
    world = await make_world(db, communities=1, grids=1)
    good = await make_unit(db, world, cap=20)
    bad = await make_unit(db, world, cap=20)
    for _ in range(2):
        await make_project(db, world, PS.RATED, unit=good, score=5, via=DispatchMode.DIRECTED)
        await make_project(db, world, PS.RATED, unit=bad, score=1, via=DispatchMode.DIRECTED)
    await make_project(db, world, PS.DISPATCHED, unit=bad)
    assert await work.expire_pending(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=3)) == 1

    s = await credit.scores(db, [good.id, bad.id])
    assert s[good.id].score > s[bad.id].score
    assert s[good.id].grade is Grade.EXCELLENT
    assert s[good.id].response_rate == 1.0
    assert s[bad.id].response_rate == pytest.approx(2 / 3)
    assert s[bad.id].satisfaction == 0.0


async def test_new_unit_starts_at_the_prior_not_at_the_top_or_bottom(db):
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world)
    s = await credit.score(db, unit.id)
    assert s.events == 0 and s.grade is Grade.GOOD and 80 <= s.score < 90
    assert s.response_rate is s.solve_rate is s.satisfaction is None


def test_declining_with_a_reason_costs_nothing_but_letting_an_offer_expire_does():
    fresh = credit.score_from_tally(1, {})
    assert credit.score_from_tally(1, {CreditKind.DECLINED_WITH_REASON: 3}).score == fresh.score
    assert credit.score_from_tally(1, {CreditKind.OFFER_EXPIRED: 1}).score < credit.score_from_tally(1, {}).score


async def test_late_answer_is_recorded_as_late(db):
    """An offer answered after the 签收 limit counts as answered_late in the ledger."""
    world = await make_world(db, communities=1, grids=1)
    built = await make_project(db, world, PS.DISPATCHED)
    await db.execute("UPDATE assignments SET created_at = now() - interval '3 days' WHERE project_id = $1", built.id)
    await work.accept_offer(db, built.id, built.unit.id, unit_actor(built.unit.id))
    kinds = [r["kind"] for r in await db.fetch("SELECT kind FROM credit_events WHERE unit_id = $1", built.unit.id)]
    assert kinds == ["answered_late"]
