"""The moves the project commands share (``projects``, ``work``, ``closing``, and ``team`` for the
helpers): the guarded steps of a project and of an assignment, the lock and checks of a unit
taking work (and the domain error an offer's refusal raises), the live lead, and the helpers
ending with their lead.

A project that needs several units also has helpers (协办, catalog.lists.team) beside its lead. They
live only while the lead does: every step that ends the lead's claim or offer, cancels or
completes the project ends the live helpers in the same transaction (:func:`end_helpers`).

Lock order, everywhere: unit row, then project row, then assignment rows. Keeping one order means
concurrent commands queue up instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import asyncpg

from catalog.enums import (
    PROJECT_TRANSITIONS,
    AssignmentKind,
    AssignmentStatus,
    CreditKind,
    LimitStep,
    ProjectStatus,
    Urgency,
)
from catalog.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from catalog.lists.offers import OFFER, OFFER_FROM, resource_refusal, unit_refusal
from catalog.models import Actor
from catalog.oversight import credit, supervision
from catalog.storage.sql import q
from catalog.storage.tx import guarded_step, illegal, record_history

PS = ProjectStatus
AS = AssignmentStatus


# --- guarded steps --------------------------------------------------------------------------


def from_states(action: str, table: Mapping[str, Collection[str]] = PROJECT_TRANSITIONS) -> list[str]:
    """The statuses ``action`` starts from in a transition table (the projects' unless given), as
    a guarded UPDATE takes them: a ``text[]`` parameter."""
    return sorted(str(s) for s in table[action])


async def project_step(
    conn: asyncpg.Connection, project_id: int, action: str, to: ProjectStatus, actor: Actor,
    reason: str | None = None, note: str | None = None,
) -> asyncpg.Record:
    allowed = from_states(action)
    row = await guarded_step(
        conn, entity="project", query="project_transition", entity_id=project_id,
        args=(allowed, to.value, reason), get_query="project_get", action=action, allowed=allowed,
    )
    await record_history(conn, "project", project_id, row["from_status"], to.value, actor, reason, note)
    return row


async def assignment_step(
    conn: asyncpg.Connection, lead: asyncpg.Record, allowed: list[AssignmentStatus], to: AssignmentStatus,
    actor: Actor, reason: str | None = None, note: str | None = None,
) -> asyncpg.Record:
    allowed_v = [s.value for s in allowed]
    row = await guarded_step(
        conn, entity="assignment", query="assignment_transition", entity_id=lead["id"],
        args=(allowed_v, to.value, reason, note), get_query="assignment_get_by_id",
        action=to.value, allowed=allowed_v,
    )
    await record_history(conn, "assignment", lead["id"], row["from_status"], to.value, actor, reason, note)
    return row


# --- helpers end with their lead ------------------------------------------------------------


class HelpersEnd:
    """How live helpers end when the lead's part ends: (pending →, active →, reason code)."""

    # the lead's claim or offer ended and the project is 已发布 again; the lead's reason goes in the note
    LEAD_ENDED = (AS.WITHDRAWN, AS.RELEASED, "lead_ended")
    # 撤单: as the lead's own assignment
    CANCELLED = (AS.CANCELLED, AS.CANCELLED, "project_cancelled")
    # the lead reported completion: those working finish with it, an unanswered proposal is moot
    COMPLETED = (AS.WITHDRAWN, AS.COMPLETED, "project_completed")


async def end_helpers(
    conn: asyncpg.Connection, project_id: int, actor: Actor | str,
    how: tuple[AssignmentStatus, AssignmentStatus, str], note: str | None = None,
) -> list[asyncpg.Record]:
    """End every live helper of the project, with history; the caller holds the project row."""
    pending_to, active_to, reason = how
    rows = await conn.fetch(q("helpers_end_live"), project_id, pending_to.value, active_to.value, reason, note)
    for r in rows:
        await record_history(conn, "assignment", r["id"], r["from_status"], r["status"], actor, reason, note)
    return rows


# --- taking work ----------------------------------------------------------------------------


async def unit_for_take(conn: asyncpg.Connection, unit_id: int) -> tuple[asyncpg.Record | None, int]:
    """Lock the unit's row and count its live work: the unit (``None``: no such unit) and the count."""
    unit = await conn.fetchrow(q("unit_lock_for_take"), unit_id)
    if unit is None:
        return None, 0
    # A separate statement, so that it sees the work committed by whoever held the lock before us.
    live = await conn.fetchval(q("unit_live_work"), unit_id)
    return unit, live


async def resource_for_take(conn: asyncpg.Connection, resource_id: int | None) -> asyncpg.Record | None:
    """The resource named for the work (``None``: none named, or no such resource)."""
    if resource_id is None:
        return None
    return await conn.fetchrow(q("resource_get"), resource_id)


async def lock_unit_for_take(conn: asyncpg.Connection, unit_id: int, *, counting_self: bool = False) -> None:
    """Lock the unit's row and check it may take one more piece of work.

    ``counting_self``: the step's own work is already among the unit's live work (a pending
    offer being accepted), so it adds none.
    """
    unit, live = await unit_for_take(conn, unit_id)
    cap = unit["active_cap"] if unit is not None else 0
    code = unit_refusal(unit["status"] if unit is not None else None, cap, live - (1 if counting_self else 0))
    if code is not None:
        raise refused(code, unit_id=unit_id, unit_cap=cap, unit_live=live)


async def check_resource(conn: asyncpg.Connection, resource_id: int | None, unit_id: int) -> None:
    res = await resource_for_take(conn, resource_id)
    code = resource_refusal(unit_id, resource_id, res["unit_id"] if res is not None else None,
                            res["status"] if res is not None else None)
    if code is not None:
        raise refused(code, resource_id=resource_id)


def refused(
    code: str, *, project_id: int | None = None, unit_id: int | None = None, resource_id: int | None = None,
    unit_cap: int | None = None, unit_live: int | None = None, project_status: str | None = None,
    action: str = OFFER, allowed: Collection[str] = OFFER_FROM,
) -> DomainError:
    """The domain error for a refusal of :mod:`catalog.lists.offers`, as a command raises it.

    ``action`` and ``allowed``: the project step refused (``illegal_transition``), the offer's.
    """
    if code == "unit_not_found":
        return NotFound("成员单位不存在", code=code, details={"id": unit_id})
    if code == "unit_suspended":
        return Conflict("成员单位已暂停，不能承接项目", code=code, details={"id": unit_id})
    if code == "unit_cap_reached":
        return Conflict(f"成员单位在办项目已达上限（{unit_cap}个）", code=code,
                        details={"id": unit_id, "cap": unit_cap, "live": unit_live})
    if code == "resource_not_found":
        return NotFound("资源不存在", code=code, details={"id": resource_id})
    if code == "resource_not_of_unit":
        return InvalidInput("资源不属于该成员单位", code=code, details={"id": resource_id})
    if code == "resource_not_published":
        return Conflict("资源未发布，不能用于承接项目", code=code, details={"id": resource_id})
    if code == "project_not_found":
        return NotFound("项目不存在", code=code, details={"id": project_id})
    if code == "illegal_transition":
        # only a project that is there has a status to refuse (offer_refusal)
        assert project_id is not None and project_status is not None
        return illegal("project", project_id, action, project_status, [str(s) for s in allowed])
    # the team and capacity checks: the batch job's, which skips rather than raises
    return Conflict("不能向该单位派出此项目", code=code, details={"project_id": project_id, "unit_id": unit_id})


async def insert_assignment(
    conn: asyncpg.Connection, project_id: int, unit_id: int, resource_id: int | None,
    kind: AssignmentKind, ttl_hours: float, actor: Actor,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        q("assignment_insert"), project_id, unit_id, resource_id, kind.value, "lead",
        AS.PENDING.value, str(actor), ttl_hours * 3600.0,
    )
    await record_history(conn, "assignment", row["id"], None, AS.PENDING.value, actor, note=f"project:{project_id}")
    return row


# --- the live lead and its answer -----------------------------------------------------------


async def live_lead(conn: asyncpg.Connection, project_id: int, *, status: AssignmentStatus | None = None,
                     kind: AssignmentKind | None = None, action: str | None = None) -> asyncpg.Record:
    lead = await conn.fetchrow(q("assignment_live_lead"), project_id)
    if lead is None or (status is not None and lead["status"] != status) or (
        kind is not None and (lead["kind"] == AssignmentKind.CLAIM) != (kind == AssignmentKind.CLAIM)
    ):
        p = await conn.fetchrow(q("project_get"), project_id)
        if p is None:
            raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
        # A project in the wrong status is an illegal step, whatever its assignments look like.
        if action:
            allowed = from_states(action)
            if p["status"] not in allowed:
                raise illegal("project", project_id, action, p["status"], allowed)
        raise Conflict("没有可处理的认领或派单", code="no_pending_assignment", details={"id": project_id})
    return lead


def require_owner(lead: asyncpg.Record, unit_id: int) -> None:
    if lead["unit_id"] != unit_id:
        raise Forbidden("该项目不由本单位承接", code="not_owner", details={"project_id": lead["project_id"]})


async def credit_answer(conn: asyncpg.Connection, assignment: asyncpg.Record, project: asyncpg.Record) -> None:
    # the 签收 limit the sweep colours this offer by: the category's, its parent's, else the default
    limit = await supervision.effective_limit(conn, project["category_code"], LimitStep.ACK,
                                              Urgency(project["urgency"]))
    in_time = assignment["answered_at"] - assignment["created_at"] <= limit
    kind = CreditKind.ANSWERED_IN_TIME if in_time else CreditKind.ANSWERED_LATE
    await credit.append(conn, assignment["unit_id"], project["id"], kind)
