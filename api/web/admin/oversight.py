"""街道/联盟管理员 · 时限设置, 督办清单, 批量派单记录.

Time limits: every administrator reads each category's limits and where they come from; the
alliance administrator sets a category's own (the catalog refuses the rest). The supervision
page: a street admin their street, the alliance administrator all, in two tabs: the 督办 items
(red clocks) with 督办意见 and 办结督办, and the live warnings (时限预警: blue, yellow and red clocks
as of the last sweep), filtered by colour, step and community.
Batch runs: the runs that looked at the reader's communities, each with its figures, a chart of
what was matched and what was not (and why), the time per phase and the supply-gap table.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from catalog import scoped
from catalog.enums import LimitStep, Role, Urgency
from catalog.errors import DomainError, Forbidden
from catalog.models import (
    AlertFilter,
    RunDetailQuery,
    RunFilter,
    SupervisionFilter,
    SupervisionNoteIn,
    TimeLimitsIn,
)
from catalog.scoped import PHASE_LABELS, PHASES, SKIP_LABELS as BATCH_SKIP_LABELS, Alert

from ..kit import Form, View, names, page
from ..pictures.svg import Picture, Series, Table, bars

ADMIN = (Role.STREET_ADMIN,)
LIMITS = "/admin/limits"
SUPERVISION = "/admin/supervision"
RUNS = "/admin/runs"


# --- 时限设置 ----------------------------------------------------------------------------------


def hours_text(hours: float) -> str:
    """``48`` → ``2 天``, ``36`` → ``36 小时``, ``0.5`` → ``30 分钟``."""
    minutes = round(hours * 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440} 天"
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    if minutes < 60:
        return f"{minutes} 分钟"
    return f"{minutes / 60:g} 小时"


def _field(step: LimitStep, urgency: Urgency) -> str:
    return f"{step.value}__{urgency.value}"


@page(LIMITS, roles=ADMIN, template="admin/limits.html", nav="时限设置", order=66)
async def limits(v: View) -> dict:
    cats = [c for c in await names.categories(v) if c.retired_at is None]
    tops = [c for c in cats if c.parent_code is None]
    rows = []
    for top in sorted(tops, key=lambda c: (c.sort_order, c.code)):
        rows.append(await scoped.get_time_limits(v.db, v.me, top.code))
        subs = sorted((c for c in cats if c.parent_code == top.code), key=lambda c: (c.sort_order, c.code))
        for sub in subs:
            rows.append(await scoped.get_time_limits(v.db, v.me, sub.code))
    return {"rows": rows, "steps": list(LimitStep), "urgencies": list(Urgency), "hours": hours_text,
            "can_edit": scoped.can_manage_directory(v.me)}


def _limits_form(current) -> Form:
    """The category's own limits in the boxes; limits it follows from elsewhere stay empty."""
    values = {_field(t.step, t.urgency): f"{Decimal(str(t.hours)).normalize():f}"
              for t in current.limits if t.source == "category"}
    return Form(values=values)


@page(LIMITS + "/{code}", roles=ADMIN, template="admin/limits_edit.html")
async def limits_edit(v: View) -> dict:
    current = await scoped.get_time_limits(v.db, v.me, v.text("code"))
    return {"c": current, "form": _limits_form(current), "steps": list(LimitStep), "urgencies": list(Urgency),
            "hours": hours_text, "can_edit": scoped.can_manage_directory(v.me)}


@page(LIMITS + "/{code}", method="POST", roles=ADMIN, template="admin/limits_edit.html", invalidates=())
async def limits_save(v: View):
    code = v.text("code")
    current = await scoped.get_time_limits(v.db, v.me, code)
    form = Form()
    wanted, where = [], []
    raw: Mapping[str, Any] = v.form_data or {}
    for step in LimitStep:
        for urgency in Urgency:
            name = _field(step, urgency)
            text = str(raw.get(name, "")).strip()
            form.values[name] = text
            if not text:
                continue
            try:
                hours = Decimal(text)
            except InvalidOperation:
                form.fail("请填写数字（小时，可带小数）", name)
                continue
            wanted.append({"step": step.value, "urgency": urgency.value, "hours": hours})
            where.append(name)
    context = {"c": current, "form": form, "steps": list(LimitStep), "urgencies": list(Urgency), "hours": hours_text,
               "can_edit": True}
    if not form.ok:
        return context
    try:
        data = TimeLimitsIn.model_validate({"limits": wanted})
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_input=False):
            loc = err["loc"]
            index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] in ("decimal_max_places", "decimal_max_digits"):
                message = "最多两位小数" if err["type"] == "decimal_max_places" else "数字过大"
            form.fail(message, where[index] if index is not None and index < len(where) else "")
        return context
    try:
        saved = await scoped.set_time_limits(v.db, v.me, code, data)
    except Forbidden:
        raise  # not this account's to change: the error page, not a form to fix
    except DomainError as exc:
        form.fail(exc.message)
        return context
    own = sum(1 for t in saved.limits if t.source == "category")
    return v.redirect(LIMITS, f"已保存“{saved.category_name}”的时限"
                              f"（本分类设置 {own} 项，其余沿用上级或默认），下次巡检起生效")


