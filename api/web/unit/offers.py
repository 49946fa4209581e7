"""成员单位 · 派单建议: offers from the community and proposals from the optimiser, to accept or
decline with a reason; and the unit's own claims still waiting for the secretary.

A proposal (优化派单) shows the batch job's explanation: its score and the terms that made it. An
offer to help on a project that needs several units (协办) is marked so, names the lead (主办) and
is answered through its own steps: accepting or declining it leaves the project with its lead.
"""

from __future__ import annotations

from catalog import scoped
from catalog.enums import AssignmentKind, AssignmentStatus, DeclineReason, Role
from catalog.models import AssignmentFilter

from ..kit import Form, View, names, page

UNIT = (Role.UNIT,)
OFFERS = "/unit/offers"


async def _context(v: View, forms: dict[int, Form] | None = None) -> dict:
    f = v.query(AssignmentFilter, status=AssignmentStatus.PENDING.value, limit=100)
    page_ = await scoped.unit_assignments(v.db, v.me, v.me.unit_id or 0, f)
    offers = [a for a in page_.items if a.kind is not AssignmentKind.CLAIM]
    claims = [a for a in page_.items if a.kind is AssignmentKind.CLAIM]
    details = {a.project_id: await scoped.get_project(v.db, v.me, a.project_id) for a in offers}
    projects = {pid: d.project for pid, d in details.items()}
    # the lead (主办) of each project this unit is asked to help on
    leads = {pid: next((m.unit_name for m in d.team if m.role == "lead"), "") for pid, d in details.items()}
    return {
        "offers": offers, "claims": claims, "projects": projects, "leads": leads, "next_cursor": page_.next_cursor,
        "explained": await scoped.explanations(v.db, v.me, [a.id for a in offers]),
        "forms": forms or {}, "reasons": list(DeclineReason.labels().items()),
        "categories": await names.category_names(v), "communities": await names.area_names(v),
    }


@page(OFFERS, roles=UNIT, template="unit/offers.html", nav="派单建议", order=25)
async def offers(v: View) -> dict:
    return await _context(v)


@page(OFFERS + "/{project_id}/accept", method="POST", roles=UNIT)
async def accept(v: View):
    p = await scoped.accept_offer(v.db, v.me, v.id("project_id"))
    return v.redirect(f"/unit/projects/{p.id}", f"已接单：{p.title}。请按时开始服务")


@page(OFFERS + "/{project_id}/decline", method="POST", roles=UNIT, template="unit/offers.html")
async def decline(v: View):
    pid = v.id("project_id")
    p, form = await v.reason_step(lambda r: scoped.decline_offer(v.db, v.me, pid, r), blank="请选择拒绝理由")
    if p is not None:
        return v.redirect(OFFERS, f"已拒绝“{p.title}”，理由已告知社区；该项目不会再推荐给本单位")
    return await _context(v, {pid: form})


@page(OFFERS + "/{project_id}/release", method="POST", roles=UNIT)
async def release(v: View):
    p = await scoped.release_claim(v.db, v.me, v.id("project_id"))
    return v.redirect(OFFERS, f"已撤回对“{p.title}”的认领")


# --- 协办: the unit answers an offer to help ------------------------------------------------------


@page(OFFERS + "/{project_id}/helper/accept", method="POST", roles=UNIT)
async def accept_helper(v: View):
    pid = v.id("project_id")
    await scoped.accept_helper(v.db, v.me, pid)
    p = (await scoped.get_project(v.db, v.me, pid)).project
    return v.redirect(f"/unit/projects/{pid}", f"已作为协办单位参与：{p.title}。请与主办单位协同服务")


@page(OFFERS + "/{project_id}/helper/decline", method="POST", roles=UNIT, template="unit/offers.html")
async def decline_helper(v: View):
    pid = v.id("project_id")
    done, form = await v.reason_step(lambda r: scoped.decline_helper(v.db, v.me, pid, r), blank="请选择拒绝理由")
    if done is not None:
        return v.redirect(OFFERS, "已拒绝协办邀请，理由已告知社区；该项目不会再推荐给本单位")
    return await _context(v, {pid: form})
