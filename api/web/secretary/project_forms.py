"""社区书记 · 项目: a new project from accepted needs (合并立项), editing it (编辑项目), 撤单, 定向派单,
改派 and 撤回派单.

The project's own page, 发布 and the claim confirmation live in :mod:`.projects`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from catalog import scoped
from catalog.enums import AssignmentStatus, DispatchMode, NeedStatus, ProjectStatus, UnitStatus, Urgency
from catalog.errors import DomainError, NotFound
from catalog.local_time import LOCAL_TIME
from catalog.models import (
    DirectIn,
    NeedView,
    NoteIn,
    Project,
    ProjectCancelIn,
    ProjectDetail,
    ProjectIn,
    ProjectPatchIn,
    ReassignIn,
    ResourceFilter,
    UnitFilter,
    UnitView,
)

from ...context import parse_id
from ..kit import Form, View, names, page, parse_form
from .common import CANCEL_REASONS, SEC, UnitNames, clock_of, holder_of

NEW = "/secretary/new-project"
BOARD = "/secretary/projects"
DATETIMES = ("window_start", "window_end", "claim_deadline")
_SKILL_SPLIT = re.compile(r"[,，、;；\s]+")
_URGENCY_RANK = {Urgency.URGENT: 0, Urgency.NORMAL: 1, Urgency.LONG_TERM: 2}
_MESSAGES = {
    "need_ids": "请至少选择一项已入库的需求",
    "title": "请填写项目名称（不超过 100 字）",
    "category_code": "请选择项目类别",
    "estimated_hours": "请填写预计工时（大于 0，最多 1 位小数）",
}


# --- 合并立项: a draft project from accepted needs ------------------------------------------


def _need_ids(values: list[str]) -> list[int]:
    out = []
    for x in values:
        need_id = parse_id(x)
        if need_id is not None and need_id not in out:
            out.append(need_id)
    return out[:100]


async def _needs(v: View, ids: list[int], *, strict: bool = True) -> list[NeedView]:
    """The needs the form names. ``strict``: one this secretary may not read is a 404 page;
    otherwise it is left out (the form says why it was not saved)."""
    out = []
    for i in ids:
        try:
            out.append(await scoped.get_need(v.db, v.me, i))
        except NotFound:
            if strict:
                raise
    return out


def _local(d: dt.date, hour: int) -> str:
    return dt.datetime.combine(d, dt.time(hour)).strftime("%Y-%m-%dT%H:%M")


def prefill(needs: list[NeedView]) -> dict[str, Any]:
    """The project form as the needs suggest it; the secretary corrects what they must."""
    if not needs:
        return {"units_required": "1", "priority": "3", "urgency": "normal", "dispatch_mode": "claim",
                "estimated_hours": "2"}
    first = needs[0]
    title = first.title if len(needs) == 1 else f"{first.title}等{len(needs)}项需求"
    if len(needs) == 1:
        description = first.description
    else:
        description = "\n".join(f"{n.number} {n.title}" + (f"：{n.description}" if n.description else "")
                                for n in needs)
    category = Counter(n.category_code for n in needs).most_common(1)[0][0]
    urgency = min((n.urgency for n in needs), key=lambda u: _URGENCY_RANK[u])
    points = [(n.lat, n.lon) for n in needs if n.lat is not None and n.lon is not None]
    values: dict[str, Any] = {
        "need_ids": [str(n.id) for n in needs], "title": title[:100], "description": description[:5000],
        "category_code": category, "urgency": urgency.value, "units_required": "1", "priority": "3",
        "dispatch_mode": "claim", "estimated_hours": str(2 * len(needs)),
        "required_skills": "", "place": "",
    }
    if points:
        values["lat"] = f"{sum(p[0] for p in points) / len(points):.6f}"
        values["lon"] = f"{sum(p[1] for p in points) / len(points):.6f}"
    starts = [n.desired_from for n in needs if n.desired_from]
    ends = [n.desired_to for n in needs if n.desired_to]
    if starts:
        values["window_start"] = _local(min(starts), 9)
    if ends:
        values["window_end"] = _local(max(ends), 18)
    return values


async def _form_context(v: View, form: Form, needs: list[NeedView]) -> dict:
    return {"form": form, "needs": needs, "categories": await names.category_names(v),
            "category_choices": await names.category_choices(v),
            "urgencies": [(u.value, u.label) for u in Urgency],
            "modes": [(m.value, m.label) for m in DispatchMode],
            "priorities": [(str(i), f"{i}{'（最高）' if i == 5 else '（最低）' if i == 1 else ''}")
                           for i in range(1, 6)],
            "edit": None, "locked": False, "editable": frozenset()}


@page(NEW, roles=SEC, template="secretary/project_form.html")
async def new_project(v: View) -> dict:
    needs = await _needs(v, _need_ids(v.request.query.getall("need_ids", [])))
    form = Form(values=prefill(needs))
    not_ready = [n.number for n in needs if n.status is not NeedStatus.ACCEPTED]
    if not_ready:
        form.fail(f"以下需求不是“已入库”状态，不能合并：{'、'.join(not_ready)}")
    if not needs:
        form.fail("请先在“需求审核”中勾选已入库的需求，再合并立项。")
    return await _form_context(v, form, needs)


def parse_project(data: Any, community: str) -> tuple[ProjectIn | None, Form]:
    """The posted project form as :class:`ProjectIn`: skills typed as one line, times local."""
    raw = {name: data.get(name) for name in ProjectIn.model_fields if isinstance(data.get(name), str)}
    raw["need_ids"] = [x for x in data.getall("need_ids", []) if isinstance(x, str)]
    skills_text = raw.pop("required_skills", None) or ""
    raw["required_skills"] = [s for s in _SKILL_SPLIT.split(skills_text) if s]
    raw.pop("community_code", None)
    result, form = parse_form(ProjectIn, raw, lists=("need_ids", "required_skills"), datetimes=DATETIMES,
                              messages=_MESSAGES, extra={"community_code": community})
    form.values["required_skills"] = skills_text
    return result, form


@page(NEW, method="POST", roles=SEC, template="secretary/project_form.html")
async def create_project(v: View):
    data, form = parse_project(v.form_data, v.me.community_code or "")
    if data is not None:
        try:
            p = await scoped.create_project(v.db, v.me, data)
        except DomainError as exc:
            form.fail(exc.message)
        else:
            return v.redirect(f"{BOARD}/{p.id}", f"已立项：{p.number}（草拟），核对无误后请点“发布项目”")
    listed = str(v.form_data.get("listed", "") if v.form_data is not None else "").split(",")
    needs = await _needs(v, _need_ids(listed + form.values_of("need_ids")), strict=False)
    return await _form_context(v, form, needs)


# --- 撤单 --------------------------------------------------------------------------------------

_NOTE_FOR_OTHER = "选择“其他原因”时须说明理由"


async def _project_page(v: View, **more: Any) -> dict:
    detail = await scoped.get_project(v.db, v.me, v.id("project_id"))
    units = UnitNames(v)
    return {"d": detail, "p": detail.project, "clock": clock_of(detail.project),
            "holder": await holder_of(detail, units), "categories": await names.category_names(v), **more}


def _here(v: View) -> str:
    return f"{BOARD}/{v.id('project_id')}"


@page(BOARD + "/{project_id}/cancel", roles=SEC, template="secretary/project_cancel.html")
async def cancel_form(v: View) -> dict:
    return await _project_page(v, form=Form(), reasons=list(CANCEL_REASONS.items()))


@page(BOARD + "/{project_id}/cancel", method="POST", roles=SEC, template="secretary/project_cancel.html")
async def cancel(v: View):
    data, form = v.validate(ProjectCancelIn)  # the reason from CancelReason, a note with "other"
    if data is None and not str(form.value("reason")).strip():
        form.errors["reason"] = "请选择撤单理由"
    if _NOTE_FOR_OTHER in form.general:  # said by the model about the form; it belongs by the note
        form.general.remove(_NOTE_FOR_OTHER)
        form.fail(_NOTE_FOR_OTHER, "note")
    if data is not None:
        try:
            p = await scoped.cancel_project(v.db, v.me, v.id("project_id"), data)
        except DomainError as exc:
            form.fail(exc.message)
        else:
            return v.redirect(_here(v), f"项目 {p.number} 已撤单（{CANCEL_REASONS[data.reason]}）")
    return await _project_page(v, form=form, reasons=list(CANCEL_REASONS.items()))


# --- 定向派单 and 改派 ---------------------------------------------------------------------------


async def unit_choices(v: View, category: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Active units (those with a published resource of the project's kind first) and those resources."""
    parent = category.split(".")[0]
    resources = (await scoped.list_resources(v.db, v.me, ResourceFilter(status="published", category=parent,
                                                                          limit=100))).items
    units: list[UnitView] = []
    cursor = None
    for _ in range(20):
        page_ = await scoped.list_units(v.db, v.me, UnitFilter(limit=100, cursor=cursor))
        units.extend(u for u in page_.items if u.status is UnitStatus.ACTIVE)
        if page_.next_cursor is None:
            break
        cursor = page_.next_cursor
    name = {u.id: u.name for u in units}
    matching = {r.unit_id for r in resources if r.category_code == category}
    related = {r.unit_id for r in resources}

    def rank(u):  # the same subcategory first, then the same kind, then by name
        return (u.id not in matching, u.id not in related, u.name)

    unit_opts = [(u.id, u.name + ("（有对口资源）" if u.id in matching
                                  else "（有同类资源）" if u.id in related else ""))
                 for u in sorted(units, key=rank)]
    res_opts = [(r.id, f"{name.get(r.unit_id, r.unit_id)} · {r.title}")
                for r in sorted(resources, key=lambda r: (r.category_code != category, r.unit_id, r.id))
                if r.unit_id in name]
    return unit_opts, res_opts


