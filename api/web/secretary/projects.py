"""社区书记 · 项目清单: the community's projects and a project's page, with publish and claim
confirmation. The forms that make and change a project are in :mod:`.project_forms`, the team
(协办) in :mod:`.team`."""

from __future__ import annotations

from catalog import scoped
from catalog.enums import DispatchMode, ProjectStatus, Role
from catalog.models import NoteIn, ProjectFilter

from ..kit import View, names, page
from .team import team_context

SEC = (Role.SECRETARY,)
BOARD = "/secretary/projects"
# What publishing started: only a 认领 project is open to units' claims.
PUBLISHED = {
    DispatchMode.CLAIM: "已发布，成员单位现在可以认领",
    DispatchMode.DIRECTED: "已发布，请点“定向派单”选择承接单位",
    DispatchMode.OPTIMISE: "已发布，等待优化派单：批量派单任务下次运行时会派给合适的成员单位，结果见“派单建议”",
}


@page(BOARD, roles=SEC, template="secretary/projects.html", nav="项目清单", order=20, home=True)
async def projects(v: View) -> dict:
    f = v.query(ProjectFilter, community=v.me.community_code)
    return {"page": await scoped.list_projects(v.db, v.me, f), "filter": f,
            "categories": await names.category_names(v),
            "statuses": [(s.value, s.label) for s in ProjectStatus]}


@page(BOARD + "/{project_id}", roles=SEC, template="secretary/project.html")
async def project(v: View) -> dict:
    detail = await scoped.get_project(v.db, v.me, v.id("project_id"))
    return {"d": detail, "p": detail.project, "categories": await names.category_names(v),
            "units": await _unit_names(v, {a.unit_id for a in detail.assignments}),
            **await team_context(v, detail)}


async def _unit_names(v: View, ids: set[int]) -> dict[int, str]:
    return {i: (await scoped.get_unit(v.db, v.me, i)).name for i in sorted(ids)}


def _here(v: View) -> str:
    return f"{BOARD}/{v.id('project_id')}"


@page(BOARD + "/{project_id}/publish", method="POST", roles=SEC)
async def publish(v: View):
    p = await scoped.publish_project(v.db, v.me, v.id("project_id"))
    return v.redirect(_here(v), f"项目 {p.number} {PUBLISHED[p.dispatch_mode]}")


@page(BOARD + "/{project_id}/confirm", method="POST", roles=SEC)
async def confirm(v: View):
    p = await scoped.confirm_claim(v.db, v.me, v.id("project_id"))
    return v.redirect(_here(v), f"已确认认领，项目 {p.number} 由该单位承接")


@page(BOARD + "/{project_id}/reject-claim", method="POST", roles=SEC)
async def reject_claim(v: View):
    data, form = v.validate(NoteIn)
    if data is None:
        return v.redirect(_here(v), "；".join(form.general + list(form.errors.values())), "error")
    await scoped.reject_claim(v.db, v.me, v.id("project_id"), data)
    return v.redirect(_here(v), "已不同意该认领，项目重新开放认领")
