"""社区书记 · 项目: a new project from accepted needs (合并立项), 撤单, 定向派单, 改派 and 撤回派单.

The project's own page, 发布 and the claim confirmation live in :mod:`api.web.secretary`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from catalog import scoped
from catalog.enums import DispatchMode, NeedStatus, ProjectStatus, UnitStatus, Urgency
from catalog.errors import DomainError, NotFound
from catalog.models import DirectIn, NeedView, NoteIn, ProjectCancelIn, ProjectIn, ResourceFilter, UnitFilter

from . import names
from .core import Form, View, page, parse_form
from .sec_common import CANCEL_REASONS, SEC, clock_of, holder_of, UnitNames

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
        if x.isascii() and x.isdigit() and 0 < int(x) < 2**63 and int(x) not in out:
            out.append(int(x))
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
            "priorities": [(str(i), f"{i}{'（最高）' if i == 5 else '（最低）' if i == 1 else ''}") for i in range(1, 6)]}


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
    data, form = v.validate(ProjectCancelIn, messages={"reason": "请选择撤单理由"})
    if data is not None and data.reason not in CANCEL_REASONS:
        data = None
        form.fail("请从列表中选择", "reason")
    if data is not None and data.reason == "other" and not data.note:
        data = None
        form.fail("选择“其他原因”时须说明理由", "note")
    if data is not None:
        try:
            p = await scoped.cancel_project(v.db, v.me, v.id("project_id"), data)
        except DomainError as exc:
            form.fail(exc.message)
        else:
            return v.redirect(_here(v), f"项目 {p.number} 已撤单（{CANCEL_REASONS[data.reason]}）")
    return await _project_page(v, form=form, reasons=list(CANCEL_REASONS.items()))


# --- 定向派单 and 改派 ---------------------------------------------------------------------------


async def _unit_choices(v: View, category: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Active units (those with a published resource of the project's kind first) and those resources."""
    parent = category.split(".")[0]
    resources = (await scoped.list_resources(v.db, v.me, ResourceFilter(status="published", category=parent,
                                                                          limit=100))).items
    units = []
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

    unit_opts = [(u.id, u.name + ("（有对口资源）" if u.id in matching else "（有同类资源）" if u.id in related else ""))
                 for u in sorted(units, key=rank)]
    res_opts = [(r.id, f"{name.get(r.unit_id, r.unit_id)} · {r.title}")
                for r in sorted(resources, key=lambda r: (r.category_code != category, r.unit_id, r.id))
                if r.unit_id in name]
    return unit_opts, res_opts


async def _direct_page(v: View, form: Form) -> dict:
    ctx = await _project_page(v, form=form)
    ctx["unit_options"], ctx["resource_options"] = await _unit_choices(v, ctx["p"].category_code)
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
    if detail.project.status is ProjectStatus.DISPATCHED:
        old = await holder_of(detail, UnitNames(v))
        if old is not None and old.unit_id == data.unit_id:
            form.fail("项目已派给该单位，请选择其他单位", "unit_id")
            return await _direct_page(v, form)
        try:
            await scoped.withdraw_offer(v.db, v.me, project_id, NoteIn(note=(note.note if note else None) or "改派"))
        except DomainError as exc:
            form.fail(exc.message)
            return await _direct_page(v, form)
        replaced = f"已撤回原派单（{old.unit_name if old else ''}），"
    try:
        await scoped.direct_project(v.db, v.me, project_id, data)
    except DomainError as exc:
        form.fail(f"{replaced}但派单未成功：{exc.message}" if replaced else exc.message)
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

