"""社区书记 · 协办单位: the team of a project that needs several units.

The project page lists the team (主办 and 协办 with their status) and, while the project has a
lead at work or being asked (已派单, 已接单, 执行中) and a free helper slot, a form to ask one more
unit to help; a request the unit has not answered can be withdrawn. The unit answers on its own
offers page.
"""

from __future__ import annotations

from catalog import scoped
from catalog.enums import AssignmentStatus, ProjectStatus
from catalog.errors import DomainError
from catalog.models import DirectIn, NoteIn, ProjectDetail

from ..kit import Form, View, names, page
from .common import SEC, UnitNames
from .project_forms import unit_choices

BOARD = "/secretary/projects"
TEAM_STATUSES = (ProjectStatus.DISPATCHED, ProjectStatus.ACCEPTED, ProjectStatus.IN_PROGRESS)
LIVE = (AssignmentStatus.PENDING, AssignmentStatus.ACTIVE)


async def team_context(v: View, detail: ProjectDetail, form: Form | None = None) -> dict:
    """What the project page needs for its team section and the add-a-helper form."""
    p = detail.project
    slots = p.units_required - 1
    live = [m for m in detail.team if m.role == "helper" and m.status in LIVE]
    open_ = slots > 0 and p.status in TEAM_STATUSES and len(live) < slots
    ctx = {"team": detail.team, "helper_slots": slots, "helpers_live": len(live), "can_add_helper": open_,
           "helper_form": form or Form(), "helper_units": [], "helper_resources": []}
    if open_:
        taken = {m.unit_id for m in detail.team if m.status in LIVE}
        units, resources = await unit_choices(v, p.category_code)
        ctx["helper_units"] = [(i, n) for i, n in units if i not in taken]
        ctx["helper_resources"] = resources
    return ctx


def _here(v: View) -> str:
    return f"{BOARD}/{v.id('project_id')}"


@page(BOARD + "/{project_id}/helpers", method="POST", roles=SEC, template="secretary/project.html")
async def add_helper(v: View):
    data, form = v.validate(DirectIn, messages={"unit_id": "请选择协办单位", "resource_id": "请从列表中选择"})
    if data is not None:
        try:
            await scoped.add_helper(v.db, v.me, v.id("project_id"), data)
        except DomainError as exc:
            form.fail(exc.message)
        else:
            unit = (await scoped.get_unit(v.db, v.me, data.unit_id)).name
            return v.redirect(_here(v) + "#team", f"已邀请 {unit} 协办，等待该单位答复")
    detail = await scoped.get_project(v.db, v.me, v.id("project_id"))
    units = UnitNames(v)
    return {"d": detail, "p": detail.project, "categories": await names.category_names(v),
            "units": {a.unit_id: await units.get(a.unit_id) for a in detail.assignments},
            **await team_context(v, detail, form)}


@page(BOARD + "/{project_id}/helpers/{unit_id}/withdraw", method="POST", roles=SEC)
async def withdraw_helper(v: View):
    data, form = v.validate(NoteIn)
    if data is None:
        return v.back(_here(v), "；".join(form.general + list(form.errors.values())), "error")
    try:
        await scoped.withdraw_helper(v.db, v.me, v.id("project_id"), v.id("unit_id"), data)
    except DomainError as exc:
        return v.back(_here(v), exc.message, "error")
    unit = (await scoped.get_unit(v.db, v.me, v.id("unit_id"))).name
    return v.back(_here(v), f"已撤回对 {unit} 的协办邀请")
