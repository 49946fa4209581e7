"""Areas, categories and member units: the directory the three lists refer to."""

from __future__ import annotations

from catalog.enums import UnitStatus
from catalog.errors import Conflict, Forbidden, InvalidInput, NotFound
from catalog.models import Actor, Area, AreaIn, Category, CategoryIn, Unit, UnitIn
from catalog.people.access import OUT_OF_STREET
from catalog.storage.settings import get_settings
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, record_history, transaction


async def create_area(db: Db, data: AreaIn) -> Area:
    async with transaction(db) as conn:
        row = await conn.fetchrow(
            q("area_insert"), data.code, data.level.value, data.name, data.parent_code,
            data.lat, data.lon, data.households,
        )
    return Area.model_validate(dict(row))


async def list_areas(db: Db, level: str | None = None) -> list[Area]:
    async with connection(db) as conn:
        rows = await conn.fetch(q("area_list"), level)
    return [Area.model_validate(dict(r)) for r in rows]


async def create_category(db: Db, data: CategoryIn, actor: Actor) -> Category:
    async with transaction(db) as conn:
        if data.parent_code is not None:
            parent_level = await conn.fetchval(q("category_parent_level"), data.parent_code)
            if parent_level is None:
                raise InvalidInput("上级分类不存在", code="unknown_category", details={"code": data.parent_code})
            if parent_level != 1:
                raise InvalidInput("分类只有两级，上级须为一级分类", code="category_too_deep")
        row = await conn.fetchrow(q("category_insert"), data.code, data.name, data.parent_code, data.sort_order)
        await record_history(conn, "category", data.code, None, "active", actor)
    return Category.model_validate(dict(row))


async def retire_category(db: Db, code: str, actor: Actor) -> Category:
    """Retired categories stay on old records but are no longer offered for new ones."""
    async with transaction(db) as conn:
        row = await conn.fetchrow(q("category_retire"), code)
        if row is None:
            if await conn.fetchrow(q("category_get"), code) is None:
                raise NotFound("分类不存在", code="category_not_found", details={"code": code})
            raise Conflict("分类已停用", code="category_retired", details={"code": code})
        await record_history(conn, "category", code, "active", "retired", actor)
    return Category.model_validate(dict(row))


async def ensure_category_open(conn, code: str) -> None:
    """Refuse a retired or top-level category on a new record, with a reason people can act on."""
    row = await conn.fetchrow(q("category_open_for_new"), code)
    if row is None or row["level"] != 2:
        raise InvalidInput("分类不存在或不是二级分类", code="unknown_category", details={"code": code})
    if row["retired_at"] is not None:
        raise InvalidInput("该分类已停用，请选择其他分类", code="category_retired", details={"code": code})


async def list_categories(db: Db, *, include_retired: bool = False) -> list[Category]:
    async with connection(db) as conn:
        rows = await conn.fetch(q("category_list"), include_retired)
    return [Category.model_validate(dict(r)) for r in rows]


async def create_unit(db: Db, data: UnitIn, actor: Actor) -> Unit:
    cap = data.active_cap if data.active_cap is not None else get_settings().unit_active_cap
    async with transaction(db) as conn:
        row = await conn.fetchrow(
            q("unit_insert"), data.name, data.unit_type.value, data.contact_name,
            data.contact_phone, data.home_area, cap,
        )
        await record_history(conn, "unit", row["id"], None, row["status"], actor)
    return Unit.model_validate(dict(row))


async def get_unit(db: Db, unit_id: int) -> Unit:
    async with connection(db) as conn:
        row = await conn.fetchrow(q("unit_get"), unit_id)
    if row is None:
        raise NotFound("成员单位不存在", code="unit_not_found", details={"id": unit_id})
    return Unit.model_validate(dict(row))


async def set_unit_status(db: Db, unit_id: int, status: UnitStatus, actor: Actor, note: str | None = None,
                          *, street: str | None = None) -> Unit:
    """Suspend or reinstate a unit. A suspended unit keeps its work but cannot take more.

    ``street``: the street the actor manages (None: any); a unit homed elsewhere by the time of
    the write is refused (403), however it looked when it was read."""
    allowed = [s.value for s in UnitStatus if s is not status]
    async with transaction(db) as conn:
        row = await conn.fetchrow(q("unit_set_status"), unit_id, allowed, status.value, street)
        if row is None:
            current = await conn.fetchrow(q("unit_get"), unit_id)
            if current is None:
                raise NotFound("成员单位不存在", code="unit_not_found", details={"id": unit_id})
            if street is not None and current["home_street"] != street:
                raise Forbidden(OUT_OF_STREET, code="out_of_scope", details={"id": unit_id})
            raise Conflict(f"成员单位已是“{status.label}”状态", code="illegal_transition")
        await record_history(conn, "unit", unit_id, row["from_status"], status.value, actor, note=note)
    return Unit.model_validate(dict(row))
