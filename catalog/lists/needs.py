"""需求清单: residents' needs, from submission through review to a project."""

from __future__ import annotations

from catalog.enums import NEED_TRANSITIONS, NeedStatus
from catalog.errors import NotFound
from catalog.lists.directory import ensure_category_open
from catalog.models import Actor, Need, NeedIn, RejectIn
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, guarded_step, record_history, transaction


async def submit_need(db: Db, data: NeedIn, actor: Actor) -> Need:
    """Record a need as 待审核. The grid, when given, must belong to the community."""
    async with transaction(db) as conn:
        await ensure_category_open(conn, data.category_code)
        row = await conn.fetchrow(
            q("need_insert"), data.title, data.description, data.category_code, data.community_code,
            data.grid_code, data.lat, data.lon, data.beneficiary_count, data.beneficiary_groups,
            data.urgency.value, data.desired_from, data.desired_to, data.source_channel.value,
            data.requester_name, data.requester_phone, str(actor),
        )
        await record_history(conn, "need", row["id"], None, row["status"], actor)
    return Need.model_validate(dict(row))


async def get_need(db: Db, need_id: int) -> Need:
    async with connection(db) as conn:
        row = await conn.fetchrow(q("need_get"), need_id)
    if row is None:
        raise NotFound("需求不存在", code="need_not_found", details={"id": need_id})
    return Need.model_validate(dict(row))


async def list_needs(
    db: Db, *, community: str | None = None, status: NeedStatus | None = None,
    urgency: str | None = None, before_id: int | None = None, limit: int = 50,
) -> list[Need]:
    """Newest first; pass the last id seen as ``before_id`` for the next page."""
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("need_list"), community, status.value if status else None, urgency, before_id, min(limit, 500)
        )
    return [Need.model_validate(dict(r)) for r in rows]


async def _step(db: Db, need_id: int, action: str, to: NeedStatus, actor: Actor,
                reason: str | None = None, note: str | None = None) -> Need:
    allowed = [s.value for s in NEED_TRANSITIONS[action]]
    async with transaction(db) as conn:
        row = await guarded_step(
            conn, entity="need", query="need_transition", entity_id=need_id,
            args=(allowed, to.value, reason), get_query="need_get", action=action, allowed=allowed,
        )
        await record_history(conn, "need", need_id, row["from_status"], to.value, actor, reason, note)
    return Need.model_validate(dict(row))


async def accept_need(db: Db, need_id: int, actor: Actor) -> Need:
    """待审核 → 已入库: the need is real and goes into the community's list."""
    return await _step(db, need_id, "accept", NeedStatus.ACCEPTED, actor)


async def reject_need(db: Db, need_id: int, data: RejectIn, actor: Actor) -> Need:
    """待审核 → 已驳回, always with a reason the resident can be told."""
    return await _step(db, need_id, "reject", NeedStatus.REJECTED, actor, data.reason.value, data.note)


async def withdraw_need(db: Db, need_id: int, actor: Actor, note: str | None = None) -> Need:
    """The resident no longer needs it (before it became part of a project)."""
    return await _step(db, need_id, "withdraw", NeedStatus.WITHDRAWN, actor, "withdrawn", note)
