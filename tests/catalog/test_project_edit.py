"""Editing a project, and the secretary's confirmation of a batch proposal.

A draft (草拟) changes in every field; a published project (已发布) only in its title, description
and priority; every other status refuses any change with ``project_locked``. A refused edit leaves
every table as it was; an accepted one writes one history row that says what changed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from catalog.enums import AssignmentKind, AssignmentStatus, DispatchMode, ProjectStatus, Urgency
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.lists import projects, work
from catalog.models import ProjectPatchIn
from tests.factories import SECRETARY, make_project, make_unit, make_world, snapshot, unit_actor

PS = ProjectStatus
WORDS = ProjectPatchIn(title="助老理发服务", description="每月一次上门理发", priority=5)
START = dt.datetime(2031, 5, 1, 9, tzinfo=dt.UTC)


async def _edits(db, project_id: int) -> list:
    return [h for h in await projects.history_of(db, "project", project_id) if h.reason_code == "edited"]


async def test_a_draft_changes_in_every_field_and_history_says_what(db):
    w = await make_world(db)
    built = await make_project(db, w, PS.DRAFT)
    patch = ProjectPatchIn(
        title="周末助老", description="陪同就医", category_code="public.health", required_skills=["陪诊"],
        place="社区卫生站", lat=36.21, lon=111.6, window_start=START, window_end=START + dt.timedelta(hours=3),
        units_required=2, estimated_hours=Decimal("3.5"), priority=4, urgency=Urgency.URGENT,
        dispatch_mode=DispatchMode.DIRECTED, claim_deadline=START - dt.timedelta(days=1),
    )
    edited = await projects.update_project(db, built.id, patch, SECRETARY)

    stored = await projects.get_project(db, built.id)
    for name, value in patch.changes().items():
        assert getattr(stored, name) == value, name
    assert stored.status is PS.DRAFT and stored.updated_at > built.project.updated_at
    assert edited.title == "周末助老"
    [h] = await _edits(db, built.id)
    assert (h.from_status, h.to_status, h.actor) == ("draft", "draft", str(SECRETARY))
    assert "项目名称" in h.note and "优先级 3→4" in h.note and "紧急程度 一般→紧急" in h.note
    assert "派单方式 认领→定向" in h.note


async def test_a_draft_edit_can_clear_what_may_be_empty(db):
    w = await make_world(db)
    built = await make_project(db, w, PS.DRAFT)
    await projects.update_project(db, built.id, ProjectPatchIn(lat=36.2, lon=111.6, window_start=START), SECRETARY)
    await projects.update_project(db, built.id, ProjectPatchIn(lat=None, lon=None, window_start=None), SECRETARY)
    stored = await projects.get_project(db, built.id)
    assert (stored.lat, stored.lon, stored.window_start) == (None, None, None)


async def test_a_published_project_changes_its_words_and_priority(db):
    w = await make_world(db)
    built = await make_project(db, w, PS.PUBLISHED)
    await projects.update_project(db, built.id, WORDS, SECRETARY)
    stored = await projects.get_project(db, built.id)
    assert (stored.title, stored.description, stored.priority, stored.status) == (
        "助老理发服务", "每月一次上门理发", 5, PS.PUBLISHED)
    [h] = await _edits(db, built.id)
    assert h.from_status == h.to_status == "published" and "项目内容" in h.note


@pytest.mark.parametrize("patch", [
    ProjectPatchIn(urgency=Urgency.URGENT),
    ProjectPatchIn(estimated_hours=Decimal("9")),
    ProjectPatchIn(title="新名称", category_code="public.health"),  # one locked field refuses the whole edit
    ProjectPatchIn(claim_deadline=START),
    ProjectPatchIn(place="别处"),
])
async def test_a_published_project_keeps_what_units_read_it_for(db, patch):
    w = await make_world(db)
    built = await make_project(db, w, PS.PUBLISHED)
    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await projects.update_project(db, built.id, patch, SECRETARY)
    assert err.value.code == "project_locked" and "撤单" in err.value.message
    assert "title" not in err.value.details["fields"]
    assert await snapshot(db) == before


async def test_a_locked_field_sent_unchanged_is_no_change(db):
    w = await make_world(db)
    built = await make_project(db, w, PS.PUBLISHED)
    p = built.project
    same = ProjectPatchIn(title="新名称", urgency=p.urgency, estimated_hours=p.estimated_hours,
                          category_code=p.category_code, dispatch_mode=p.dispatch_mode)
    edited = await projects.update_project(db, built.id, same, SECRETARY)
    assert edited.title == "新名称"
    [h] = await _edits(db, built.id)
    assert h.note == "修改项目名称"


@pytest.mark.parametrize("status", [PS.CLAIMING, PS.DISPATCHED, PS.ACCEPTED, PS.IN_PROGRESS, PS.AWAITING_CLOSE,
                                    PS.CLOSED, PS.RATED, PS.CANCELLED])
async def test_no_edit_once_a_unit_is_on_it_or_it_is_over(db, status):
    w = await make_world(db)
    built = await make_project(db, w, status)
    before = await snapshot(db)
    for patch in (WORDS, ProjectPatchIn()):
        with pytest.raises(Conflict) as err:
            await projects.update_project(db, built.id, patch, SECRETARY)
        assert err.value.code == "project_locked"
        assert err.value.details["status"] == status.value and status.label in err.value.message
    assert await snapshot(db) == before


@pytest.mark.parametrize("patch, message", [
    (ProjectPatchIn(lat=36.2), "经纬度"),  # the stored project has no longitude to go with it
    (ProjectPatchIn(window_end=START), "开始时间"),  # before the stored start
])
async def test_the_rules_across_fields_hold_for_the_edited_project(db, patch, message):
    w = await make_world(db)
    built = await make_project(db, w, PS.DRAFT)
    await projects.update_project(db, built.id, ProjectPatchIn(window_start=START + dt.timedelta(days=1)), SECRETARY)
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await projects.update_project(db, built.id, patch, SECRETARY)
    assert message in err.value.message
    assert await snapshot(db) == before


async def test_an_unknown_category_is_refused(db):
    w = await make_world(db)
    built = await make_project(db, w, PS.DRAFT)
    before = await snapshot(db)
    for code in ("public.nothing", "public"):
        with pytest.raises(InvalidInput) as err:
            await projects.update_project(db, built.id, ProjectPatchIn(category_code=code), SECRETARY)
        assert err.value.code == "unknown_category"
    assert await snapshot(db) == before


async def test_an_edit_from_a_stale_version_is_refused(db):
    w = await make_world(db)
    built = await make_project(db, w, PS.DRAFT)
    seen = built.project.updated_at
    await projects.update_project(db, built.id, ProjectPatchIn(title="第一次"), SECRETARY, expected_updated_at=seen)
    before = await snapshot(db)
    with pytest.raises(Conflict) as err:
        await projects.update_project(db, built.id, ProjectPatchIn(title="第二次"), SECRETARY, expected_updated_at=seen)
    assert err.value.code == "project_changed"
    assert await snapshot(db) == before


async def test_an_edit_that_changes_nothing_writes_nothing(db):
    w = await make_world(db)
    built = await make_project(db, w, PS.DRAFT)
    before = await snapshot(db)
    same = await projects.update_project(db, built.id, ProjectPatchIn(title=built.project.title), SECRETARY)
    assert same.updated_at == built.project.updated_at
    assert await snapshot(db) == before


async def test_a_missing_project_is_not_found(db):
    with pytest.raises(NotFound):
        await projects.update_project(db, 10**12, WORDS, SECRETARY)


# --- the secretary's confirmation of a batch proposal ----------------------------------------


async def _proposal(db, w):
    built = await make_project(db, w, PS.PUBLISHED, via=DispatchMode.OPTIMISE)
    unit = await make_unit(db, w)
    a = await work.direct_project(db, built.id, unit.id, SECRETARY, kind=AssignmentKind.PROPOSAL)
    return built, unit, a


async def test_confirming_a_proposal_records_who_and_leaves_the_answer_to_the_unit(db):
    w = await make_world(db)
    built, unit, a = await _proposal(db, w)
    confirmed = await work.confirm_proposal(db, a.id, SECRETARY, "请尽快联系居民")
    assert confirmed.status is AssignmentStatus.PENDING and confirmed.expires_at == a.expires_at
    assert confirmed.confirmed_by == str(SECRETARY) and confirmed.confirmed_at is not None
    assert (await projects.get_project(db, built.id)).status is PS.DISPATCHED
    h = (await projects.history_of(db, "assignment", a.id))[-1]
    assert (h.from_status, h.to_status, h.reason_code, h.note) == ("pending", "pending", "proposal_confirmed",
                                                                    "请尽快联系居民")
    # the unit still answers: accepting makes it 已接单
    accepted = await work.accept_offer(db, built.id, unit.id, unit_actor(unit.id))
    assert accepted.status is PS.ACCEPTED


async def test_confirming_twice_a_withdrawn_or_a_directed_offer_is_refused(db):
    w = await make_world(db)
    _, _, twice = await _proposal(db, w)
    await work.confirm_proposal(db, twice.id, SECRETARY)
    gone_project, _, gone = await _proposal(db, w)
    await work.withdraw_offer(db, gone_project.id, SECRETARY)
    directed = await make_project(db, w, PS.DISPATCHED)
    [offer] = await projects.assignments_of(db, directed.id)
    claim = await make_project(db, w, PS.CLAIMING)
    [claimed] = await projects.assignments_of(db, claim.id)
    before = await snapshot(db)
    for assignment_id, code in ((twice.id, "already_confirmed"), (gone.id, "illegal_transition"),
                                (offer.id, "not_a_proposal"), (claimed.id, "not_a_proposal")):
        with pytest.raises(Conflict) as err:
            await work.confirm_proposal(db, assignment_id, SECRETARY)
        assert err.value.code == code, assignment_id
    with pytest.raises(NotFound):
        await work.confirm_proposal(db, 10**12, SECRETARY)
    assert await snapshot(db) == before
