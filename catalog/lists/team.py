"""协办: helper units beside a project's lead, on projects that need several units.

A project with ``units_required`` n > 1 has one lead (主办, catalog.lists.work) and up to n − 1
helpers. A helper is an assignment with role ``helper``: proposed by the batch job (kind
``proposal``, written in the same transaction as the lead's proposal) or added by the secretary
(kind ``directed``) once the project is 已派单, 已接单 or 执行中. Either way the unit answers:

* accept (待单位答复 → 承接中) or decline with a reason (→ 已拒绝; the batch job then never pairs the
  unit with the project again, as for a declined lead);
* give an accepted helper role back with a reason (承接中 → 已退单);
* the secretary may withdraw a helper proposal still waiting for its answer (→ 已撤回).

None of these steps changes the project's status: the project follows its lead. The lead's steps
end the helpers with it (catalog.lists.steps ``end_helpers``); the sweep expires an unanswered helper
proposal without reopening the project. Credit is the lead's: answering in time or late counts for
the unit's 响应率, an expired proposal against it, a give-back against its 办结率.

Lock order as for the lead: the unit's row (when the step adds live work), then the project's row,
then assignment rows. Every helper step takes the project's row, so steps on one project's team
queue: of two secretaries adding the last slot, the second counts the first's helper.
"""

from __future__ import annotations

import asyncpg

from catalog.enums import (
    AssignmentKind,
    AssignmentRole,
    AssignmentStatus,
    CreditKind,
    ProjectStatus,
)
from catalog.errors import Conflict, Forbidden, InvalidInput, NotFound
from catalog.lists.steps import assignment_step, check_resource, credit_answer, lock_unit_for_take
from catalog.models import Actor, Assignment, ReasonIn, TeamMember
from catalog.oversight import credit
from catalog.storage.settings import get_settings
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, illegal, record_history, transaction

PS = ProjectStatus
AS = AssignmentStatus

# Where a project may have live helpers: while its lead is being asked (已派单) or at work.
TEAM_STATUSES = (PS.DISPATCHED, PS.ACCEPTED, PS.IN_PROGRESS)
WITHDRAWN_BY_SECRETARY = "helper_withdrawn"


async def team_of(db: Db, project_id: int) -> list[TeamMember]:
    """The lead and helpers on the project now (live or finished), the lead first."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("team_of_project"), project_id)
    return [TeamMember.model_validate(dict(r)) for r in rows]


async def _lock_project(conn: asyncpg.Connection, project_id: int) -> asyncpg.Record:
    project = await conn.fetchrow(q("helper_project_lock"), project_id)
    if project is None:
        raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
    return project


async def add_helper(
    db: Db, project_id: int, unit_id: int, actor: Actor, resource_id: int | None = None,
    kind: AssignmentKind = AssignmentKind.DIRECTED,
) -> Assignment:
    """The secretary asks one more unit to help (协办邀请); the unit accepts or declines.

    Open on a project that is 已派单, 已接单 or 执行中, up to ``units_required − 1`` live helpers
    (pending or active); the unit must be active, under its cap, not on the project already.
    The batch job proposes helpers the same way, with ``kind`` proposal, right after the lead.
    """
    if kind is AssignmentKind.CLAIM:
        raise InvalidInput("协办不能通过认领产生", code="invalid_value")
    async with transaction(db) as conn:
        await lock_unit_for_take(conn, unit_id)
        await check_resource(conn, resource_id, unit_id)
        project = await _lock_project(conn, project_id)
        if project["status"] not in TEAM_STATUSES:
            raise illegal("project", project_id, "add_helper", project["status"], [s.value for s in TEAM_STATUSES])
        slots = project["units_required"] - 1
        if slots < 1:
            raise Conflict("该项目只需一个承接单位，不设协办单位", code="helpers_not_needed",
                           details={"id": project_id, "units_required": project["units_required"]})
        live = await conn.fetchval(q("helper_live_count"), project_id)
        if live >= slots:
            raise Conflict(f"协办单位已满（最多 {slots} 个）", code="helper_slots_full",
                           details={"id": project_id, "slots": slots, "live": live})
        mine = await conn.fetchrow(q("helper_live_of_unit"), project_id, unit_id)
        if mine is not None:
            if mine["role"] == AssignmentRole.LEAD:
                raise Conflict("该单位是本项目的主办单位，不能再作协办", code="unit_is_lead",
                               details={"id": project_id, "unit_id": unit_id})
            raise Conflict("该单位已是本项目的协办单位或已在邀请中", code="already_helper",
                           details={"id": project_id, "unit_id": unit_id, "status": mine["status"]})
        row = await conn.fetchrow(
            q("assignment_insert"), project_id, unit_id, resource_id, kind.value,
            AssignmentRole.HELPER.value, AS.PENDING.value, str(actor), get_settings().offer_ttl_hours * 3600.0,
        )
        await record_history(conn, "assignment", row["id"], None, AS.PENDING.value, actor,
                             note=f"project:{project_id} helper")
    return Assignment.model_validate(dict(row))


async def _own_helper(conn: asyncpg.Connection, project_id: int, unit_id: int, status: AssignmentStatus,
                      action: str) -> asyncpg.Record:
    """The unit's helper assignment in ``status``; else the reason it cannot take ``action``."""
    mine = await conn.fetchrow(q("helper_live_of_unit"), project_id, unit_id)
    if mine is not None and mine["role"] == AssignmentRole.HELPER and mine["status"] == status:
        return mine
    if mine is not None and mine["role"] == AssignmentRole.LEAD:
        raise Conflict("本单位是该项目的主办单位，请在派单或项目页办理", code="not_helper",
                       details={"project_id": project_id})
    latest = mine or await conn.fetchrow(q("helper_latest_of_unit"), project_id, unit_id)
    if latest is None:
        raise Forbidden("本单位不是该项目的协办单位", code="not_helper", details={"project_id": project_id})
    # a step already taken, or lost to the secretary, the lead or the sweep: say what it is now
    raise illegal("assignment", latest["id"], action, latest["status"], [status.value])


