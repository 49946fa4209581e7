"""项目清单: projects, who holds them, the work, and the resident's closing.

Two ways to find a unit (双向认领): a unit claims a published project (认领, the secretary confirms),
or the community offers it to a unit's resource (定向派单, the unit accepts or declines). Either way
the project has at most one live lead unit, which the database guarantees with a unique partial
index; a unit's cap on live work holds because every take locks the unit's row first.

A project that needs several units also has helpers (协办, catalog.lists.team) beside its lead. They
live only while the lead does: every step here that ends the lead's claim or offer, cancels or
completes the project ends the live helpers in the same transaction (:func:`_end_helpers`).

Lock order, everywhere: unit row, then project row, then assignment rows. Keeping one order means
concurrent commands queue up instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

import asyncpg

from catalog.oversight import credit, supervision
from catalog.enums import (
    PROJECT_TRANSITIONS,
    AssignmentKind,
    AssignmentRole,
    AssignmentStatus,
    CreditKind,
    DispatchMode,
    LimitStep,
    ProjectStatus,
    UnitStatus,
    Urgency,
)
from catalog.errors import Conflict, Forbidden, InvalidInput, NotFound
from catalog.models import (
    Actor,
    Assignment,
    ClosingIn,
    ClosingLink,
    Completion,
    CompletionIn,
    HistoryEntry,
    ProgressEntry,
    ProgressIn,
    Project,
    ProjectIn,
    ProjectPatchIn,
    ReasonIn,
    project_rule_broken,
)
from catalog.storage.settings import get_settings
from catalog.lists.directory import ensure_category_open
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, guarded_step, illegal, record_history, transaction

PS = ProjectStatus
AS = AssignmentStatus
log = logging.getLogger(__name__)


# --- reading ---------------------------------------------------------------------------------


async def get_project(db: Db, project_id: int) -> Project:
    async with connection(db) as conn:
        row = await conn.fetchrow(q("project_get"), project_id)
    if row is None:
        raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
    return Project.model_validate(dict(row))


async def list_projects(
    db: Db, *, community: str | None = None, status: ProjectStatus | None = None,
    category: str | None = None, before_id: int | None = None, limit: int = 50,
) -> list[Project]:
    """Newest first; pass the last id seen as ``before_id`` for the next page."""
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("project_list"), community, status.value if status else None, category, before_id, min(limit, 500)
        )
    return [Project.model_validate(dict(r)) for r in rows]


async def assignments_of(db: Db, project_id: int) -> list[Assignment]:
    async with connection(db) as conn:
        rows = await conn.fetch(q("assignment_list_for_project"), project_id)
    return [Assignment.model_validate(dict(r)) for r in rows]


async def progress_of(db: Db, project_id: int) -> list[ProgressEntry]:
    async with connection(db) as conn:
        rows = await conn.fetch(q("progress_of_project"), project_id)
    return [ProgressEntry.model_validate(dict(r)) for r in rows]


async def history_of(db: Db, entity: str, entity_id: int | str) -> list[HistoryEntry]:
    async with connection(db) as conn:
        rows = await conn.fetch(q("history_of"), entity, str(entity_id))
    return [HistoryEntry.model_validate(dict(r)) for r in rows]


# --- making and publishing -------------------------------------------------------------------


async def create_project(db: Db, data: ProjectIn, actor: Actor) -> Project:
    """Merge one or more accepted needs of one community into a draft project (草拟).

    All the needs move to 已合并入项目 in the same transaction, or none does.
    """
    async with transaction(db) as conn:
        await ensure_category_open(conn, data.category_code)
        row = await conn.fetchrow(
            q("project_insert"), data.title, data.description, data.category_code, data.community_code,
            data.required_skills, data.place, data.lat, data.lon, data.window_start, data.window_end,
            data.units_required, data.estimated_hours, data.priority, data.urgency.value,
            data.dispatch_mode.value, data.claim_deadline, str(actor),
        )
        project_id = row["id"]
        merged = {r["id"] for r in await conn.fetch(q("needs_merge"), data.need_ids, data.community_code, project_id)}
        missing = sorted(set(data.need_ids) - merged)
        if missing:
            raise Conflict(
                "部分需求不能合并：须为本社区已入库的需求",
                code="need_not_mergeable",
                details={"need_ids": missing},
            )
        await record_history(conn, "project", project_id, None, PS.DRAFT.value, actor)
        for need_id in sorted(merged):
            await record_history(conn, "need", need_id, "accepted", "merged", actor, note=row["number"])
    return Project.model_validate(dict(row))


async def _project_step(
    conn: asyncpg.Connection, project_id: int, action: str, to: ProjectStatus, actor: Actor,
    reason: str | None = None, note: str | None = None,
) -> asyncpg.Record:
    allowed = [s.value for s in PROJECT_TRANSITIONS[action]]
    row = await guarded_step(
        conn, entity="project", query="project_transition", entity_id=project_id,
        args=(allowed, to.value, reason), get_query="project_get", action=action, allowed=allowed,
    )
    await record_history(conn, "project", project_id, row["from_status"], to.value, actor, reason, note)
    return row


async def publish_project(db: Db, project_id: int, actor: Actor) -> Project:
    """草拟 → 已发布: the project is on the public list and open to claims or offers."""
    async with transaction(db) as conn:
        row = await _project_step(conn, project_id, "publish", PS.PUBLISHED, actor)
    return Project.model_validate(dict(row))


async def cancel_project(db: Db, project_id: int, actor: Actor, reason: str, note: str | None = None) -> Project:
    """→ 已撤单 from any open status; a live claim or offer ends with it."""
    if not reason:
        raise InvalidInput("撤单须说明理由", code="reason_required")
    async with transaction(db) as conn:
        row = await _project_step(conn, project_id, "cancel", PS.CANCELLED, actor, reason, note)
        lead = await conn.fetchrow(q("assignment_live_lead"), project_id)
        if lead is not None:
            await _assignment_step(conn, lead, [AS.PENDING, AS.ACTIVE], AS.CANCELLED, actor, "project_cancelled")
        await _end_helpers(conn, project_id, actor, HelpersEnd.CANCELLED)
    return Project.model_validate(dict(row))


# --- helpers end with their lead --------------------------------------------------------------


class HelpersEnd:
    """How live helpers end when the lead's part ends: (pending →, active →, reason code)."""

    # the lead's claim or offer ended and the project is 已发布 again; the lead's reason goes in the note
    LEAD_ENDED = (AS.WITHDRAWN, AS.RELEASED, "lead_ended")
    # 撤单: as the lead's own assignment
    CANCELLED = (AS.CANCELLED, AS.CANCELLED, "project_cancelled")
    # the lead reported completion: those working finish with it, an unanswered proposal is moot
    COMPLETED = (AS.WITHDRAWN, AS.COMPLETED, "project_completed")


