"""Taking a project and doing the work: claims (认领) and offers (定向派单, and the batch job's
proposals), their answers, progress, giving the project back, and the expiry of what nobody
answered in time.

A claim waits for the secretary's confirmation, an offer for the unit's answer; either ends as
the project's live lead, or the project is 已发布 again. Whether a unit may be offered a project
at all is :mod:`catalog.lists.offers`' rule.
"""

from __future__ import annotations

import datetime as dt
import logging

import asyncpg

from catalog.enums import AssignmentKind, AssignmentRole, AssignmentStatus, CreditKind, DispatchMode
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.lists.offers import OFFER, OFFERED, offer_refusal
from catalog.lists.steps import (
    AS,
    PS,
    HelpersEnd,
    assignment_step,
    check_resource,
    credit_answer,
    end_helpers,
    from_states,
    insert_assignment,
    live_lead,
    lock_unit_for_take,
    project_step,
    refused,
    require_owner,
    resource_for_take,
    unit_for_take,
)
from catalog.models import Actor, Assignment, ProgressEntry, ProgressIn, Project, ReasonIn
from catalog.oversight import credit
from catalog.storage.settings import get_settings
from catalog.storage.sql import q
from catalog.storage.tx import Db, illegal, record_history, transaction

log = logging.getLogger(__name__)


# --- taking a project ------------------------------------------------------------------------


async def claim_project(
    db: Db, project_id: int, unit_id: int, actor: Actor, resource_id: int | None = None
) -> Assignment:
    """A unit claims a published project (认领). Of many racing claims exactly one wins.

    The losers get ``Conflict('already_taken')`` (or ``illegal_transition`` once the winner has
    moved the project on); the winner waits for the secretary's confirmation within the claim's
    time to live.
    """
    async with transaction(db) as conn:
        await lock_unit_for_take(conn, unit_id)
        await check_resource(conn, resource_id, unit_id)
        row = await conn.fetchrow(q("project_claim"), project_id, from_states("claim"), PS.CLAIMING.value)
        if row is None:
            await _explain_no_claim(conn, project_id)
        await record_history(conn, "project", project_id, row["from_status"], PS.CLAIMING.value, actor)
        a = await insert_assignment(
            conn, project_id, unit_id, resource_id, AssignmentKind.CLAIM, get_settings().claim_ttl_hours, actor
        )
    return Assignment.model_validate(dict(a))


async def _explain_no_claim(conn: asyncpg.Connection, project_id: int) -> None:
    p = await conn.fetchrow(q("project_get"), project_id)
    if p is None:
        raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
    if p["status"] in (PS.CLAIMING, PS.DISPATCHED, PS.ACCEPTED, PS.IN_PROGRESS):
        raise Conflict("该项目已有单位认领或承接", code="already_taken", details={"id": project_id})
    allowed = from_states("claim")
    if p["status"] not in allowed:
        raise illegal("project", project_id, "claim", p["status"], allowed)
    if p["dispatch_mode"] != DispatchMode.CLAIM:
        raise Conflict(
            f"该项目为“{DispatchMode(p['dispatch_mode']).label}”，不开放认领",
            code="not_open_for_claims", details={"id": project_id},
        )
    raise Conflict("认领截止时间已过", code="claim_deadline_passed", details={"id": project_id})


async def confirm_claim(db: Db, project_id: int, actor: Actor) -> Project:
    """The secretary confirms the pending claim: 认领中 → 已接单."""
    async with transaction(db) as conn:
        lead = await live_lead(conn, project_id, status=AS.PENDING, kind=AssignmentKind.CLAIM, action="confirm_claim")
        row = await project_step(conn, project_id, "confirm_claim", PS.ACCEPTED, actor)
        await assignment_step(conn, lead, [AS.PENDING], AS.ACTIVE, actor)
    return Project.model_validate(dict(row))