async def accept_helper(db: Db, project_id: int, unit_id: int, actor: Actor) -> Assignment:
    """The unit accepts its helper proposal (待单位答复 → 承接中); the project's status stays."""
    async with transaction(db) as conn:
        # the pending proposal already counts towards the unit's live work; accepting adds none
        await lock_unit_for_take(conn, unit_id, counting_self=True)
        project = await _lock_project(conn, project_id)
        mine = await _own_helper(conn, project_id, unit_id, AS.PENDING, "accept_helper")
        if project["status"] not in TEAM_STATUSES:  # never with the lead's steps; a guard for other writers
            raise illegal("project", project_id, "accept_helper", project["status"], [s.value for s in TEAM_STATUSES])
        a = await assignment_step(conn, mine, [AS.PENDING], AS.ACTIVE, actor)
        await credit_answer(conn, a, project)
    return Assignment.model_validate(dict(a))


async def decline_helper(db: Db, project_id: int, unit_id: int, data: ReasonIn, actor: Actor) -> Assignment:
    """The unit declines its helper proposal with a reason code (→ 已拒绝).

    The declined pair is left out of later batch runs, as for a declined lead.
    """
    async with transaction(db) as conn:
        project = await _lock_project(conn, project_id)
        mine = await _own_helper(conn, project_id, unit_id, AS.PENDING, "decline_helper")
        a = await assignment_step(conn, mine, [AS.PENDING], AS.DECLINED, actor, data.reason.value, data.note)
        await credit.append(conn, unit_id, project_id, CreditKind.DECLINED_WITH_REASON)
        await credit_answer(conn, a, project)
    return Assignment.model_validate(dict(a))


async def give_back_helper(db: Db, project_id: int, unit_id: int, data: ReasonIn, actor: Actor) -> Assignment:
    """退出协办: the unit gives its accepted helper role back with a reason (→ 已退单).

    The project and its lead go on; the slot is free for another helper.
    """
    async with transaction(db) as conn:
        await _lock_project(conn, project_id)
        mine = await _own_helper(conn, project_id, unit_id, AS.ACTIVE, "give_back_helper")
        a = await assignment_step(conn, mine, [AS.ACTIVE], AS.RETURNED, actor, data.reason.value, data.note)
        await credit.append(conn, unit_id, project_id, CreditKind.RETURNED)
    return Assignment.model_validate(dict(a))


async def withdraw_helper(db: Db, project_id: int, unit_id: int, actor: Actor, note: str | None = None) -> Assignment:
    """The secretary takes back a helper proposal the unit has not answered (→ 已撤回)."""
    async with transaction(db) as conn:
        await _lock_project(conn, project_id)
        mine = await conn.fetchrow(q("helper_live_of_unit"), project_id, unit_id)
        if mine is None:
            mine = await conn.fetchrow(q("helper_latest_of_unit"), project_id, unit_id)
        if mine is None or mine["role"] != AssignmentRole.HELPER:  # a unit never asked to help, or the lead
            raise Conflict("该单位没有本项目的协办邀请", code="no_helper_proposal",
                           details={"project_id": project_id, "unit_id": unit_id})
        if mine["status"] != AS.PENDING:
            raise illegal("assignment", mine["id"], "withdraw_helper", mine["status"], [AS.PENDING.value])
        a = await assignment_step(conn, mine, [AS.PENDING], AS.WITHDRAWN, actor, WITHDRAWN_BY_SECRETARY, note)
    return Assignment.model_validate(dict(a))