async def _end_helpers(
    conn: asyncpg.Connection, project_id: int, actor: Actor | str,
    how: tuple[AssignmentStatus, AssignmentStatus, str], note: str | None = None,
) -> list[asyncpg.Record]:
    """End every live helper of the project, with history; the caller holds the project row."""
    pending_to, active_to, reason = how
    rows = await conn.fetch(q("helpers_end_live"), project_id, pending_to.value, active_to.value, reason, note)
    for r in rows:
        await record_history(conn, "assignment", r["id"], r["from_status"], r["status"], actor, reason, note)
    return rows


# --- taking a project ------------------------------------------------------------------------


async def _lock_unit_for_take(conn: asyncpg.Connection, unit_id: int, *, counting_self: bool = False) -> None:
    """Lock the unit's row and check it may take one more piece of work."""
    unit = await conn.fetchrow(q("unit_lock_for_take"), unit_id)
    if unit is None:
        raise NotFound("成员单位不存在", code="unit_not_found", details={"id": unit_id})
    if unit["status"] != UnitStatus.ACTIVE:
        raise Conflict("成员单位已暂停，不能承接项目", code="unit_suspended", details={"id": unit_id})
    # A separate statement, so that it sees the work committed by whoever held the lock before us.
    live = await conn.fetchval(q("unit_live_work"), unit_id)
    if live - (1 if counting_self else 0) >= unit["active_cap"]:
        raise Conflict(
            f"成员单位在办项目已达上限（{unit['active_cap']}个）",
            code="unit_cap_reached",
            details={"id": unit_id, "cap": unit["active_cap"], "live": live},
        )


