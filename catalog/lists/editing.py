"""Edits behind the desk pages: a unit rewrites or re-lists its resource, the administrator edits a unit.

:mod:`catalog.scoped` decides who may (what the caller may not see is 404, what it may see but not
change is 403) and calls these, which do the work. Each edit is one transaction with its history
row.

* A unit rewrites its own listing; the listing goes back to 待审核 (the alliance reviews what
  is published as it reads now). A unit puts its own taken-down listing back up (已下架 →
  已发布) without a new review, since an edit would have sent it back to 待审核.
* Administrators correct a unit's details and its cap on live work: a street's those of the
  units homed in their street (and may not home one elsewhere), the alliance's every unit. A cap
  below the work the unit already holds keeps that work and only stops new work.
"""

from __future__ import annotations

import logging

import asyncpg

from catalog.enums import ResourceStatus, UnitStatus
from catalog.errors import Conflict, Forbidden, InvalidInput, NotFound
from catalog.lists.directory import ensure_category_open
from catalog.models import Actor, Resource, ResourceIn, Unit
from catalog.models.editing import UnitEditIn, UnitListFilter
from catalog.people import access
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, guarded_step, record_history, transaction

log = logging.getLogger(__name__)

EDITED = "edited"  # history note code of an edit that did not change the status by itself


# --- resources -------------------------------------------------------------------------------


async def update_resource(db: Db, current: Resource, data: ResourceIn, actor: Actor) -> Resource:
    """The unit rewrites its listing (every field of :class:`ResourceIn`, the same unit); back to 待审核."""
    resource_id = current.id
    async with transaction(db) as conn:
        if data.area_communities:
            unknown = [r["c"] for r in await conn.fetch(q("resources_unknown_communities"), data.area_communities)]
            if unknown:
                raise InvalidInput("服务社区不存在", code="unknown_community", details={"codes": unknown})
        if data.category_code != current.category_code:  # a retired category may stay, not be chosen anew
            await ensure_category_open(conn, data.category_code)
        row = await conn.fetchrow(
            q("desk_resource_update"), resource_id, current.unit_id, data.title, data.content,
            data.category_code, data.skills, data.capacity_projects, data.capacity_hours,
            data.area_communities, data.centre_lat, data.centre_lon, data.radius_km,
            [s.model_dump() for s in data.availability], data.valid_from, data.valid_to,
            data.mode.value, data.fee_type.value, data.fee_amount, data.target_groups,
        )
        if row is None:  # gone between the read and the write
            raise NotFound("资源不存在", code="resource_not_found", details={"id": resource_id})
        await record_history(conn, "resource", resource_id, row["from_status"], row["status"], actor,
                             EDITED, "修改资源内容，待重新审核")
    log.info("resource %s edited by %s (was %s, now pending review)", resource_id, actor, row["from_status"])
    return Resource.model_validate(dict(row))


async def relist_resource(db: Db, current: Resource, actor: Actor) -> Resource:
    """已下架 → 已发布 for the unit's own listing, unchanged since it was reviewed."""
    resource_id = current.id
    allowed = [ResourceStatus.DELISTED.value]
    async with transaction(db) as conn:
        unit = await conn.fetchrow(q("unit_get"), current.unit_id)
        if unit["status"] != UnitStatus.ACTIVE:
            raise Conflict("成员单位已暂停，不能上架资源", code="unit_suspended", details={"id": current.unit_id})
        row = await guarded_step(
            conn, entity="resource", query="resource_transition", entity_id=resource_id,
            args=(allowed, ResourceStatus.PUBLISHED.value), get_query="resource_get", action="relist",
            allowed=allowed,
        )
        await record_history(conn, "resource", resource_id, row["from_status"], ResourceStatus.PUBLISHED.value,
                             actor, None, "重新上架")
    return Resource.model_validate(dict(row))


# --- units -----------------------------------------------------------------------------------


async def unit_rows(db: Db, f: UnitListFilter, *, street: str | None) -> list[asyncpg.Record]:
    """A page of units with filters, each with its live work and resources waiting for review;
    ``street``: only the units homed in that street (None: every unit)."""
    async with connection(db) as conn:
        return await conn.fetch(q("desk_unit_page"), f.unit_type.value if f.unit_type else None,
                                f.status.value if f.status else None, f.name, f.after, f.ascending, f.page_size,
                                street)


async def unit_live_work(db: Db, unit_id: int) -> int:
    """How many claims and projects the unit holds now (what its cap counts)."""
    async with connection(db) as conn:
        return int(await conn.fetchval(q("desk_unit_live"), unit_id))


async def update_unit(db: Db, unit_id: int, data: UnitEditIn, actor: Actor, *, street: str | None) -> Unit:
    """Correct a unit; ``street``: the editor's street, which the unit must stay homed in (None:
    the alliance's administrator)."""
    async with transaction(db) as conn:
        row = await conn.fetchrow(q("desk_unit_update"), unit_id, data.name, data.unit_type.value,
                                  data.contact_name, data.contact_phone, data.home_area, data.active_cap, street)
        if row is None:  # gone, or moved out of the street, between the read and the write
            if street is not None and await conn.fetchrow(q("unit_get"), unit_id) is not None:
                raise Forbidden(access.OUT_OF_STREET, code="out_of_scope", details={"id": unit_id})
            raise NotFound("成员单位不存在", code="unit_not_found", details={"id": unit_id})
        await record_history(conn, "unit", unit_id, row["status"], row["status"], actor, EDITED,
                             f"修改单位信息，承接上限 {data.active_cap}")
    log.info("unit %s edited by %s (cap %s)", unit_id, actor, data.active_cap)
    return Unit.model_validate(dict(row))