async def _direct_page(v: View, form: Form) -> dict:
    ctx = await _project_page(v, form=form)
    ctx["unit_options"], ctx["resource_options"] = await unit_choices(v, ctx["p"].category_code)
    return ctx


@page(BOARD + "/{project_id}/direct", roles=SEC, template="secretary/project_direct.html")
async def direct_form(v: View) -> dict:
    form = Form(values={k: v.request.query[k] for k in ("unit_id", "resource_id") if k in v.request.query})
    return await _direct_page(v, form)


@page(BOARD + "/{project_id}/direct", method="POST", roles=SEC, template="secretary/project_direct.html")
async def direct(v: View):
    """定向派单; on a project already offered to a unit, 改派: withdraw that offer first."""
    data, form = v.validate(DirectIn, messages={"unit_id": "请选择承接单位", "resource_id": "请从列表中选择"})
    note, note_form = v.validate(NoteIn)
    form.values["note"] = note_form.value("note")
    if data is None:
        return await _direct_page(v, form)
    project_id = v.id("project_id")
    detail = await scoped.get_project(v.db, v.me, project_id)
    replaced = ""
    try:
        if detail.project.status is ProjectStatus.DISPATCHED:
            # 改派 in one step: if the new offer cannot be made, the old one stays
            old = await holder_of(detail, UnitNames(v))
            await scoped.reassign_offer(v.db, v.me, project_id, ReassignIn(
                unit_id=data.unit_id, resource_id=data.resource_id, note=note.note if note else None))
            replaced = f"已撤回原派单（{old.unit_name if old else ''}），"
        else:
            await scoped.direct_project(v.db, v.me, project_id, data)
    except DomainError as exc:
        form.fail(exc.message, "unit_id" if exc.code == "same_unit" else "")
        return await _direct_page(v, form)
    unit = (await scoped.get_unit(v.db, v.me, data.unit_id)).name
    return v.redirect(_here(v), f"{replaced}已派单给 {unit}，等待该单位接受")