async def _end_pending(
    db: Db, project_id: int, actor: Actor, *, kind: AssignmentKind, to: AssignmentStatus,
    unit_id: int | None, reason: str, note: str | None = None,
) -> Project:
    async with transaction(db) as conn:
        lead = await live_lead(conn, project_id, status=AS.PENDING, kind=kind, action="reopen")
        if unit_id is not None:
            require_owner(lead, unit_id)
        row = await project_step(conn, project_id, "reopen", PS.PUBLISHED, actor, reason, note)
        a = await assignment_step(conn, lead, [AS.PENDING], to, actor, reason, note)
        await end_helpers(conn, project_id, actor, HelpersEnd.LEAD_ENDED, note=reason)
        if to is AS.DECLINED:
            await credit.append(conn, lead["unit_id"], project_id, CreditKind.DECLINED_WITH_REASON)
            await credit_answer(conn, a, row)
    return Project.model_validate(dict(row))


async def release_claim(db: Db, project_id: int, unit_id: int, actor: Actor) -> Project:
    """The claiming unit lets go before confirmation; the project is open again."""
    return await _end_pending(db, project_id, actor, kind=AssignmentKind.CLAIM, to=AS.RELEASED,
                              unit_id=unit_id, reason="released_by_unit")


async def reject_claim(db: Db, project_id: int, actor: Actor, note: str | None = None) -> Project:
    """The secretary turns a claim down; the project is open again."""
    return await _end_pending(db, project_id, actor, kind=AssignmentKind.CLAIM, to=AS.WITHDRAWN,
                              unit_id=None, reason="claim_rejected", note=note)


async def direct_project(
    db: Db, project_id: int, unit_id: int, actor: Actor, resource_id: int | None = None,
    kind: AssignmentKind = AssignmentKind.DIRECTED,
) -> Assignment:
    """The community offers a published project to a unit (定向派单); the unit must answer.

    Refused, as :func:`catalog.lists.steps.refused` raises it, for the reason
    :func:`catalog.lists.offers.offer_refusal` gives: the batch job's set-based writer asks the
    same rule.
    """
    if kind is AssignmentKind.CLAIM:
        raise InvalidInput("派单类型不能为认领", code="invalid_value")
    async with transaction(db) as conn:
        # An offer counts towards the unit's live work: refuse it now rather than send one the
        # unit could never accept.
        unit, live = await unit_for_take(conn, unit_id)
        res = await resource_for_take(conn, resource_id)
        # locked after the unit (the lock order): the status the rule reads is the one the step moves from
        project = await conn.fetchrow(q("project_lock"), project_id)
        code = offer_refusal(
            unit_id=unit_id,
            unit_status=unit["status"] if unit is not None else None,
            unit_cap=unit["active_cap"] if unit is not None else 0,
            unit_live=live,
            resource_id=resource_id,
            resource_unit_id=res["unit_id"] if res is not None else None,
            resource_status=res["status"] if res is not None else None,
            project_status=project["status"] if project is not None else None,
        )
        if code is not None:
            raise refused(code, project_id=project_id, unit_id=unit_id, resource_id=resource_id,
                          unit_cap=unit["active_cap"] if unit is not None else None, unit_live=live,
                          project_status=project["status"] if project is not None else None)
        await project_step(conn, project_id, OFFER, OFFERED, actor)
        a = await insert_assignment(conn, project_id, unit_id, resource_id, kind, get_settings().offer_ttl_hours, actor)
    return Assignment.model_validate(dict(a))


async def withdraw_offer(db: Db, project_id: int, actor: Actor, note: str | None = None) -> Project:
    """The secretary takes an unanswered offer back."""
    return await _end_pending(db, project_id, actor, kind=AssignmentKind.DIRECTED, to=AS.WITHDRAWN,
                              unit_id=None, reason="offer_withdrawn", note=note)


async def reassign_offer(
    db: Db, project_id: int, unit_id: int, actor: Actor, resource_id: int | None = None, note: str | None = None,
) -> Assignment:
    """改派: the unanswered offer is withdrawn and the project offered to another unit, in one
    transaction: if the new offer cannot be made (the unit is full or suspended, the resource is
    not its own …) the first offer stays exactly as it was."""
    async with transaction(db) as conn:
        # what stands now (read, not locked: the withdrawal below checks it again under the lock)
        lead = await live_lead(conn, project_id, status=AS.PENDING, kind=AssignmentKind.DIRECTED, action="reopen")
        if lead["unit_id"] == unit_id:
            raise Conflict("项目已派给该单位，请选择其他单位", code="same_unit",
                           details={"id": project_id, "unit_id": unit_id})
        # lock order as every command: the unit taking work, then the project
        await lock_unit_for_take(conn, unit_id)
        await withdraw_offer(conn, project_id, actor, note or "改派")
        return await direct_project(conn, project_id, unit_id, actor, resource_id)