# --- 督办清单 ----------------------------------------------------------------------------------


# the tabs of the supervision page (``?view=``): the 督办 items, and the warnings
TABS = [("items", "督办事项"), ("alerts", "时限预警")]
WARNING_LEVELS = [(a.value, a.label) for a in (Alert.BLUE, Alert.YELLOW, Alert.RED)]


@page(SUPERVISION, roles=ADMIN, template="admin/supervision.html", nav="督办预警", order=67)
async def supervision_list(v: View) -> dict:
    view = "alerts" if v.request.query.get("view") == "alerts" else "items"
    allowed = v.me.communities
    areas = await scoped.chart_areas(v.db)
    communities = [(a.code, a.name) for a in areas if a.level == "community" and (allowed is None or a.code in allowed)]
    context = {"view": view, "tabs": TABS, "steps": [(s.value, s.label) for s in LimitStep],
               "communities": communities}
    if view == "alerts":
        # the catalog keeps each administrator to their scope, as for GET /api/v1/supervision/alerts
        a = v.query(AlertFilter)
        a = a.model_copy(update={"limit": min(a.limit, 50)})
        return context | {"page": await scoped.supervision_alerts(v.db, v.me, a), "filter": a,
                          "levels": WARNING_LEVELS}
    f = v.query(SupervisionFilter)
    f = f.model_copy(update={"limit": min(f.limit, 50)})
    return context | {"page": await scoped.supervision_items(v.db, v.me, f), "filter": f}


@page(SUPERVISION + "/{item_id}", roles=ADMIN, template="admin/supervision_item.html")
async def supervision_item(v: View) -> dict:
    item = await scoped.supervision_item(v.db, v.me, v.id("item_id"))
    return {"item": item, "form": Form(), "can_note": _can_note(v, item)}


def _can_note(v: View, item) -> bool:
    return v.me.street_code is None or v.me.street_code == item.street_code


@page(SUPERVISION + "/{item_id}", method="POST", roles=ADMIN, template="admin/supervision_item.html", invalidates=())
async def supervision_note(v: View):
    item_id = v.id("item_id")
    data, form = v.validate(SupervisionNoteIn, messages={"note": "请填写督办意见（500 字以内）"})
    if data is not None:
        try:
            await scoped.add_supervision_note(v.db, v.me, item_id, data)
        except Forbidden:
            raise
        except DomainError as exc:
            form.fail(exc.message)
        else:
            return v.redirect(f"{SUPERVISION}/{item_id}", "已办结督办" if data.resolve else "督办意见已保存")
    item = await scoped.supervision_item(v.db, v.me, item_id)
    return {"item": item, "form": form, "can_note": _can_note(v, item)}


# --- 批量派单记录 --------------------------------------------------------------------------------

UNMATCHED_LABELS = scoped.UNMATCHED_LABELS
SKIP_LABELS = BATCH_SKIP_LABELS
# the time-limit sweep's counts in a run record (catalog.oversight.sweep.TimeLimitSweep)
LIMIT_WORDS = {"none": "计时正常", "blue": "蓝灯", "yellow": "黄灯", "red": "红灯", "changed": "颜色变化",
               "cleared": "预警解除", "raised": "新列督办", "resolved": "督办解除", "credited": "逾期记信用"}
OUTCOME_COLOURS = {"proposed": "#2b8a3e", "unmatched": "#d9480f", "skipped": "#9aa5b1"}