@page(BOARD + "/{project_id}/withdraw-offer", method="POST", roles=SEC)
async def withdraw_offer(v: View):
    data, form = v.validate(NoteIn)
    if data is None:
        return v.back(_here(v), "；".join(form.general + list(form.errors.values())), "error")
    p = await scoped.withdraw_offer(v.db, v.me, v.id("project_id"), data)
    return v.back(_here(v), f"已撤回派单，项目 {p.number} 重新开放")


# --- 编辑项目: the project form again, for a draft or a published project ----------------------

# A box emptied on the edit form clears what may be empty; the others must stay filled in.
_CLEARED: dict[str, Any] = {"lat": None, "lon": None, "window_start": None, "window_end": None,
                            "claim_deadline": None, "description": "", "place": "", "required_skills": []}
_REQUIRED = ("title", "category_code", "estimated_hours")


def _local_box(value: dt.datetime | None) -> str:
    return value.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M") if value is not None else ""


def edit_values(p: Project) -> dict[str, Any]:
    """The project form filled in with the project as stored, and the version it was read at."""
    return {
        "title": p.title, "description": p.description, "category_code": p.category_code,
        "urgency": p.urgency.value, "required_skills": " ".join(p.required_skills), "place": p.place,
        # repr: the shortest text that reads back as the same float, so an untouched box is no change
        "lat": "" if p.lat is None else repr(p.lat), "lon": "" if p.lon is None else repr(p.lon),
        "window_start": _local_box(p.window_start), "window_end": _local_box(p.window_end),
        "units_required": str(p.units_required), "estimated_hours": str(p.estimated_hours),
        "priority": str(p.priority), "dispatch_mode": p.dispatch_mode.value,
        "claim_deadline": _local_box(p.claim_deadline), "updated_at": p.updated_at.isoformat(),
    }


