"""Areas, categories, member units, resources and unit credit."""

from __future__ import annotations

from catalog import scoped
from catalog.enums import UnitStatus
from catalog.models import (
    Area,
    AreaIn,
    AssignmentFilter,
    Category,
    CategoryIn,
    CreditLedger,
    CreditScore,
    ListQuery,
    NoteIn,
    Resource,
    ResourceFilter,
    ResourceIn,
    ResourcePage,
    UnitAssignmentPage,
    UnitFilter,
    UnitIn,
    UnitPage,
    UnitView,
)

from ..routing import Call, endpoint


@endpoint("GET", "/areas", summary="区域：区县、街道、社区、网格", tag="directory", public=True, response=list[Area])
async def areas(c: Call) -> list[Area]:
    return await c.cached("directory", "areas", lambda: scoped.list_areas(c.db))


@endpoint("GET", "/categories", summary="服务分类（两级）", tag="directory", public=True, response=list[Category])
async def categories(c: Call) -> list[Category]:
    return await c.cached("directory", "categories", lambda: scoped.list_categories(c.db))


@endpoint("POST", "/areas", summary="新增区域（联盟管理员）", tag="directory", body=AreaIn, response=Area,
          status=201, idempotent=True, invalidates=("directory",))
async def create_area(c: Call) -> Area:
    return await scoped.create_area(c.db, c.me, c.body)


@endpoint("POST", "/categories", summary="新增服务分类（联盟管理员）", tag="directory", body=CategoryIn,
          response=Category, status=201, idempotent=True, invalidates=("directory",))
async def create_category(c: Call) -> Category:
    return await scoped.create_category(c.db, c.me, c.body)


@endpoint("POST", "/categories/{code}/retire", summary="停用服务分类（联盟管理员）", tag="directory",
          response=Category, invalidates=("directory",))
async def retire_category(c: Call) -> Category:
    return await scoped.retire_category(c.db, c.me, c.text("code"))


@endpoint("GET", "/units", summary="成员单位（联系人：本单位及管理该单位的管理员见全文，其余脱敏）", tag="units",
          query=UnitFilter, response=UnitPage)
async def units(c: Call) -> UnitPage:
    return await scoped.list_units(c.db, c.me, c.query)


@endpoint("POST", "/units", summary="新增成员单位（管理员；街道管理员只能归属本街道或其社区）", tag="units",
          body=UnitIn, response=UnitView, status=201, idempotent=True)
async def create_unit(c: Call) -> UnitView:
    return await scoped.create_unit(c.db, c.me, c.body)


@endpoint("GET", "/units/{unit_id}", summary="成员单位详情（联系人：本单位及管理该单位的管理员见全文）", tag="units",
          response=UnitView)
async def unit(c: Call) -> UnitView:
    return await scoped.get_unit(c.db, c.me, c.id("unit_id"))


@endpoint("POST", "/units/{unit_id}/suspend",
          summary="暂停成员单位（管理员：街道管理员限本街道的单位，联盟管理员全部）", tag="units", body=NoteIn,
          response=UnitView)
async def suspend(c: Call) -> UnitView:
    return await scoped.set_unit_status(c.db, c.me, c.id("unit_id"), UnitStatus.SUSPENDED, c.body)


@endpoint("POST", "/units/{unit_id}/reinstate",
          summary="恢复成员单位（管理员：街道管理员限本街道的单位，联盟管理员全部）", tag="units", body=NoteIn,
          response=UnitView)
async def reinstate(c: Call) -> UnitView:
    return await scoped.set_unit_status(c.db, c.me, c.id("unit_id"), UnitStatus.ACTIVE, c.body)


@endpoint("GET", "/units/{unit_id}/credit", summary="信用分与等级", tag="credit", response=CreditScore)
async def credit(c: Call) -> CreditScore:
    return await scoped.credit_score(c.db, c.me, c.id("unit_id"))


@endpoint("GET", "/units/{unit_id}/credit/ledger",
          summary="信用明细（本单位；街道管理员限本街道的单位，联盟管理员全部）", tag="credit",
          query=ListQuery, response=CreditLedger)
async def ledger(c: Call) -> CreditLedger:
    return await scoped.credit_ledger(c.db, c.me, c.id("unit_id"), c.query)


@endpoint("GET", "/units/{unit_id}/assignments",
          summary="成员单位的认领与派单（待确认、承接中、历史；本单位与管理该单位的管理员）",
          tag="units", query=AssignmentFilter, response=UnitAssignmentPage)
async def unit_assignments(c: Call) -> UnitAssignmentPage:
    return await scoped.unit_assignments(c.db, c.me, c.id("unit_id"), c.query)


@endpoint("GET", "/resources", summary="资源清单（已发布的；本单位的全部；管理员另见所管单位各状态的资源）",
          tag="resources", query=ResourceFilter, response=ResourcePage)
async def resources(c: Call) -> ResourcePage:
    return await scoped.list_resources(c.db, c.me, c.query)


@endpoint("POST", "/resources", summary="发布资源（本单位，或管理该单位的管理员；待审核）", tag="resources",
          body=ResourceIn, response=Resource, status=201, idempotent=True)
async def create_resource(c: Call) -> Resource:
    return await scoped.create_resource(c.db, c.me, c.body)


@endpoint("GET", "/resources/{resource_id}", summary="资源详情", tag="resources", response=Resource)
async def resource(c: Call) -> Resource:
    return await scoped.get_resource(c.db, c.me, c.id("resource_id"))


@endpoint("POST", "/resources/{resource_id}/publish",
          summary="审核发布资源（管理员：街道管理员限本街道单位的资源，联盟管理员全部）", tag="resources",
          response=Resource)
async def publish_resource(c: Call) -> Resource:
    return await scoped.publish_resource(c.db, c.me, c.id("resource_id"))


@endpoint("POST", "/resources/{resource_id}/delist", summary="下架资源（本单位，或管理该单位的管理员）",
          tag="resources", body=NoteIn, response=Resource)
async def delist_resource(c: Call) -> Resource:
    return await scoped.delist_resource(c.db, c.me, c.id("resource_id"), c.body)