async def accept_offer(db: Db, project_id: int, unit_id: int, actor: Actor) -> Project:
    """The unit accepts an offer: 已派单 → 已接单, within its cap."""
    async with transaction(db) as conn:
        # The pending offer already counts towards the unit's live work; accepting it adds none.
        await lock_unit_for_take(conn, unit_id, counting_self=True)
        lead = await live_lead(conn, project_id, status=AS.PENDING, kind=AssignmentKind.DIRECTED, action="accept_offer")
        require_owner(lead, unit_id)
        row = await project_step(conn, project_id, "accept_offer", PS.ACCEPTED, actor)
        a = await assignment_step(conn, lead, [AS.PENDING], AS.ACTIVE, actor)
        await credit_answer(conn, a, row)
    return Project.model_validate(dict(row))


async def decline_offer(db: Db, project_id: int, unit_id: int, data: ReasonIn, actor: Actor) -> Project:
    """The unit declines with a reason code; the project goes back to 已发布."""
    return await _end_pending(db, project_id, actor, kind=AssignmentKind.DIRECTED, to=AS.DECLINED,
                              unit_id=unit_id, reason=data.reason.value, note=data.note)


# --- doing the work --------------------------------------------------------------------------


async def start_project(db: Db, project_id: int, unit_id: int, actor: Actor) -> Project:
    """已接单 → 执行中."""
    async with transaction(db) as conn:
        lead = await live_lead(conn, project_id, status=AS.ACTIVE, action="start")
        require_owner(lead, unit_id)
        row = await project_step(conn, project_id, "start", PS.IN_PROGRESS, actor)
    return Project.model_validate(dict(row))


async def add_progress(db: Db, project_id: int, unit_id: int, data: ProgressIn, actor: Actor) -> ProgressEntry:
    """A progress entry by the owning unit; the first one on an accepted project starts it."""
    async with transaction(db) as conn:
        lead = await live_lead(conn, project_id, status=AS.ACTIVE)
        require_owner(lead, unit_id)
        project = await conn.fetchrow(q("project_get"), project_id)
        if project["status"] == PS.ACCEPTED:
            await project_step(conn, project_id, "start", PS.IN_PROGRESS, actor, note="first_progress")
        elif project["status"] != PS.IN_PROGRESS:
            raise illegal("project", project_id, "progress", project["status"], [PS.ACCEPTED, PS.IN_PROGRESS])
        row = await conn.fetchrow(q("progress_insert"), project_id, unit_id, data.body, data.photo_url)
    return ProgressEntry.model_validate(dict(row))


async def give_back(db: Db, project_id: int, unit_id: int, data: ReasonIn, actor: Actor) -> Project:
    """退单: the unit gives the project back with a reason; it returns to 已发布."""
    async with transaction(db) as conn:
        lead = await live_lead(conn, project_id, status=AS.ACTIVE, action="give_back")
        require_owner(lead, unit_id)
        row = await project_step(conn, project_id, "give_back", PS.PUBLISHED, actor, "returned_by_unit", data.note)
        await assignment_step(conn, lead, [AS.ACTIVE], AS.RETURNED, actor, data.reason.value, data.note)
        await end_helpers(conn, project_id, actor, HelpersEnd.LEAD_ENDED, note="returned_by_unit")
        await credit.append(conn, unit_id, project_id, CreditKind.RETURNED)
    return Project.model_validate(dict(row))


# --- what time does on its own ---------------------------------------------------------------