async def _scope_label(v: View) -> dict[str, str]:
    """``county`` / ``street:X`` / ``community:X`` → words."""
    out = {"county": "全县"}
    for a in await scoped.chart_areas(v.db):
        out[f"{a.level}:{a.code}"] = a.name
    return out


def run_chart(run, pid: str = "run-outcomes") -> Picture:
    """What one run did with the projects it looked at: proposed, and each reason for none."""
    counts = run.counts
    rows: list[tuple[str, str, int]] = [("proposed", "已生成派单建议", int(counts.get("proposed", 0)))]
    rows += [("unmatched", UNMATCHED_LABELS.get(k, k), int(n)) for k, n in sorted(
        (counts.get("unmatched") or {}).items(), key=lambda kv: -kv[1])]
    rows += [("skipped", f"写入时跳过：{SKIP_LABELS.get(k, k)}", int(n)) for k, n in sorted(
        (counts.get("skipped") or {}).items(), key=lambda kv: -kv[1])]
    labels = [r[1] for r in rows]
    series = [Series(kind, name, OUTCOME_COLOURS[kind], [n if k == kind else 0 for k, _, n in rows])
              for kind, name in (("proposed", "已匹配"), ("unmatched", "未匹配"), ("skipped", "已跳过"))]
    unmatched = sum(n for k, _, n in rows if k == "unmatched")
    desc = (f"第 {run.id} 次批量派单共处理 {counts.get('projects', 0)} 个项目："
            f"生成派单建议 {counts.get('proposed', 0)} 个，"
            f"未匹配 {unmatched} 个" + ("，原因见各行。" if unmatched else "。"))
    table = Table(["结果", "项目数"], [[label, n] for _, label, n in rows], {1})
    return bars(pid, "本次匹配结果与未匹配原因", desc, labels, series, stacked=True, unit=" 个", table=table)


def phase_chart(run, pid: str = "run-phases") -> Picture:
    phases = [p for p in PHASES if p in run.phases]
    labels = [PHASE_LABELS[p] for p in phases]
    values = [round(float(run.phases[p]), 3) for p in phases]
    table = Table(["阶段", "用时（秒）"], [[lab, f"{s:.3f}"] for lab, s in zip(labels, values, strict=True)], {1})
    desc = f"第 {run.id} 次批量派单各阶段用时，合计 {sum(values):.2f} 秒。"
    return bars(pid, "各阶段用时（秒）", desc, labels, [Series("seconds", "用时（秒）", "#0b5cad", values)],
                unit=" 秒", table=table, whole=False)


@page(RUNS, roles=ADMIN, template="admin/runs.html", nav="派单记录", order=68)
async def runs(v: View) -> dict:
    f = v.query(RunFilter)
    f = f.model_copy(update={"limit": min(f.limit, 50)})
    return {"page": await scoped.list_batch_runs(v.db, v.me, f), "scopes": await _scope_label(v),
            "unmatched_total": lambda r: sum((r.counts.get("unmatched") or {}).values()),
            "skipped_total": lambda r: sum((r.counts.get("skipped") or {}).values())}


@page(RUNS + "/{run_id}", roles=ADMIN, template="admin/runs_detail.html")
async def run_detail(v: View) -> dict:
    q = v.query(RunDetailQuery)
    q = q.model_copy(update={"limit": min(q.limit, 100)})
    d = await scoped.get_batch_run(v.db, v.me, v.id("run_id"), q)
    unit_ids = {p.proposal.unit_id for p in d.projects if p.proposal}
    # the engine names runner-ups by the caller's ids: the catalog's are database ids
    unit_ids |= {int(r["unit_id"]) for p in d.projects if p.proposal for r in p.proposal.runner_ups[:1]}
    units = {}
    for uid in sorted(unit_ids):
        try:
            units[uid] = (await scoped.get_unit(v.db, v.me, uid)).name
        except DomainError:
            units[uid] = f"单位 {uid}"
    category_names = await names.category_names(v)
    return {"d": d, "run": d.run, "scopes": await _scope_label(v), "units": units,
            "categories": category_names, "outcomes": run_chart(d.run), "phases": phase_chart(d.run),
            "phase_labels": PHASE_LABELS, "limit_words": LIMIT_WORDS,
            "unmatched_total": sum((d.run.counts.get("unmatched") or {}).values()),
            "skipped_total": sum((d.run.counts.get("skipped") or {}).values())}
