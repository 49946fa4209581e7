"""需求清单 as one principal sees it: record, read, list, review and withdraw needs."""

from __future__ import annotations

from catalog.enums import Role
from catalog.errors import NotFound
from catalog.lists import needs
from catalog.models import Need, NeedFilter, NeedIn, NeedPage, NeedView, NoteIn, Principal, RejectIn
from catalog.people import access
from catalog.people.access import Personal
from catalog.storage.paging import next_cursor
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

from .common import forbidden


def need_as(need: Need, level: Personal) -> NeedView:
    """The need with its personal data full or masked."""
    data = need.model_dump()
    if level is Personal.MASKED:
        data["requester_name"] = access.mask_name(need.requester_name)
        data["requester_phone"] = access.mask_phone(need.requester_phone)
        data["title"] = access.scrub(need.title, [need.requester_name])
        data["description"] = access.scrub(need.description, [need.requester_name])
        data["lat"], data["lon"] = access.blur_point(need.lat, need.lon)
    return NeedView(**data, personal_data=level.value)


def need_view(p: Principal, need: Need) -> NeedView:
    return need_as(need, access.need_personal(p, need))


async def readable_need(db: Db, p: Principal, need_id: int) -> Need:
    """A need the caller may read; 404 for any other."""
    need = await needs.get_need(db, need_id)
    if not access.can_read_need(p, need):
        raise NotFound("需求不存在", code="need_not_found", details={"id": need_id})
    return need


async def submit_need(db: Db, p: Principal, data: NeedIn) -> NeedView:
    """A grid worker records a need in their grid; a secretary in their community."""
    if not access.can_submit_need(p, data.community_code, data.grid_code):
        raise forbidden("只能登记本人负责网格（或本社区）的需求", "out_of_scope")
    return need_view(p, await needs.submit_need(db, data, p.actor))


async def get_need(db: Db, p: Principal, need_id: int) -> NeedView:
    return need_view(p, await readable_need(db, p, need_id))


async def list_needs(db: Db, p: Principal, f: NeedFilter) -> NeedPage:
    if p.role not in access.STAFF:
        raise forbidden()
    grid = p.grid_code if p.role is Role.GRID_WORKER else None
    scope = list(p.communities) if p.communities is not None else None
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("need_page"), scope, grid, f.community, f.street, f.category,
            f.status.value if f.status else None, f.urgency.value if f.urgency else None,
            f.created_from, f.created_to, f.after, f.ascending, f.page_size,
        )
    items = [need_view(p, Need.model_validate(dict(r))) for r in rows]
    return NeedPage(items=items, next_cursor=next_cursor(rows, f.page_size))


async def _review(db: Db, p: Principal, need_id: int) -> Need:
    need = await readable_need(db, p, need_id)
    if not access.can_review_need(p, need):
        raise forbidden("只有本社区书记可以审核需求")
    return need


async def accept_need(db: Db, p: Principal, need_id: int) -> NeedView:
    await _review(db, p, need_id)
    return need_view(p, await needs.accept_need(db, need_id, p.actor))


async def reject_need(db: Db, p: Principal, need_id: int, data: RejectIn) -> NeedView:
    await _review(db, p, need_id)
    return need_view(p, await needs.reject_need(db, need_id, data, p.actor))


async def withdraw_need(db: Db, p: Principal, need_id: int, data: NoteIn) -> NeedView:
    need = await readable_need(db, p, need_id)
    if not access.can_withdraw_need(p, need):
        raise forbidden()
    return need_view(p, await needs.withdraw_need(db, need_id, p.actor, data.note))