async def expire_pending(db: Db, now: dt.datetime | None = None) -> int:
    """Claims, offers and helper proposals past their time to live end as 已过期.

    A lead's project reopens (已发布) and its other live helpers end with it; a helper's expiry
    leaves the project and its lead as they are. An unanswered offer or helper proposal counts
    against the unit's 响应率; an unconfirmed claim does not, since the wait was the community's.

    Set-based, in one transaction: a run's worth of proposals expiring together (tens of
    thousands) takes a few statements, not a few per proposal. Projects and assignments busy in
    another transaction are left for the next sweep.
    """
    now = now or dt.datetime.now(dt.UTC)
    actor = "system:sweep"
    async with transaction(db) as conn:
        locked = await conn.fetch(q("expire_lock_projects"), now)
        if not locked:
            return 0
        before = {r["id"]: r["status"] for r in locked}
        due = await conn.fetch(q("expire_lock_due"), now, list(before))
        if not due:
            return 0
        await conn.execute(q("expire_end"), [r["id"] for r in due])
        leads = sorted({r["project_id"] for r in due if r["role"] == AssignmentRole.LEAD})
        reopened = {r["id"] for r in await conn.fetch(
            q("expire_reopen"), leads, from_states("reopen"), PS.PUBLISHED.value)} if leads else set()
        # per assignment: its own line, then its project's when it reopened the project
        lines: list[tuple[str, str, str, str]] = []
        for r in due:
            lines.append(("assignment", str(r["id"]), AS.PENDING.value, AS.EXPIRED.value))
            if r["role"] == AssignmentRole.LEAD and r["project_id"] in reopened:
                lines.append(("project", str(r["project_id"]), before[r["project_id"]], PS.PUBLISHED.value))
        await conn.execute(q("expire_history"), *(list(column) for column in zip(*lines, strict=True)), actor)
        for row in await conn.fetch(q("expire_projects_with_helpers"), sorted(reopened)):
            await end_helpers(conn, row["project_id"], actor, HelpersEnd.LEAD_ENDED, note="ttl_expired")
        charged = [r for r in due if r["kind"] != AssignmentKind.CLAIM]
        if charged:
            await conn.execute(q("expire_credit"), [r["unit_id"] for r in charged], [r["project_id"] for r in charged])
    log.info("sweep: %d claims and offers expired, %d projects reopened", len(due), len(reopened))
    return len(due)


# --- the secretary's confirmation of a batch proposal ----------------------------------------
#
# The optimiser's output is a proposal a person confirms. The batch job writes a proposal as an
# offer the unit can answer at once (catalog.batch), and the unit's acceptance is what makes the
# project 已接单. The secretary's part is recorded beside it: confirm (社区已确认, shown to the
# unit and on the secretary's pages), replace (改派: withdraw and offer to another unit) or
# withdraw. A confirmation changes neither status nor time to live and never stands in for the
# unit's answer; an unconfirmed proposal the unit accepts is still accepted.

PROPOSAL_CONFIRMED = "proposal_confirmed"


async def confirm_proposal(db: Db, assignment_id: int, actor: Actor, note: str | None = None) -> Assignment:
    """Record the secretary's confirmation of a pending batch proposal (once)."""
    async with transaction(db) as conn:
        row = await conn.fetchrow(q("proposal_confirm"), assignment_id, str(actor))
        if row is None:
            await _explain_no_confirm(conn, assignment_id)
        await record_history(conn, "assignment", assignment_id, AS.PENDING.value, AS.PENDING.value, actor,
                             PROPOSAL_CONFIRMED, note)
    log.info("proposal %s (project %s, unit %s) confirmed by %s", assignment_id, row["project_id"],
             row["unit_id"], actor)
    return Assignment.model_validate(dict(row))


async def _explain_no_confirm(conn: asyncpg.Connection, assignment_id: int) -> None:
    a = await conn.fetchrow(q("assignment_get_by_id"), assignment_id)
    if a is None:
        raise NotFound("认领/派单不存在", code="assignment_not_found", details={"id": assignment_id})
    if a["kind"] != AssignmentKind.PROPOSAL:
        raise Conflict(f"这是“{AssignmentKind(a['kind']).label}”，不是批量派单建议，无需确认", code="not_a_proposal",
                       details={"id": assignment_id, "kind": a["kind"]})
    if a["status"] != AS.PENDING:
        raise illegal("assignment", assignment_id, "confirm_proposal", a["status"], [AS.PENDING.value])
    raise Conflict("该派单建议已确认", code="already_confirmed",
                   details={"id": assignment_id, "confirmed_at": a["confirmed_at"].isoformat()})
