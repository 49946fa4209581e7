"""The time-limit sweep: colours at the right share of each limit, 督办 items, credit, resolution."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from catalog import scoped
from catalog.enums import LimitStep, ProjectStatus, Role, Urgency
from catalog.errors import Forbidden, NotFound
from catalog.lists import closing, needs, projects, work
from catalog.models import CompletionIn, Principal, ReasonIn
from catalog.oversight import credit, supervision
from catalog.oversight.limits import DEFAULT_LIMITS, Alert, add_working_time, warning_level
from catalog.oversight.sweep import mark_time_limits
from tests.factories import SECRETARY, make_need, make_project, make_unit, make_world, snapshot, unit_actor

PS = ProjectStatus
H = dt.timedelta(hours=1)
SHARES = [0.0, 0.49, 0.5, 0.79, 0.8, 0.99, 1.0, 1.5]
COLOURS = ["none", "none", "blue", "blue", "yellow", "yellow", "red", "red"]


def admin(street: str | None = None) -> Principal:
    return Principal(username="alliance" if street is None else "street", display_name="", role=Role.STREET_ADMIN,
                     community_code=None, grid_code=None, street_code=street, unit_id=None, account_id=1,
                     communities=None)


async def alert(db, subject: str, subject_id: int):
    return await db.fetchrow("SELECT * FROM time_alerts WHERE subject = $1 AND subject_id = $2", subject, subject_id)


async def items(db, subject: str, subject_id: int):
    return await db.fetch("SELECT * FROM supervision_items WHERE subject = $1 AND subject_id = $2 ORDER BY id",
                          subject, subject_id)


async def overdue_events(db, unit_id: int) -> int:
    return await db.fetchval("SELECT count(*) FROM credit_events WHERE unit_id = $1 AND kind = 'overdue'", unit_id)


# --- colours -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "step", "limit", "with_unit"), [
    (PS.PUBLISHED, LimitStep.ACK, dt.timedelta(hours=24), False),
    (PS.CLAIMING, LimitStep.ACK, dt.timedelta(hours=24), False),
    (PS.DISPATCHED, LimitStep.ACK, dt.timedelta(hours=24), True),
    (PS.IN_PROGRESS, LimitStep.DONE, dt.timedelta(days=7), True),
    (PS.AWAITING_CLOSE, LimitStep.CLOSE, dt.timedelta(days=3), False),
])
async def test_each_step_turns_blue_yellow_red_at_its_share_of_the_limit(db, status, step, limit, with_unit):
    world = await make_world(db)
    built = await make_project(db, world, status)
    p = await projects.get_project(db, built.id)
    start = {LimitStep.ACK: p.published_at, LimitStep.DONE: p.accepted_at, LimitStep.CLOSE: p.completed_at}[step]
    if status is PS.DISPATCHED:  # an offer is the unit's to answer from the moment it was made
        start = await db.fetchval("SELECT created_at FROM assignments WHERE project_id = $1", built.id)
    seen = []
    for share in SHARES:
        await mark_time_limits(db, now=start + limit * share)
        row = await alert(db, "project", built.id)
        assert row["step"] == step and row["deadline"] == start + limit
        assert row["unit_id"] == (built.unit.id if with_unit else None)
        assert row["level"] == warning_level(start, start + limit, start + limit * share)
        seen.append(row["level"])
    assert seen == COLOURS


async def test_a_pending_need_has_one_working_day_for_review(db):
    world = await make_world(db)
    need = await make_need(db, world, accept=False)
    start = need.created_at
    deadline = add_working_time(start, dt.timedelta(hours=24))
    seen = []
    for share in SHARES:
        await mark_time_limits(db, now=start + (deadline - start) * share)
        row = await alert(db, "need", need.id)
        assert row["step"] == "review" and row["deadline"] == deadline and row["unit_id"] is None
        seen.append(row["level"])
    assert seen == COLOURS


async def test_working_time_skips_weekends_the_same_in_sql_and_python(db):
    cst = dt.timezone(dt.timedelta(hours=8))
    starts = [dt.datetime(2026, 11, 6, 17, 0, tzinfo=cst),   # Friday evening
              dt.datetime(2026, 11, 7, 10, 0, tzinfo=cst),   # Saturday
              dt.datetime(2026, 11, 8, 23, 59, tzinfo=cst),  # Sunday night
              dt.datetime(2026, 11, 9, 0, 0, tzinfo=cst),    # Monday midnight
              dt.datetime(2026, 11, 4, 12, 30, tzinfo=dt.UTC)]
    spans = [dt.timedelta(hours=24), dt.timedelta(minutes=15), dt.timedelta(days=3), dt.timedelta(hours=7)]
    for start in starts:
        for span in spans:
            sql = await db.fetchval("SELECT add_working_time($1, $2)", start, span)
            assert sql == add_working_time(start, span), (start, span)
    friday = dt.datetime(2026, 11, 6, 17, 0, tzinfo=cst)
    assert add_working_time(friday, dt.timedelta(hours=24)) == friday + dt.timedelta(days=3)


async def test_an_urgent_offer_has_two_hours(db):
    world = await make_world(db)
    built = await make_project(db, world, PS.DISPATCHED)
    await db.execute("UPDATE projects SET urgency = 'urgent' WHERE id = $1", built.id)
    made = await db.fetchval("SELECT created_at FROM assignments WHERE project_id = $1", built.id)
    await mark_time_limits(db, now=made + 2 * H)
    row = await alert(db, "project", built.id)
    assert row["deadline"] == made + 2 * H and row["level"] == "red"


async def test_the_project_plan_end_wins_over_the_done_limit(db):
    world = await make_world(db)
    built = await make_project(db, world, PS.IN_PROGRESS)
    p = await projects.get_project(db, built.id)
    plan_end = p.accepted_at + dt.timedelta(days=30)
    await db.execute("UPDATE projects SET window_end = $2 WHERE id = $1", built.id, plan_end)
    await mark_time_limits(db, now=p.accepted_at + dt.timedelta(days=8))
    row = await alert(db, "project", built.id)
    assert row["deadline"] == plan_end and row["level"] == "none"


# --- limits per category -----------------------------------------------------------------------


async def test_a_category_override_beats_its_parent_which_beats_the_default(db):
    world = await make_world(db)
    built = await make_project(db, world, PS.PUBLISHED)  # category public.elderly
    start = (await projects.get_project(db, built.id)).published_at
    await mark_time_limits(db, now=start)
    assert (await alert(db, "project", built.id))["deadline"] == start + 24 * H

    ack = lambda hours: {"step": "ack", "urgency": "normal", "hours": hours}  # noqa: E731
    view = await scoped.set_time_limits(db, admin(), "public", supervision.TimeLimitsIn(limits=[ack(12)]))
    assert {(t.step, t.urgency): t.source for t in view.limits}[(LimitStep.ACK, Urgency.NORMAL)] == "category"
    await mark_time_limits(db, now=start)
    assert (await alert(db, "project", built.id))["deadline"] == start + 12 * H

    await scoped.set_time_limits(db, admin(), "public.elderly", supervision.TimeLimitsIn(limits=[ack("1.5")]))
    sub = await scoped.get_time_limits(db, admin(), "public.elderly")
    shown = {(t.step, t.urgency): (t.hours, t.source) for t in sub.limits}
    assert shown[(LimitStep.ACK, Urgency.NORMAL)] == (1.5, "category")
    assert shown[(LimitStep.ACK, Urgency.URGENT)] == (2.0, "default")
    result = await mark_time_limits(db, now=start + 2 * H)
    row = await alert(db, "project", built.id)
    assert row["deadline"] == start + dt.timedelta(minutes=90) and row["level"] == "red" and result.red == 1

    # back to the parent's limit: the overdue item's clock still runs, now with the longer limit
    await scoped.set_time_limits(db, admin(), "public.elderly", supervision.TimeLimitsIn(limits=[]))
    await mark_time_limits(db, now=start + 2 * H)
    assert (await alert(db, "project", built.id))["deadline"] == start + 12 * H
    history = await projects.history_of(db, "category", "public.elderly")
    assert [h.reason_code for h in history] == ["time_limits_changed", "time_limits_changed"]
    assert "签收（一般）默认→1.5小时" in history[0].note


def test_defaults_shown_for_a_category_are_those_of_domain_md():
    # DOMAIN.md: review 1 working day; 签收 2 h / 24 h / 24 h; 办结 24 h / 7 d / 15 d; 结单 3 days
    hours = {(s, u): span / H for s, by_u in DEFAULT_LIMITS.items() for u, span in by_u.items()}
    assert hours == {
        (LimitStep.REVIEW, Urgency.URGENT): 24, (LimitStep.REVIEW, Urgency.NORMAL): 24,
        (LimitStep.REVIEW, Urgency.LONG_TERM): 24,
        (LimitStep.ACK, Urgency.URGENT): 2, (LimitStep.ACK, Urgency.NORMAL): 24, (LimitStep.ACK, Urgency.LONG_TERM): 24,
        (LimitStep.DONE, Urgency.URGENT): 24, (LimitStep.DONE, Urgency.NORMAL): 168,
        (LimitStep.DONE, Urgency.LONG_TERM): 360,
        (LimitStep.CLOSE, Urgency.URGENT): 72, (LimitStep.CLOSE, Urgency.NORMAL): 72,
        (LimitStep.CLOSE, Urgency.LONG_TERM): 72,
    }


@pytest.mark.parametrize(("limits", "code"), [
    ([{"step": "ack", "urgency": "normal", "hours": 0}], "limit_not_positive"),
    ([{"step": "ack", "urgency": "normal", "hours": -3}], "limit_not_positive"),
    ([{"step": "ack", "urgency": "normal", "hours": "0.1"}], "limit_too_short"),
    ([{"step": "ack", "urgency": "normal", "hours": "1.01"}], "limit_not_whole_minutes"),
    ([{"step": "ack", "urgency": "normal", "hours": 24 * 8}], "limit_too_long"),
    ([{"step": "done", "urgency": "normal", "hours": 24 * 181}], "limit_too_long"),
    ([{"step": "ack", "urgency": "normal", "hours": 2}, {"step": "ack", "urgency": "normal", "hours": 3}],
     "duplicate_limit"),
    ([{"step": "rating", "urgency": "normal", "hours": 2}], "enum"),
    ([{"step": "ack", "urgency": "normal", "hours": "NaN"}], "decimal_parsing"),  # one spelling of a number
])
def test_bad_limits_are_refused_with_a_reason(limits, code):
    with pytest.raises(ValidationError) as err:
        supervision.TimeLimitsIn(limits=limits)
    assert code in {e["type"] for e in err.value.errors()}
    if code.startswith(("limit_", "duplicate")):
        assert any("时限" in e["msg"] for e in err.value.errors())


async def test_refused_limit_changes_change_nothing(db):
    world = await make_world(db)
    await make_project(db, world, PS.PUBLISHED)
    before = await snapshot(db)
    new = supervision.TimeLimitsIn(limits=[{"step": "ack", "urgency": "normal", "hours": 1}])
    with pytest.raises(Forbidden):
        await scoped.set_time_limits(db, admin(world.street), "public", new)
    with pytest.raises(NotFound):
        await scoped.set_time_limits(db, admin(), "public.nothing", new)
    assert await snapshot(db) == before


# --- the supervision list (督办) ----------------------------------------------------------------


async def test_red_raises_one_item_and_one_credit_event_and_a_second_sweep_adds_none(db):
    world = await make_world(db)
    built = await make_project(db, world, PS.DISPATCHED)
    made = await db.fetchval("SELECT created_at FROM assignments WHERE project_id = $1", built.id)
    late = made + 25 * H
    first = await mark_time_limits(db, now=late)
    assert (first.red, first.raised, first.credited) == (1, 1, 1)
    (item,) = await items(db, "project", built.id)
    assert item["step"] == "ack" and item["unit_id"] == built.unit.id and item["resolved_at"] is None
    assert item["street_code"] == world.street and item["deadline"] == made + 24 * H
    assert await overdue_events(db, built.unit.id) == 1
    notes = [h.note for h in await projects.history_of(db, "project", built.id) if h.reason_code == "overdue"]
    assert len(notes) == 1 and notes[0].startswith("签收超时") and "已列入督办" in notes[0]
    score = await credit.score(db, built.unit.id)

    before = await snapshot(db)
    again = await mark_time_limits(db, now=late)
    assert (again.changed, again.cleared, again.raised, again.resolved, again.credited) == (0, 0, 0, 0, 0)
    assert again.red == 1
    assert await snapshot(db) == before, "a second sweep at the same moment changed something"
    later = await mark_time_limits(db, now=late + 48 * H)
    assert (later.raised, later.credited) == (0, 0)
    assert len(await items(db, "project", built.id)) == 1 and await overdue_events(db, built.unit.id) == 1
    assert (await credit.score(db, built.unit.id)).score == score.score


async def test_finishing_the_step_resolves_the_item_and_the_next_clock_starts(db):
    world = await make_world(db)
    built = await make_project(db, world, PS.IN_PROGRESS)
    p = await projects.get_project(db, built.id)
    late = p.accepted_at + dt.timedelta(days=8)
    await mark_time_limits(db, now=late)
    detail = await projects.get_project(db, built.id)
    assert (detail.alert_level, detail.alert_label, detail.alert_step) == (Alert.RED, "红色督办", LimitStep.DONE)

    await closing.complete_project(db, built.id, built.unit.id, CompletionIn(
        note="已完成", beneficiaries_served=1, hours_spent=Decimal("2")), unit_actor(built.unit.id))
    assert (await projects.get_project(db, built.id)).alert_level is None  # stale until the next sweep
    result = await mark_time_limits(db, now=late)
    assert result.resolved == 1
    done_item, close_item = await items(db, "project", built.id)  # 8 days on, nobody closed it either
    assert done_item["resolution"] == "step_done" and done_item["resolved_by"] == "system:sweep"
    assert close_item["step"] == "close" and close_item["resolved_at"] is None and not close_item["credited"]
    row = await alert(db, "project", built.id)
    assert row["step"] == "close" and row["unit_id"] is None
    notes = [h.note for h in await projects.history_of(db, "project", built.id)
             if h.reason_code == "supervision_resolved"]
    assert notes == ["督办解除（办结）：环节已完成"]


async def test_an_overdue_unit_is_charged_once_per_step_even_when_it_takes_the_project_again(db):
    world = await make_world(db)
    unit = await make_unit(db, world)
    built = await make_project(db, world, PS.IN_PROGRESS, unit=unit)
    actor = unit_actor(unit.id)
    first = await projects.get_project(db, built.id)
    await mark_time_limits(db, now=first.accepted_at + dt.timedelta(days=8))
    await work.give_back(db, built.id, unit.id, ReasonIn(reason="capacity_full"), actor)
    await mark_time_limits(db, now=dt.datetime.now(dt.UTC) + H)  # open again, its 签收 clock just begun
    (gone,) = await items(db, "project", built.id)
    assert gone["resolution"] == "restarted"

    await work.claim_project(db, built.id, unit.id, actor)
    again = await work.confirm_claim(db, built.id, SECRETARY)
    result = await mark_time_limits(db, now=again.accepted_at + dt.timedelta(days=8))
    assert (result.raised, result.credited) == (1, 0)
    done_items = [i for i in await items(db, "project", built.id) if i["step"] == "done"]
    assert len(done_items) == 2 and [i["credited"] for i in done_items] == [True, False]
    assert await overdue_events(db, unit.id) == 1


async def test_a_cancelled_project_withdraws_its_item(db):
    world = await make_world(db)
    built = await make_project(db, world, PS.PUBLISHED)
    start = (await projects.get_project(db, built.id)).published_at
    assert (await mark_time_limits(db, now=start + 30 * H)).raised == 1
    await projects.cancel_project(db, built.id, SECRETARY, "no_longer_needed")
    result = await mark_time_limits(db, now=start + 30 * H)
    assert (result.resolved, result.cleared) == (1, 1)
    assert (await items(db, "project", built.id))[0]["resolution"] == "withdrawn"
    assert await alert(db, "project", built.id) is None


async def test_an_overdue_review_goes_to_the_community_without_blaming_a_unit(db):
    world = await make_world(db)
    need = await make_need(db, world, accept=False)
    late = add_working_time(need.created_at, dt.timedelta(hours=24)) + H
    result = await mark_time_limits(db, now=late)
    assert (result.raised, result.credited) == (1, 0)
    (item,) = await items(db, "need", need.id)
    assert item["unit_id"] is None and item["community_code"] == world.community
    await needs.accept_need(db, need.id, SECRETARY)
    assert (await mark_time_limits(db, now=late)).resolved == 1
    assert (await items(db, "need", need.id))[0]["resolution"] == "step_done"
    reasons = [h.reason_code for h in await projects.history_of(db, "need", need.id)]
    assert "overdue" in reasons and "supervision_resolved" in reasons


async def test_an_admin_closes_an_item_with_a_note_and_the_sweep_does_not_raise_it_again(db):
    world = await make_world(db)
    built = await make_project(db, world, PS.PUBLISHED)
    start = (await projects.get_project(db, built.id)).published_at
    await mark_time_limits(db, now=start + 30 * H)
    (item,) = await items(db, "project", built.id)
    view = await scoped.add_supervision_note(db, admin(world.street), item["id"],
                                             supervision.SupervisionNoteIn(note="已协调社区重新派单", resolve=True))
    assert view.resolution == "admin" and view.resolution_label == "管理员已办结督办"
    assert [n.body for n in view.notes] == ["已协调社区重新派单"]
    assert (await mark_time_limits(db, now=start + 40 * H)).raised == 0
    assert len(await items(db, "project", built.id)) == 1


async def test_many_open_projects_are_marked_in_one_pass(db):
    world = await make_world(db)
    built = [await make_project(db, world, s) for s in (PS.PUBLISHED, PS.DISPATCHED, PS.IN_PROGRESS,
                                                         PS.AWAITING_CLOSE, PS.DRAFT, PS.RATED)]
    await make_need(db, world, accept=False)
    far = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    result = await mark_time_limits(db, now=far)
    # draft and rated projects run no clock; the rest and the pending need are all red
    assert (result.red, result.running, result.raised) == (5, 5, 5)
    assert result.credited == 2  # the offered unit and the working unit; nobody else is to blame
    assert {r["subject_id"] for r in await db.fetch("SELECT subject_id FROM time_alerts WHERE subject = 'project'")} \
        == {b.id for b in built[:4]}


async def test_rechecking_every_red_clock_finds_nothing_the_sweep_missed(db):
    world = await make_world(db)
    for status in (PS.PUBLISHED, PS.DISPATCHED, PS.IN_PROGRESS):
        await make_project(db, world, status)
    far = dt.datetime.now(dt.UTC) + dt.timedelta(days=60)
    first = await mark_time_limits(db, now=far - dt.timedelta(days=30))
    await mark_time_limits(db, now=far)  # every clock still red, unchanged: nothing to look at
    before = await snapshot(db)
    again = await mark_time_limits(db, now=far, recheck=True)
    assert first.raised == 3 and (again.raised, again.credited, again.resolved) == (0, 0, 0)
    assert await snapshot(db) == before


async def test_pages_read_the_alerts_of_many_projects_at_once(db):
    world = await make_world(db)
    late, fresh, draft = [await make_project(db, world, s) for s in (PS.IN_PROGRESS, PS.PUBLISHED, PS.DRAFT)]
    accepted = (await projects.get_project(db, late.id)).accepted_at
    await mark_time_limits(db, now=accepted + dt.timedelta(days=8))
    async with db.acquire() as conn:
        shown = await supervision.alerts_for(conn, [late.id, fresh.id, draft.id])
    assert set(shown) == {late.id, fresh.id}
    assert ((shown[late.id].level, shown[late.id].level_label, shown[late.id].step_label)
            == (Alert.RED, "红色督办", "办结"))
    assert shown[late.id].unit_id == late.unit.id
    await projects.cancel_project(db, late.id, SECRETARY, "no_longer_needed")
    async with db.acquire() as conn:
        assert late.id not in await supervision.alerts_for(conn, [late.id])  # moved on since the sweep