async def _check_resource(conn: asyncpg.Connection, resource_id: int | None, unit_id: int) -> None:
    if resource_id is None:
        return
    res = await conn.fetchrow(q("resource_get"), resource_id)
    if res is None:
        raise NotFound("资源不存在", code="resource_not_found", details={"id": resource_id})
    if res["unit_id"] != unit_id:
        raise InvalidInput("资源不属于该成员单位", code="resource_not_of_unit", details={"id": resource_id})
    if res["status"] != "published":
        raise Conflict("资源未发布，不能用于承接项目", code="resource_not_published", details={"id": resource_id})


async def _insert_assignment(
    conn: asyncpg.Connection, project_id: int, unit_id: int, resource_id: int | None,
    kind: AssignmentKind, ttl_hours: float, actor: Actor,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        q("assignment_insert"), project_id, unit_id, resource_id, kind.value, "lead",
        AS.PENDING.value, str(actor), ttl_hours * 3600.0,
    )
    await record_history(conn, "assignment", row["id"], None, AS.PENDING.value, actor, note=f"project:{project_id}")
    return row


async def claim_project(
    db: Db, project_id: int, unit_id: int, actor: Actor, resource_id: int | None = None
) -> Assignment:
    """A unit claims a published project (认领). Of many racing claims exactly one wins.

    The losers get ``Conflict('already_taken')`` (or ``illegal_transition`` once the winner has
    moved the project on); the winner waits for the secretary's confirmation within the claim's
    time to live.
    """
    async with transaction(db) as conn:
        await _lock_unit_for_take(conn, unit_id)
        await _check_resource(conn, resource_id, unit_id)
        row = await conn.fetchrow(q("project_claim"), project_id)
        if row is None:
            await _explain_no_claim(conn, project_id)
        await record_history(conn, "project", project_id, row["from_status"], PS.CLAIMING.value, actor)
        a = await _insert_assignment(
            conn, project_id, unit_id, resource_id, AssignmentKind.CLAIM, get_settings().claim_ttl_hours, actor
        )
    return Assignment.model_validate(dict(a))


async def _explain_no_claim(conn: asyncpg.Connection, project_id: int) -> None:
    p = await conn.fetchrow(q("project_get"), project_id)
    if p is None:
        raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
    if p["status"] in (PS.CLAIMING, PS.DISPATCHED, PS.ACCEPTED, PS.IN_PROGRESS):
        raise Conflict("该项目已有单位认领或承接", code="already_taken", details={"id": project_id})
    if p["status"] != PS.PUBLISHED:
        raise illegal("project", project_id, "claim", p["status"], [PS.PUBLISHED.value])
    if p["dispatch_mode"] != DispatchMode.CLAIM:
        raise Conflict(
            f"该项目为“{DispatchMode(p['dispatch_mode']).label}”，不开放认领",
            code="not_open_for_claims", details={"id": project_id},
        )
    raise Conflict("认领截止时间已过", code="claim_deadline_passed", details={"id": project_id})


async def _live_lead(conn: asyncpg.Connection, project_id: int, *, status: AssignmentStatus | None = None,
                     kind: AssignmentKind | None = None, action: str | None = None) -> asyncpg.Record:
    lead = await conn.fetchrow(q("assignment_live_lead"), project_id)
    if lead is None or (status is not None and lead["status"] != status) or (
        kind is not None and (lead["kind"] == AssignmentKind.CLAIM) != (kind == AssignmentKind.CLAIM)
    ):
        p = await conn.fetchrow(q("project_get"), project_id)
        if p is None:
            raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
        # A project in the wrong status is an illegal step, whatever its assignments look like.
        allowed = [s.value for s in PROJECT_TRANSITIONS[action]] if action else None
        if allowed is not None and p["status"] not in allowed:
            raise illegal("project", project_id, action, p["status"], allowed)
        raise Conflict("没有可处理的认领或派单", code="no_pending_assignment", details={"id": project_id})
    return lead


def _require_owner(lead: asyncpg.Record, unit_id: int) -> None:
    if lead["unit_id"] != unit_id:
        raise Forbidden("该项目不由本单位承接", code="not_owner", details={"project_id": lead["project_id"]})


