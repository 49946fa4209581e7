"""What the units' and administrators' desk pages do, for API clients too.

A unit rewrites its resource (back to 待审核) or puts a taken-down one back up; administrators
correct a unit's details and cap and list units with their live work (a street's administrator
the units homed in their street, the alliance's every unit); a unit (or an administrator who
manages it) reads the open projects the engine ranks best for it; a unit reads why the batch
job proposed a project to it. The rules are those of the pages (:mod:`catalog.scoped`'s
``resources``, ``units`` and ``suggestions``).

Edits replace the whole record (PUT): every field is stated, as on the page's form, so a field
left out is refused instead of silently reset to its default.
"""

from __future__ import annotations

from catalog import scoped
from catalog.models import (
    Explanation,
    Resource,
    ResourceIn,
    SuggestionQuery,
    UnitEditIn,
    UnitListFilter,
    UnitRowPage,
    UnitSuggestions,
    UnitView,
)

from ..routing import Call, endpoint


@endpoint("PUT", "/resources/{resource_id}", summary="修改本单位资源（整条替换；修改后回到待审核）", tag="resources",
          body=ResourceIn, response=Resource, invalidates=())
async def update_resource(c: Call) -> Resource:
    return await scoped.update_resource(c.db, c.me, c.id("resource_id"), c.body)


@endpoint("POST", "/resources/{resource_id}/relist",
          summary="重新上架已下架的资源（本单位；管理该单位的管理员上架即审核发布）",
          tag="resources", response=Resource, invalidates=())
async def relist_resource(c: Call) -> Resource:
    return await scoped.relist_resource(c.db, c.me, c.id("resource_id"))


@endpoint("GET", "/admin/units",
          summary="成员单位管理列表：按类型、状态、名称筛选，含在办数和待审核资源数"
                  "（街道管理员：本街道的单位；联盟管理员：全部）",
          tag="units", query=UnitListFilter, response=UnitRowPage)
async def admin_units(c: Call) -> UnitRowPage:
    return await scoped.list_managed_units(c.db, c.me, c.query)


@endpoint("PUT", "/units/{unit_id}",
          summary="修改成员单位信息与承接上限（街道管理员限本街道的单位、不能移出本街道，联盟管理员全部；"
                  "上限低于在办数时只限制新承接）",
          tag="units", body=UnitEditIn, response=UnitView)
async def update_unit(c: Call) -> UnitView:
    # default invalidation: the unit's name is on the public league table
    return await scoped.update_unit(c.db, c.me, c.id("unit_id"), c.body)


@endpoint("GET", "/units/{unit_id}/suggestions",
          summary="为成员单位推荐的开放认领项目（按匹配得分排序；本单位与管理该单位的管理员）",
          tag="units", query=SuggestionQuery, response=UnitSuggestions)
async def unit_suggestions(c: Call) -> UnitSuggestions:
    return await scoped.projects_for_unit(c.db, c.me, c.id("unit_id"), limit=c.query.limit)


@endpoint("GET", "/assignments/{assignment_id}/explanation",
          summary="批量优化派单的推荐理由：得分及各项（收到派单的成员单位）", tag="units", response=Explanation)
async def explanation(c: Call) -> Explanation:
    return await scoped.explanation(c.db, c.me, c.id("assignment_id"))