def _blank(value: Any) -> bool:
    return not value if isinstance(value, list) else not str(value).strip()


def parse_project_patch(data: Any, editable: frozenset[str],
                        shown: dict[str, Any] | None = None) -> tuple[ProjectPatchIn | None, Form]:
    """The posted edit form as :class:`ProjectPatchIn`, reading only the fields that may change now.

    Boxes read as on the new-project form (:func:`parse_project`); an emptied optional box clears
    its field, an emptied required one is an error. ``shown``: the form as it was filled in
    (:func:`edit_values`); a box sent back as shown is no change, though the minute-wide time box
    could not hold the stored seconds.
    """
    shown = shown or {}
    same = {name for name in editable if isinstance(data.get(name), str) and data.get(name) == shown.get(name)}
    raw: dict[str, Any] = {name: data.get(name) for name in ProjectPatchIn.model_fields
                           if name in editable and isinstance(data.get(name), str)}
    skills_text = raw.pop("required_skills", None)
    if skills_text is not None:
        raw["required_skills"] = [s for s in _SKILL_SPLIT.split(skills_text) if s]
    for name in ("description", "title", "place"):  # browsers send CRLF; what is stored uses LF
        if name in raw:
            raw[name] = raw[name].replace("\r\n", "\n")
    result, form = parse_form(ProjectPatchIn, raw, lists=("required_skills",), datetimes=DATETIMES,
                              messages=_MESSAGES)
    if skills_text is not None:
        form.values["required_skills"] = skills_text
    for name in _REQUIRED:
        if name in raw and _blank(raw[name]):
            form.fail(_MESSAGES[name], name)
            result = None
    if result is None:
        return None, form
    cleared = {name: empty for name, empty in _CLEARED.items() if name in raw and _blank(raw[name])}
    sent = {k: v for k, v in (result.changes() | cleared).items() if k not in same}
    return ProjectPatchIn.model_validate(sent), form


def _editable(detail: ProjectDetail) -> frozenset[str]:
    live = any(a.status in (AssignmentStatus.PENDING, AssignmentStatus.ACTIVE) for a in detail.assignments)
    return scoped.editable_fields(detail.project, has_live=live)


async def _edit_page(v: View, detail: ProjectDetail, form: Form, editable: frozenset[str]) -> dict:
    ctx = await _form_context(v, form, detail.needs)
    ctx.update(edit=detail.project, editable=editable, locked=detail.project.status is ProjectStatus.PUBLISHED)
    return ctx


def _version(text: Any) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


@page(BOARD + "/{project_id}/edit", roles=SEC, template="secretary/project_form.html")
async def edit_form(v: View):
    detail = await scoped.get_project(v.db, v.me, v.id("project_id"))
    editable = _editable(detail)
    if not editable:
        return v.redirect(_here(v), f"项目当前状态为“{detail.project.status.label}”，不能修改", "error")
    return await _edit_page(v, detail, Form(values=edit_values(detail.project)), editable)


@page(BOARD + "/{project_id}/edit", method="POST", roles=SEC, template="secretary/project_form.html")
async def edit(v: View):
    detail = await scoped.get_project(v.db, v.me, v.id("project_id"))
    editable = _editable(detail)
    if not editable:
        return v.redirect(_here(v), f"项目当前状态为“{detail.project.status.label}”，不能修改", "error")
    posted = v.form_data if v.form_data is not None else {}
    data, form = parse_project_patch(posted, editable, edit_values(detail.project))
    form.values["updated_at"] = str(posted.get("updated_at", ""))
    if data is not None:
        try:
            p = await scoped.update_project(v.db, v.me, detail.project.id, data,
                                            expected_updated_at=_version(posted.get("updated_at")))
        except DomainError as exc:
            form.fail(exc.message)
        else:
            changed = p.updated_at != detail.project.updated_at
            return v.redirect(_here(v), f"已保存项目 {p.number} 的修改" if changed else "没有修改任何内容")
    return await _edit_page(v, detail, form, editable)
