"""需求清单: the resident's public form, recording by staff, review."""

from __future__ import annotations

from catalog import scoped
from catalog.models import (
    HistoryEntry,
    NeedFilter,
    NeedIn,
    NeedPage,
    NeedReceipt,
    NeedView,
    NoteIn,
    PublicNeedIn,
    RejectIn,
)

from ..routing import Call, endpoint


@endpoint("POST", "/public/needs", summary="居民点单（公开表单，按来源地址限流）", tag="public", public=True,
          body=PublicNeedIn, response=NeedReceipt, status=201, idempotent=True, errors=(429,))
async def submit_public(c: Call) -> NeedReceipt:
    return await scoped.submit_public_need(c.db, c.body, c.address)


@endpoint("POST", "/needs", summary="网格员或社区书记登记需求", tag="needs", body=NeedIn, response=NeedView,
          status=201, idempotent=True)
async def submit(c: Call) -> NeedView:
    return await scoped.submit_need(c.db, c.me, c.body)


@endpoint("GET", "/needs", summary="需求列表（按管辖范围）", tag="needs", query=NeedFilter, response=NeedPage)
async def list_(c: Call) -> NeedPage:
    return await scoped.list_needs(c.db, c.me, c.query)


@endpoint("GET", "/needs/{need_id}", summary="需求详情", tag="needs", response=NeedView)
async def get(c: Call) -> NeedView:
    return await scoped.get_need(c.db, c.me, c.id("need_id"))


@endpoint("POST", "/needs/{need_id}/accept", summary="审核通过（入库）", tag="needs", response=NeedView)
async def accept(c: Call) -> NeedView:
    return await scoped.accept_need(c.db, c.me, c.id("need_id"))


@endpoint("POST", "/needs/{need_id}/reject", summary="驳回（须说明理由）", tag="needs", body=RejectIn,
          response=NeedView)
async def reject(c: Call) -> NeedView:
    return await scoped.reject_need(c.db, c.me, c.id("need_id"), c.body)


@endpoint("POST", "/needs/{need_id}/withdraw", summary="撤回需求", tag="needs", body=NoteIn, response=NeedView)
async def withdraw(c: Call) -> NeedView:
    return await scoped.withdraw_need(c.db, c.me, c.id("need_id"), c.body)


@endpoint("GET", "/history/{entity}/{entity_id}", summary="任一记录的变更历史（含操作人）", tag="history",
          response=list[HistoryEntry])
async def history(c: Call) -> list[HistoryEntry]:
    return await scoped.history(c.db, c.me, c.text("entity"), c.id("entity_id"))
