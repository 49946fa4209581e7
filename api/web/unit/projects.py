"""成员单位 · 项目: projects open to claim, the unit's own claims and work, progress and completion."""

from __future__ import annotations

from catalog import scoped
from catalog.enums import AssignmentStatus, DeclineReason, ProjectStatus, Role
from catalog.errors import DomainError
from catalog.models import AssignmentFilter, ClaimIn, CompletionIn, ProgressIn, ProjectFilter

from ..kit import Form, View, names, page

UNIT = (Role.UNIT,)
HOME = "/unit/projects"


@page(HOME, roles=UNIT, template="unit/projects.html", nav="可认领项目", order=20, home=True)
async def open_projects(v: View) -> dict:
    f = v.query(ProjectFilter, status=ProjectStatus.PUBLISHED.value)
    # the engine's ranking for this unit, on the first page only (the full list pages below it)
    suggest = None if f.cursor else await scoped.projects_for_unit(v.db, v.me)
    return {"page": await scoped.list_projects(v.db, v.me, f), "categories": await names.category_names(v),
            "communities": await names.area_names(v), "suggest": suggest}


@page("/unit/work", roles=UNIT, template="unit/work.html", nav="本单位项目", order=30)
async def work(v: View) -> dict:
    f = v.query(AssignmentFilter)
    page_ = await scoped.unit_assignments(v.db, v.me, v.me.unit_id or 0, f)
    return {"page": page_, "statuses": [(s.value, s.label) for s in AssignmentStatus], "filter": f}


async def _project_context(v: View, progress_form: Form | None = None, done_form: Form | None = None,
                           back_form: Form | None = None) -> dict:
    detail = await scoped.get_project(v.db, v.me, v.id("project_id"))
    mine = next((a for a in detail.assignments if a.unit_id == v.me.unit_id and a.role == "lead"
                 and a.status.value in ("pending", "active")), None)
    # this unit's helper role (协办) on the project, while it is asked or at work
    helper = next((a for a in detail.assignments if a.unit_id == v.me.unit_id and a.role == "helper"
                   and a.status.value in ("pending", "active")), None)
    return {"d": detail, "p": detail.project, "mine": mine, "helper": helper,
            "owner": detail.owner_unit_id == v.me.unit_id,
            "categories": await names.category_names(v), "communities": await names.area_names(v),
            "progress_form": progress_form or Form(),
            "done_form": done_form or Form(values={"beneficiaries_served": "1"}),
            "back_form": back_form or Form(), "reasons": list(DeclineReason.labels().items())}


@page(HOME + "/{project_id}", roles=UNIT, template="unit/project.html")
async def project(v: View) -> dict:
    return await _project_context(v)


def _here(v: View) -> str:
    return f"{HOME}/{v.id('project_id')}"


@page(HOME + "/{project_id}/claim", method="POST", roles=UNIT)
async def claim(v: View):
    await scoped.claim_project(v.db, v.me, v.id("project_id"), ClaimIn())
    return v.redirect(_here(v), "已提交认领，等待社区书记确认")


@page(HOME + "/{project_id}/start", method="POST", roles=UNIT)
async def start(v: View):
    await scoped.start_project(v.db, v.me, v.id("project_id"))
    return v.redirect(_here(v), "已开始服务，请及时填报进展")


@page(HOME + "/{project_id}/progress", method="POST", roles=UNIT, template="unit/project.html")
async def progress(v: View):
    data, form = v.validate(ProgressIn, messages={"photo_url": "照片链接须以 http:// 或 https:// 开头"})
    if data is not None:
        try:
            await scoped.add_progress(v.db, v.me, v.id("project_id"), data)
        except DomainError as exc:
            form.fail(exc.message)
        else:
            return v.redirect(_here(v), "进展已记录")
    return await _project_context(v, progress_form=form)


@page(HOME + "/{project_id}/complete", method="POST", roles=UNIT, template="unit/project.html")
async def complete(v: View):
    data, form = v.validate(CompletionIn)
    if data is not None:
        try:
            await scoped.complete_project(v.db, v.me, v.id("project_id"), data)
        except DomainError as exc:
            form.fail(exc.message)
        else:
            return v.redirect(_here(v), "已报告办结，结单链接已通过短信发给居民")
    return await _project_context(v, done_form=form)


@page(HOME + "/{project_id}/give-back", method="POST", roles=UNIT, template="unit/project.html")
async def give_back(v: View):
    done, form = await v.reason_step(lambda r: scoped.give_back(v.db, v.me, v.id("project_id"), r),
                                     blank="请选择退单理由")
    if done is not None:
        return v.redirect("/unit/work", "已退单，项目已退回社区重新发布")
    return await _project_context(v, back_form=form)


@page(HOME + "/{project_id}/helper/give-back", method="POST", roles=UNIT, template="unit/project.html")
async def give_back_helper(v: View):
    """退出协办: the unit leaves a project it helps on; the lead and the project go on."""
    done, form = await v.reason_step(lambda r: scoped.give_back_helper(v.db, v.me, v.id("project_id"), r),
                                     blank="请选择退出理由")
    if done is not None:
        return v.redirect("/unit/work", "已退出协办，社区将另请单位协助")
    return await _project_context(v, back_form=form)
