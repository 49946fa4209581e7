"""督办 and time limits as one principal sees them (the rules: :mod:`catalog.oversight.supervision`).

* the supervision list and the warnings: a street admin their street, the alliance administrator
  every street, a secretary their community, a unit the items that name it; grid workers and the
  batch job have no list (403). A filter that names another scope gets an empty page;
* an item: those whose list it is on (404 for anyone else); 督办意见 on it: the street admin of
  its street or the alliance administrator (403 for the others who read it);
* a category's time limits: everyone signed in reads them; the alliance administrator sets them.
"""

from __future__ import annotations

import asyncpg

from catalog.enums import Role
from catalog.errors import NotFound
from catalog.models import Principal
from catalog.oversight import supervision
from catalog.oversight.supervision import (
    AlertFilter,
    AlertPage,
    CategoryTimeLimits,
    SupervisionFilter,
    SupervisionItem,
    SupervisionNoteIn,
    SupervisionPage,
    TimeLimitsIn,
)
from catalog.people import access
from catalog.storage.tx import Db

from .common import forbidden


def _list_scope(p: Principal, street: str | None, community: str | None,
                unit: int | None) -> tuple[str | None, str | None, int | None] | None:
    """(street, community, unit) the caller's list is limited to; None when it must come back empty."""
    if p.role is Role.STREET_ADMIN:
        if p.street_code is None:
            return street, community, unit
        if street is not None and street != p.street_code:
            return None
        return p.street_code, community, unit
    if p.role is Role.SECRETARY:
        if community is not None and community != p.community_code:
            return None
        return street, p.community_code, unit
    if p.role is Role.UNIT and p.unit_id is not None:
        if unit is not None and unit != p.unit_id:
            return None
        return street, community, p.unit_id
    raise forbidden("只有街道/联盟管理员、社区书记和成员单位可以查看督办清单")


def _can_read_item(p: Principal, row: asyncpg.Record) -> bool:
    if p.role is Role.STREET_ADMIN:
        return p.street_code is None or p.street_code == row["street_code"]
    if p.role is Role.SECRETARY:
        return p.community_code == row["community_code"]
    if p.role is Role.UNIT:
        return p.unit_id is not None and p.unit_id == row["unit_id"]
    return False


def _can_supervise(p: Principal, row: asyncpg.Record) -> bool:
    return p.role is Role.STREET_ADMIN and (p.street_code is None or p.street_code == row["street_code"])


async def supervision_items(db: Db, p: Principal, f: SupervisionFilter) -> SupervisionPage:
    """督办清单 in the caller's scope, newest first; open items by default."""
    scope = _list_scope(p, f.street, f.community, f.unit_id)
    if scope is None:
        return SupervisionPage(items=[], next_cursor=None)
    street, community, unit = scope
    return await supervision.list_items(db, f, street=street, community=community, unit=unit)


async def supervision_alerts(db: Db, p: Principal, f: AlertFilter) -> AlertPage:
    """预警 in the caller's scope: running clocks at blue, yellow or red."""
    scope = _list_scope(p, f.street, f.community, f.unit_id)
    if scope is None:
        return AlertPage(items=[], next_cursor=None)
    street, community, unit = scope
    return await supervision.list_alerts(db, f, street=street, community=community, unit=unit)


async def _readable_item(db: Db, p: Principal, item_id: int) -> asyncpg.Record:
    row = await supervision.item_scope(db, item_id)
    if row is None or not _can_read_item(p, row):
        raise NotFound("督办事项不存在", code="supervision_item_not_found", details={"id": item_id})
    return row


async def supervision_item(db: Db, p: Principal, item_id: int) -> SupervisionItem:
    await _readable_item(db, p, item_id)
    return await supervision.get_item(db, item_id)


async def add_supervision_note(db: Db, p: Principal, item_id: int, data: SupervisionNoteIn) -> SupervisionItem:
    """督办意见 by the street admin of the item's street or the alliance administrator; with
    ``resolve`` it closes the item too."""
    row = await _readable_item(db, p, item_id)
    if not _can_supervise(p, row):
        raise forbidden("只有本街道管理员或联盟管理员可以填写督办意见")
    return await supervision.add_note(db, item_id, data, p.actor)


async def get_time_limits(db: Db, p: Principal | None, code: str) -> CategoryTimeLimits:
    """A category's limits for every step and urgency, and where each comes from."""
    return await supervision.get_time_limits(db, code)


async def set_time_limits(db: Db, p: Principal, code: str, data: TimeLimitsIn) -> CategoryTimeLimits:
    """Replace a category's own limits (联盟管理员: a category's limits hold in every street)."""
    if not access.can_manage_directory(p):
        raise forbidden("只有联盟管理员可以设置分类时限")
    return await supervision.set_time_limits(db, code, data, p.actor)
