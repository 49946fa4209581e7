"""社区书记 · 需求审核: the needs inbox, a need's page, 入库, 驳回 and 撤回.

Merging needs into a project starts here (checkboxes on the 已入库 list) and continues on the
project form (:mod:`.project_forms`).
"""

from __future__ import annotations

from catalog import scoped
from catalog.enums import NeedStatus, RejectReason, Urgency
from catalog.errors import DomainError
from catalog.models import NeedFilter, NoteIn, RejectIn

from ..kit import Form, View, names, page
from .common import SEC

INBOX = "/secretary/needs"


@page(INBOX, roles=SEC, template="secretary/needs.html", nav="需求审核", order=10)
async def needs(v: View) -> dict:
    fixed: dict = {"community": v.me.community_code}
    if "status" not in v.request.query:  # the inbox opens on what waits for review
        fixed["status"] = NeedStatus.PENDING.value
    f = v.query(NeedFilter, **fixed)
    page_ = await scoped.list_needs(v.db, v.me, f)
    return {"page": page_, "filter": f, "categories": await names.category_names(v),
            "category_choices": await names.category_choices(v),
            "areas": await names.area_names(v),
            "statuses": [(s.value, s.label) for s in NeedStatus],
            "urgencies": [(u.value, u.label) for u in Urgency],
            "mergeable": f.status is NeedStatus.ACCEPTED}


async def _need_context(v: View, reject_form: Form | None = None, withdraw_form: Form | None = None) -> dict:
    need_id = v.id("need_id")
    need = await scoped.get_need(v.db, v.me, need_id)
    history = await scoped.history(v.db, v.me, "need", need_id)
    project = None
    if need.project_id is not None:
        project = (await scoped.get_project(v.db, v.me, need.project_id)).project
    return {"n": need, "history": history, "project": project,
            "categories": await names.category_names(v), "areas": await names.area_names(v),
            "reasons": [(r.value, r.label) for r in RejectReason],
            "reject_form": reject_form or Form(), "withdraw_form": withdraw_form or Form()}


@page(INBOX + "/{need_id}", roles=SEC, template="secretary/need.html")
async def need(v: View) -> dict:
    return await _need_context(v)


def _here(v: View) -> str:
    return f"{INBOX}/{v.id('need_id')}"


@page(INBOX + "/{need_id}/accept", method="POST", roles=SEC)
async def accept(v: View):
    n = await scoped.accept_need(v.db, v.me, v.id("need_id"))
    return v.back(_here(v), f"需求 {n.number} 已入库，可合并立项")


@page(INBOX + "/{need_id}/reject", method="POST", roles=SEC, template="secretary/need.html")
async def reject(v: View):
    data, form = v.validate(RejectIn, messages={"reason": "请选择驳回理由"})
    if data is not None:
        try:
            n = await scoped.reject_need(v.db, v.me, v.id("need_id"), data)
        except DomainError as exc:
            form.fail(exc.message)
        else:
            return v.redirect(INBOX, f"需求 {n.number} 已驳回（{data.reason.label}）")
    if "选择“其他原因”时须说明理由" in form.general:  # the model's own rule: show it at the note
        form.general.remove("选择“其他原因”时须说明理由")
        form.fail("选择“其他原因”时须说明理由", "note")
    return await _need_context(v, reject_form=form)


@page(INBOX + "/{need_id}/withdraw", method="POST", roles=SEC, template="secretary/need.html")
async def withdraw(v: View):
    data, form = v.validate(NoteIn)
    if data is not None:
        try:
            n = await scoped.withdraw_need(v.db, v.me, v.id("need_id"), data)
        except DomainError as exc:
            form.fail(exc.message)
        else:
            return v.redirect(_here(v), f"需求 {n.number} 已撤回")
    return await _need_context(v, withdraw_form=form)