async def _assignment_step(
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


async def confirm_claim(db: Db, project_id: int, actor: Actor) -> Project:
    """The secretary confirms the pending claim: 认领中 → 已接单."""
    async with transaction(db) as conn:
        lead = await _live_lead(conn, project_id, status=AS.PENDING, kind=AssignmentKind.CLAIM, action="confirm_claim")
        row = await _project_step(conn, project_id, "confirm_claim", PS.ACCEPTED, actor)
        await _assignment_step(conn, lead, [AS.PENDING], AS.ACTIVE, actor)
    return Project.model_validate(dict(row))


async def _end_pending(
    db: Db, project_id: int, actor: Actor, *, kind: AssignmentKind, to: AssignmentStatus,
    unit_id: int | None, reason: str, note: str | None = None,
) -> Project:
    async with transaction(db) as conn:
        lead = await _live_lead(conn, project_id, status=AS.PENDING, kind=kind, action="reopen")
        if unit_id is not None:
            _require_owner(lead, unit_id)
        row = await _project_step(conn, project_id, "reopen", PS.PUBLISHED, actor, reason, note)
        a = await _assignment_step(conn, lead, [AS.PENDING], to, actor, reason, note)
        await _end_helpers(conn, project_id, actor, HelpersEnd.LEAD_ENDED, note=reason)
        if to is AS.DECLINED:
            await credit.append(conn, lead["unit_id"], project_id, CreditKind.DECLINED_WITH_REASON)
            await _credit_answer(conn, a, row)
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
    """The community offers a published project to a unit (定向派单); the unit must answer."""
    if kind is AssignmentKind.CLAIM:
        raise InvalidInput("派单类型不能为认领", code="invalid_value")
    async with transaction(db) as conn:
        # An offer counts towards the unit's live work: refuse it now rather than send one the
        # unit could never accept.
        await _lock_unit_for_take(conn, unit_id)
        await _check_resource(conn, resource_id, unit_id)
        await _project_step(conn, project_id, "offer", PS.DISPATCHED, actor)
        a = await _insert_assignment(conn, project_id, unit_id, resource_id, kind, get_settings().offer_ttl_hours, actor)
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
        lead = await _live_lead(conn, project_id, status=AS.PENDING, kind=AssignmentKind.DIRECTED, action="reopen")
        if lead["unit_id"] == unit_id:
            raise Conflict("项目已派给该单位，请选择其他单位", code="same_unit",
                           details={"id": project_id, "unit_id": unit_id})
        # lock order as every command: the unit taking work, then the project
        await _lock_unit_for_take(conn, unit_id)
        await withdraw_offer(conn, project_id, actor, note or "改派")
        return await direct_project(conn, project_id, unit_id, actor, resource_id)


async def accept_offer(db: Db, project_id: int, unit_id: int, actor: Actor) -> Project:
    """The unit accepts an offer: 已派单 → 已接单, within its cap."""
    async with transaction(db) as conn:
        # The pending offer already counts towards the unit's live work; accepting it adds none.
        await _lock_unit_for_take(conn, unit_id, counting_self=True)
        lead = await _live_lead(conn, project_id, status=AS.PENDING, kind=AssignmentKind.DIRECTED, action="accept_offer")
        _require_owner(lead, unit_id)
        row = await _project_step(conn, project_id, "accept_offer", PS.ACCEPTED, actor)
        a = await _assignment_step(conn, lead, [AS.PENDING], AS.ACTIVE, actor)
        await _credit_answer(conn, a, row)
    return Project.model_validate(dict(row))


async def decline_offer(db: Db, project_id: int, unit_id: int, data: ReasonIn, actor: Actor) -> Project:
    """The unit declines with a reason code; the project goes back to 已发布."""
    return await _end_pending(db, project_id, actor, kind=AssignmentKind.DIRECTED, to=AS.DECLINED,
                              unit_id=unit_id, reason=data.reason.value, note=data.note)


async def _credit_answer(conn: asyncpg.Connection, assignment: asyncpg.Record, project: asyncpg.Record) -> None:
    # the 签收 limit the sweep colours this offer by: the category's, its parent's, else the default
    limit = await supervision.effective_limit(conn, project["category_code"], LimitStep.ACK,
                                              Urgency(project["urgency"]))
    in_time = assignment["answered_at"] - assignment["created_at"] <= limit
    kind = CreditKind.ANSWERED_IN_TIME if in_time else CreditKind.ANSWERED_LATE
    await credit.append(conn, assignment["unit_id"], project["id"], kind)


# --- doing the work --------------------------------------------------------------------------


async def start_project(db: Db, project_id: int, unit_id: int, actor: Actor) -> Project:
    """已接单 → 执行中."""
    async with transaction(db) as conn:
        lead = await _live_lead(conn, project_id, status=AS.ACTIVE, action="start")
        _require_owner(lead, unit_id)
        row = await _project_step(conn, project_id, "start", PS.IN_PROGRESS, actor)
    return Project.model_validate(dict(row))


async def add_progress(db: Db, project_id: int, unit_id: int, data: ProgressIn, actor: Actor) -> ProgressEntry:
    """A progress entry by the owning unit; the first one on an accepted project starts it."""
    async with transaction(db) as conn:
        lead = await _live_lead(conn, project_id, status=AS.ACTIVE)
        _require_owner(lead, unit_id)
        project = await conn.fetchrow(q("project_get"), project_id)
        if project["status"] == PS.ACCEPTED:
            await _project_step(conn, project_id, "start", PS.IN_PROGRESS, actor, note="first_progress")
        elif project["status"] != PS.IN_PROGRESS:
            raise illegal("project", project_id, "progress", project["status"], [PS.ACCEPTED, PS.IN_PROGRESS])
        row = await conn.fetchrow(q("progress_insert"), project_id, unit_id, data.body, data.photo_url)
    return ProgressEntry.model_validate(dict(row))


async def give_back(db: Db, project_id: int, unit_id: int, data: ReasonIn, actor: Actor) -> Project:
    """退单: the unit gives the project back with a reason; it returns to 已发布."""
    async with transaction(db) as conn:
        lead = await _live_lead(conn, project_id, status=AS.ACTIVE, action="give_back")
        _require_owner(lead, unit_id)
        row = await _project_step(conn, project_id, "give_back", PS.PUBLISHED, actor, "returned_by_unit", data.note)
        await _assignment_step(conn, lead, [AS.ACTIVE], AS.RETURNED, actor, data.reason.value, data.note)
        await _end_helpers(conn, project_id, actor, HelpersEnd.LEAD_ENDED, note="returned_by_unit")
        await credit.append(conn, unit_id, project_id, CreditKind.RETURNED)
    return Project.model_validate(dict(row))


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


async def complete_project(db: Db, project_id: int, unit_id: int, data: CompletionIn, actor: Actor) -> Completion:
    """执行中 → 待结单. Returns the single-use closing token for the resident's link.

    Only its hash is stored: the token itself exists in this return value and the link sent.
    """
    token = secrets.token_urlsafe(32)
    async with transaction(db) as conn:
        lead = await _live_lead(conn, project_id, status=AS.ACTIVE, action="complete")
        _require_owner(lead, unit_id)
        row = await conn.fetchrow(
            q("project_complete"), project_id, data.note, data.beneficiaries_served, data.hours_spent
        )
        if row is None:
            current = await conn.fetchrow(q("project_get"), project_id)
            raise illegal("project", project_id, "complete", current["status"], [PS.IN_PROGRESS.value])
        await record_history(conn, "project", project_id, row["from_status"], PS.AWAITING_CLOSE.value, actor)
        await _assignment_step(conn, lead, [AS.ACTIVE], AS.COMPLETED, actor)
        await conn.execute(q("closing_token_insert"), project_id, _token_hash(token), get_settings().closing_days)
        # the 办结 deadline the sweep runs: the project plan's end when set, else the category's limit
        deadline = row["window_end"]
        if deadline is None:
            deadline = row["accepted_at"] + await supervision.effective_limit(
                conn, row["category_code"], LimitStep.DONE, Urgency(row["urgency"]))
        on_time = row["completed_at"] <= deadline
        # active helpers finish with the lead and are credited as it is; pending ones are withdrawn
        helpers = await _end_helpers(conn, project_id, actor, HelpersEnd.COMPLETED)
        finished = [unit_id] + [h["unit_id"] for h in helpers if h["status"] == AS.COMPLETED]
        for u in finished:
            await credit.append(conn, u, project_id, CreditKind.FINISHED)
            await credit.append(
                conn, u, project_id, CreditKind.FINISHED_ON_TIME if on_time else CreditKind.FINISHED_LATE
            )
    return Completion(project=Project.model_validate(dict(row)), closing_token=token)


def _token_digest(token: str) -> bytes:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise Forbidden("结单链接无效", code="token_invalid")
    return _token_hash(token)


def _unusable(state: asyncpg.Record | None) -> Forbidden | Conflict:
    """Why a link cannot be used: it names nothing, was used, or ran out."""
    if state is None:
        return Forbidden("结单链接无效", code="token_invalid")
    if state["used_at"] is not None:
        return Conflict("该结单链接已使用", code="token_used")
    return Conflict("结单链接已过期", code="token_expired")


async def closing_link(db: Db, token: str) -> ClosingLink:
    """The project a closing link is for, read without using the link.

    A link that cannot be used raises what using it would (``token_invalid``, ``token_used``,
    ``token_expired``), so the resident learns it before filling in the rating.
    """
    digest = _token_digest(token)
    async with connection(db) as conn:
        state = await conn.fetchrow(q("closing_link_get"), digest)
    if state is None or state["used_at"] is not None or state["expired"]:
        raise _unusable(state)
    return ClosingLink(project_number=state["number"], expires_at=state["expires_at"])


async def close_by_resident(db: Db, token: str, data: ClosingIn) -> Project:
    """结单 and 评价 through the link: 待结单 → 已结单 → 已评价, once; the rating never changes."""
    digest = _token_digest(token)
    resident = Actor(role="resident", ref="link")
    async with transaction(db) as conn:
        project_id = await conn.fetchval(q("closing_token_use"), digest)
        if project_id is None:
            raise _unusable(await conn.fetchrow(q("closing_token_state"), digest))
        lead = await conn.fetchrow(q("assignment_lead_for_progress"), project_id)
        await _project_step(conn, project_id, "close", PS.CLOSED, resident, data.outcome.value)
        row = await _project_step(conn, project_id, "rate", PS.RATED, resident, f"score_{data.score}")
        await conn.fetchrow(
            q("rating_insert"), project_id, lead["unit_id"], data.outcome.value, data.score, data.comment
        )
        await credit.append(conn, lead["unit_id"], project_id, CreditKind.RATING, data.score)
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
        reopened = {r["id"] for r in await conn.fetch(q("expire_reopen"), leads)} if leads else set()
        # per assignment: its own line, then its project's when it reopened the project
        lines: list[tuple[str, str, str, str]] = []
        for r in due:
            lines.append(("assignment", str(r["id"]), AS.PENDING.value, AS.EXPIRED.value))
            if r["role"] == AssignmentRole.LEAD and r["project_id"] in reopened:
                lines.append(("project", str(r["project_id"]), before[r["project_id"]], PS.PUBLISHED.value))
        await conn.execute(q("expire_history"), *(list(column) for column in zip(*lines)), actor)
        for row in await conn.fetch(q("expire_projects_with_helpers"), sorted(reopened)):
            await _end_helpers(conn, row["project_id"], actor, HelpersEnd.LEAD_ENDED, note="ttl_expired")
        charged = [r for r in due if r["kind"] != AssignmentKind.CLAIM]
        if charged:
            await conn.execute(q("expire_credit"), [r["unit_id"] for r in charged], [r["project_id"] for r in charged])
    log.info("sweep: %d claims and offers expired, %d projects reopened", len(due), len(reopened))
    return len(due)


async def close_unrated(db: Db, now: dt.datetime | None = None) -> list[int]:
    """Projects whose resident did not answer in time close as 未评价 (never as satisfied)."""
    now = now or dt.datetime.now(dt.UTC)
    async with transaction(db) as conn:
        ids = [r["id"] for r in await conn.fetch(q("projects_close_unrated"), now)]
        if ids:
            await conn.execute(
                q("history_append_many"), "project", [str(i) for i in ids], PS.AWAITING_CLOSE.value,
                PS.CLOSED.value, "system:sweep", "not_rated", None,
            )
    return ids


# --- editing a project -----------------------------------------------------------------------
#
# A draft (草拟) is the secretary's own: every field may change. Once published, units read the
# project to decide whether to claim it and the batch job may be about to propose it, so only
# the words and the community's own order may change (title, description, priority); anything
# that decides who can do the work, where, when and how much (category, skills, place, window,
# hours, units, urgency, dispatch mode, claim deadline) is fixed, and changing it means 撤单 and
# a new project. With a claim or an offer live, or later on, nothing changes: a unit is answering
# for the project as it reads. (Projects carry no beneficiaries or photos of their own: those
# are on the needs and the progress reports.)

EDITED = "edited"  # history reason code of an edit; the status stays as it was
EDITABLE_WHILE_PUBLISHED = frozenset({"title", "description", "priority"})
EDITABLE_STATUSES = (PS.DRAFT, PS.PUBLISHED)

FIELD_LABELS = {
    "title": "项目名称", "description": "项目内容", "category_code": "类别", "required_skills": "所需技能",
    "place": "服务地点", "lat": "纬度", "lon": "经度", "window_start": "开始时间", "window_end": "结束时间",
    "units_required": "需要单位数", "estimated_hours": "预计工时", "priority": "优先级", "urgency": "紧急程度",
    "dispatch_mode": "派单方式", "claim_deadline": "认领截止时间",
}
# short values worth showing as old → new in the history note
_SHOWN = ("category_code", "units_required", "estimated_hours", "priority", "urgency", "dispatch_mode")


def editable_fields(project: Project, *, has_live: bool = False) -> frozenset[str]:
    """The fields a secretary may change on the project now (empty: none)."""
    if project.status is PS.DRAFT:
        return frozenset(FIELD_LABELS)
    if project.status is PS.PUBLISHED and not has_live:
        return EDITABLE_WHILE_PUBLISHED
    return frozenset()


def _shown(value: object) -> str:
    return getattr(value, "label", None) or str(value)


def _what_changed(before: Project, changes: dict[str, object]) -> str:
    parts = []
    for name in FIELD_LABELS:  # in the form's order
        if name not in changes:
            continue
        if name in _SHOWN:
            parts.append(f"{FIELD_LABELS[name]} {_shown(getattr(before, name))}→{_shown(changes[name])}")
        else:
            parts.append(FIELD_LABELS[name])
    return "修改" + "、".join(parts)


async def update_project(
    db: Db, project_id: int, data: ProjectPatchIn, actor: Actor, *, expected_updated_at: dt.datetime | None = None,
) -> Project:
    """Change the fields ``data`` sends, where the project's status allows it (see above).

    Refused as a whole (nothing written) with ``project_locked`` when a field that may not change
    now would; a value sent equal to the stored one is no change. ``expected_updated_at``: the
    version the editor started from; another edit or step since is ``project_changed``. An edit
    that changes nothing writes nothing.
    """
    async with transaction(db) as conn:
        row = await conn.fetchrow(q("project_lock_for_edit"), project_id)
        if row is None:
            raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
        current = Project.model_validate(dict(row))
        if expected_updated_at is not None and current.updated_at != expected_updated_at:
            raise Conflict("项目已被他人修改或已进入下一环节，请刷新后重新编辑", code="project_changed",
                           details={"id": project_id, "updated_at": current.updated_at.isoformat()})
        allowed = editable_fields(current, has_live=row["has_live"])
        if not allowed:
            raise Conflict(f"项目当前状态为“{current.status.label}”，不能修改", code="project_locked",
                           details={"id": project_id, "status": current.status.value,
                                    "editable_in": [s.value for s in EDITABLE_STATUSES]})
        changes = {k: v for k, v in data.changes().items() if v != getattr(current, k)}
        locked = sorted(set(changes) - allowed, key=list(FIELD_LABELS).index)
        if locked:
            raise Conflict(
                "项目已发布，只能修改项目名称、内容和优先级；"
                f"{'、'.join(FIELD_LABELS[n] for n in locked)}不能修改，如需改动请撤单后重新立项",
                code="project_locked",
                details={"id": project_id, "status": current.status.value, "fields": locked},
            )
        if not changes:
            return current
        after = current.model_copy(update=changes)
        broken = project_rule_broken(after)
        if broken:
            raise InvalidInput(broken, code="inconsistent_edit", details={"id": project_id})
        if "category_code" in changes:  # a retired category may stay, not be chosen anew
            await ensure_category_open(conn, after.category_code)
        new = await conn.fetchrow(
            q("project_edit"), project_id, [s.value for s in EDITABLE_STATUSES], after.title, after.description,
            after.category_code, after.required_skills, after.place, after.lat, after.lon, after.window_start,
            after.window_end, after.units_required, after.estimated_hours, after.priority, after.urgency.value,
            after.dispatch_mode.value, after.claim_deadline,
        )
        if new is None:  # the row lock makes this unreachable; refuse rather than report a write not made
            raise Conflict("项目状态已变化，不能修改", code="project_locked", details={"id": project_id})
        note = _what_changed(current, changes)
        await record_history(conn, "project", project_id, current.status.value, current.status.value, actor,
                             EDITED, note)
    log.info("project %s edited by %s while %s: %s", project_id, actor, current.status.value,
             ", ".join(sorted(changes)))
    return Project.model_validate(dict(new))


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
