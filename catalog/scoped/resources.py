"""资源清单 as one principal sees it: a unit lists, rewrites, takes down and puts back up its own
resources; the administrators who manage the unit list for it, review and take down."""

from __future__ import annotations

from catalog.enums import Role
from catalog.errors import InvalidInput, NotFound
from catalog.lists import directory, editing, resources
from catalog.models import NoteIn, Principal, Resource, ResourceFilter, ResourceIn, ResourcePage, Unit
from catalog.people import access
from catalog.storage.paging import next_cursor
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

from .common import forbidden, out_of_street


async def create_resource(db: Db, p: Principal, data: ResourceIn) -> Resource:
    """A unit lists a resource of its own; an administrator for a unit they manage."""
    if not (p.role is Role.UNIT and p.unit_id == data.unit_id):
        if not access.is_admin(p):
            raise forbidden("只能为本单位发布资源", "out_of_scope")
        try:
            unit = await directory.get_unit(db, data.unit_id)
        except NotFound:
            raise InvalidInput("成员单位不存在", code="unknown_unit", details={"id": data.unit_id}) from None
        if not access.can_create_resource_for(p, unit):
            raise out_of_street()
    return await resources.create_resource(db, data, p.actor)


async def resource_and_unit(db: Db, p: Principal, resource_id: int) -> tuple[Resource, Unit]:
    """A resource the caller may read, with its unit (whose street says who manages both)."""
    resource = await resources.get_resource(db, resource_id)
    unit = await directory.get_unit(db, resource.unit_id)
    if not access.can_read_resource(p, resource, unit):
        raise NotFound("资源不存在", code="resource_not_found", details={"id": resource_id})
    return resource, unit


async def get_resource(db: Db, p: Principal, resource_id: int) -> Resource:
    return (await resource_and_unit(db, p, resource_id))[0]


async def list_resources(db: Db, p: Principal, f: ResourceFilter) -> ResourcePage:
    """Published resources for everyone; a unit's own in every status; for an administrator,
    those of the units they manage in every status (the review queue)."""
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("resource_page"), access.is_admin(p), p.unit_id, f.unit_id, f.status.value if f.status else None,
            f.category, f.after, f.ascending, f.page_size, access.admin_street(p),
        )
    return ResourcePage(items=[Resource.model_validate(dict(r)) for r in rows],
                        next_cursor=next_cursor(rows, f.page_size))


async def publish_resource(db: Db, p: Principal, resource_id: int) -> Resource:
    """审核发布 by an administrator who manages the resource's unit."""
    _, unit = await resource_and_unit(db, p, resource_id)
    if not access.can_review_resource(p, unit):
        if access.is_admin(p):
            raise out_of_street()
        raise forbidden("只有管理员可以审核发布资源")
    return await resources.publish_resource(db, resource_id, p.actor)


async def delist_resource(db: Db, p: Principal, resource_id: int, data: NoteIn) -> Resource:
    resource, unit = await resource_and_unit(db, p, resource_id)
    if not access.can_delist_resource(p, resource, unit):
        if access.is_admin(p):
            raise out_of_street()
        raise forbidden("只能下架本单位的资源")
    return await resources.delist_resource(db, resource_id, p.actor, data.note)


async def update_resource(db: Db, p: Principal, resource_id: int, data: ResourceIn) -> Resource:
    """The unit rewrites its own listing (every field of :class:`ResourceIn`); back to 待审核."""
    current = await get_resource(db, p, resource_id)
    if not (p.role is Role.UNIT and p.unit_id == current.unit_id):
        raise forbidden("只能修改本单位的资源", "out_of_scope")
    if data.unit_id != current.unit_id:
        raise forbidden("资源不能转给其他单位", "out_of_scope")
    return await editing.update_resource(db, current, data, p.actor)


async def relist_resource(db: Db, p: Principal, resource_id: int) -> Resource:
    """已下架 → 已发布: the unit's own listing without a new review; an administrator's relist is
    the review itself (审核发布), by the same rules."""
    current = await get_resource(db, p, resource_id)
    if access.is_admin(p):
        return await publish_resource(db, p, resource_id)
    if not (p.role is Role.UNIT and p.unit_id == current.unit_id):
        raise forbidden("只能重新上架本单位的资源", "out_of_scope")
    return await editing.relist_resource(db, current, p.actor)
