"""资源清单: what member units offer, reviewed before it is published."""

from __future__ import annotations

from catalog.enums import RESOURCE_TRANSITIONS, ResourceStatus, UnitStatus
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.lists.directory import ensure_category_open
from catalog.models import Actor, Resource, ResourceIn
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, guarded_step, record_history, transaction


async def create_resource(db: Db, data: ResourceIn, actor: Actor) -> Resource:
    """A new listing starts as 待审核; the alliance publishes it after review."""
    async with transaction(db) as conn:
        unit = await conn.fetchrow(q("unit_get"), data.unit_id)
        if unit is None:
            raise InvalidInput("成员单位不存在", code="unknown_unit", details={"unit_id": data.unit_id})
        if unit["status"] != UnitStatus.ACTIVE:
            raise Conflict("成员单位已暂停，不能发布资源", code="unit_suspended", details={"id": data.unit_id})
        if data.area_communities:
            unknown = [r["c"] for r in await conn.fetch(q("resources_unknown_communities"), data.area_communities)]
            if unknown:
                raise InvalidInput("服务社区不存在", code="unknown_community", details={"codes": unknown})
        await ensure_category_open(conn, data.category_code)
        row = await conn.fetchrow(
            q("resource_insert"), data.unit_id, data.title, data.content, data.category_code,
            data.skills, data.capacity_projects, data.capacity_hours, data.area_communities,
            data.centre_lat, data.centre_lon, data.radius_km,
            [s.model_dump() for s in data.availability], data.valid_from, data.valid_to,
            data.mode.value, data.fee_type.value, data.fee_amount, data.target_groups,
        )
        await record_history(conn, "resource", row["id"], None, row["status"], actor)
    return Resource.model_validate(dict(row))


async def get_resource(db: Db, resource_id: int) -> Resource:
    async with connection(db) as conn:
        row = await conn.fetchrow(q("resource_get"), resource_id)
    if row is None:
        raise NotFound("资源不存在", code="resource_not_found", details={"id": resource_id})
    return Resource.model_validate(dict(row))


async def list_resources(
    db: Db, *, unit_id: int | None = None, status: ResourceStatus | None = None,
    category: str | None = None, after_id: int | None = None, limit: int = 50,
) -> list[Resource]:
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("resource_list"), unit_id, status.value if status else None, category, after_id, min(limit, 500)
        )
    return [Resource.model_validate(dict(r)) for r in rows]


async def _step(db: Db, resource_id: int, action: str, to: ResourceStatus, actor: Actor,
                note: str | None = None) -> Resource:
    allowed = [s.value for s in RESOURCE_TRANSITIONS[action]]
    async with transaction(db) as conn:
        row = await guarded_step(
            conn, entity="resource", query="resource_transition", entity_id=resource_id,
            args=(allowed, to.value), get_query="resource_get", action=action, allowed=allowed,
        )
        await record_history(conn, "resource", resource_id, row["from_status"], to.value, actor, None, note)
    return Resource.model_validate(dict(row))


async def publish_resource(db: Db, resource_id: int, actor: Actor) -> Resource:
    """待审核 or 已下架 → 已发布."""
    return await _step(db, resource_id, "publish", ResourceStatus.PUBLISHED, actor)


async def delist_resource(db: Db, resource_id: int, actor: Actor, note: str | None = None) -> Resource:
    """已发布 → 已下架. Work already taken on with it carries on."""
    return await _step(db, resource_id, "delist", ResourceStatus.DELISTED, actor, note)
