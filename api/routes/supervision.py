"""督办: the supervision list, time-limit warnings (预警) and the time limits of each category."""

from __future__ import annotations

from catalog import scoped
from catalog.models import (
    AlertFilter,
    AlertPage,
    CategoryTimeLimits,
    SupervisionFilter,
    SupervisionItem,
    SupervisionNoteIn,
    SupervisionPage,
    TimeLimitsIn,
)

from ..routing import Call, endpoint

T = "supervision"


@endpoint("GET", "/supervision", summary="督办清单（街道管理员本街道，联盟管理员全部；书记本社区，成员单位本单位）",
          tag=T, query=SupervisionFilter, response=SupervisionPage)
async def items(c: Call) -> SupervisionPage:
    return await scoped.supervision_items(c.db, c.me, c.query)


@endpoint("GET", "/supervision/alerts", summary="时限预警：蓝色、黄色、红色（按管辖范围）", tag=T,
          query=AlertFilter, response=AlertPage)
async def alerts(c: Call) -> AlertPage:
    return await scoped.supervision_alerts(c.db, c.me, c.query)


@endpoint("GET", "/supervision/{item_id}", summary="督办事项详情与督办意见", tag=T, response=SupervisionItem)
async def item(c: Call) -> SupervisionItem:
    return await scoped.supervision_item(c.db, c.me, c.id("item_id"))


@endpoint("POST", "/supervision/{item_id}/notes", summary="填写督办意见，可同时办结督办（街道/联盟管理员）", tag=T,
          body=SupervisionNoteIn, response=SupervisionItem, status=201, invalidates=())
async def note(c: Call) -> SupervisionItem:
    return await scoped.add_supervision_note(c.db, c.me, c.id("item_id"), c.body)


@endpoint("GET", "/categories/{code}/time-limits", summary="分类时限：各环节、各紧急程度及其来源", tag=T,
          response=CategoryTimeLimits)
async def time_limits(c: Call) -> CategoryTimeLimits:
    return await scoped.get_time_limits(c.db, c.me, c.text("code"))


@endpoint("PUT", "/categories/{code}/time-limits", summary="设置分类时限（联盟管理员；未列出的沿用上级或默认）",
          tag=T, body=TimeLimitsIn, response=CategoryTimeLimits, invalidates=())
async def set_time_limits(c: Call) -> CategoryTimeLimits:
    return await scoped.set_time_limits(c.db, c.me, c.text("code"), c.body)
