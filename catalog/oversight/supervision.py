"""督办 and time limits: the supervision list, warnings (预警), notes, and the limits per category.

:mod:`catalog.scoped` checks who may, by these rules, and calls the functions here, which do
the work for the scope they are given:

* the supervision list (督办清单) and the warnings (预警): a street admin their street, the
  alliance administrator every street, a secretary their community, a unit the items that name
  it; grid workers and the batch job have no list. Titles are shown as a masked reader sees them
  and no resident's name or phone is part of any row;
* 督办意见 (an administrator's note on an item, optionally closing it): the street admin of the
  item's street or the alliance administrator;
* a category's time limits: everyone signed in reads them; the alliance administrator sets them,
  since a category's limits hold in every street.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import asyncpg

from catalog.enums import LimitStep, NeedStatus, ProjectStatus, SupervisionResolution, Urgency
from catalog.errors import Conflict, NotFound
from catalog.models import Actor
from catalog.models.supervision import (
    AlertFilter,
    AlertPage,
    AlertView,
    CategoryTimeLimits,
    ProjectAlert,
    SupervisionFilter,
    SupervisionItem,
    SupervisionNote,
    SupervisionNoteIn,
    SupervisionPage,
    TimeLimit,
    TimeLimitsIn,
)
from catalog.oversight.limits import DEFAULT_LIMITS, Alert
from catalog.people import access
from catalog.storage.paging import next_cursor
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, record_history, transaction


def _hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


_SOURCE_LABELS = {"category": "本分类设置", "parent": "沿用上级分类", "default": "系统默认"}


# --- rows as views ---------------------------------------------------------------------------


def _status_label(subject: str, status: str) -> str:
    return (NeedStatus if subject == "need" else ProjectStatus)(status).label


def _item(row: asyncpg.Record) -> SupervisionItem:
    step = LimitStep(row["step"])
    resolution = SupervisionResolution(row["resolution"]) if row["resolution"] else None
    notes = row["notes"]
    if isinstance(notes, str):
        notes = json.loads(notes)
    return SupervisionItem(
        id=row["id"], step=step, step_label=step.label, subject=row["subject"], subject_id=row["subject_id"],
        number=row["number"], title=access.scrub(row["title"], row["names"] or []),
        subject_status=row["subject_status"], subject_status_label=_status_label(row["subject"], row["subject_status"]),
        community_code=row["community_code"], community_name=row["community_name"], street_code=row["street_code"],
        unit_id=row["unit_id"], unit_name=row["unit_name"], started_at=row["started_at"], deadline=row["deadline"],
        raised_at=row["raised_at"], credited=row["credited"], resolved_at=row["resolved_at"], resolution=resolution,
        resolution_label=resolution.label if resolution else None, resolved_by=row["resolved_by"],
        notes=[SupervisionNote.model_validate(n) for n in notes],
    )


def _alert(row: asyncpg.Record) -> AlertView:
    step, level = LimitStep(row["step"]), Alert(row["level"])
    return AlertView(
        id=row["id"], subject=row["subject"], subject_id=row["subject_id"], number=row["number"],
        title=access.scrub(row["title"], row["names"] or []), subject_status=row["subject_status"],
        subject_status_label=_status_label(row["subject"], row["subject_status"]), step=step,
        step_label=step.label, level=level, level_label=level.label, community_code=row["community_code"],
        community_name=row["community_name"], street_code=row["street_code"], unit_id=row["unit_id"],
        unit_name=row["unit_name"], started_at=row["started_at"], deadline=row["deadline"],
        level_since=row["level_since"],
    )


# --- the supervision list and the warnings -----------------------------------------------------


async def list_items(db: Db, f: SupervisionFilter, *, street: str | None, community: str | None,
                     unit: int | None) -> SupervisionPage:
    """督办清单 within a street, community and unit (None: any), newest first; open items by default."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("supervision_page"), street, community, unit, f.state,
                                f.step.value if f.step else None, f.after, f.ascending, f.page_size, None)
    return SupervisionPage(items=[_item(r) for r in rows], next_cursor=next_cursor(rows, f.page_size))


async def list_alerts(db: Db, f: AlertFilter, *, street: str | None, community: str | None,
                      unit: int | None) -> AlertPage:
    """预警 within a street, community and unit: running clocks at blue, yellow or red (all three
    unless ``level`` says one)."""
    levels = [f.level] if f.level else [Alert.BLUE.value, Alert.YELLOW.value, Alert.RED.value]
    async with connection(db) as conn:
        rows = await conn.fetch(q("alert_page"), street, community, unit, levels,
                                f.step.value if f.step else None, f.after, f.ascending, f.page_size)
    return AlertPage(items=[_alert(r) for r in rows], next_cursor=next_cursor(rows, f.page_size))


async def item_scope(db: Db, item_id: int) -> asyncpg.Record | None:
    """Where an item belongs (street, community, unit, and its subject), to say who may read it."""
    async with connection(db) as conn:
        return await conn.fetchrow(q("supervision_item_scope"), item_id)


async def get_item(db: Db, item_id: int) -> SupervisionItem:
    async with connection(db) as conn:
        row = await conn.fetchrow(q("supervision_page"), None, None, None, None, None, None, False, 1, item_id)
    if row is None:
        raise NotFound("督办事项不存在", code="supervision_item_not_found", details={"id": item_id})
    return _item(row)


async def add_note(db: Db, item_id: int, data: SupervisionNoteIn, actor: Actor) -> SupervisionItem:
    """督办意见 on an item; with ``resolve`` the item is closed too (管理员已办结督办).

    An item already resolved takes notes but cannot be resolved again (409 ``already_resolved``).
    The note also goes into the history of the need or project the item is about.
    """
    async with transaction(db) as conn:
        row = await conn.fetchrow(q("supervision_item_scope"), item_id)
        if row is None:
            raise NotFound("督办事项不存在", code="supervision_item_not_found", details={"id": item_id})
        await conn.execute(q("supervision_note_insert"), item_id, str(actor), data.note)
        reason = "supervision_note"
        if data.resolve:
            if await conn.fetchrow(q("supervision_resolve_by_admin"), item_id, str(actor)) is None:
                raise Conflict("该督办事项已解除，不能再次办结", code="already_resolved", details={"id": item_id})
            reason = "supervision_resolved"
        status = await conn.fetchval(q("subject_status"), row["subject"], row["subject_id"])
        await record_history(conn, row["subject"], row["subject_id"], status, status, actor, reason,
                             f"督办意见：{data.note}")
    return await get_item(db, item_id)


async def alerts_for(conn: asyncpg.Connection, project_ids: list[int]) -> dict[int, ProjectAlert]:
    """The stored alert of each project that has one, for pages and lists.

    Only alerts computed for the project's current status count: a project that moved on since
    the last sweep has no alert until the next one.
    """
    out: dict[int, ProjectAlert] = {}
    for r in await conn.fetch(q("alerts_of_projects"), project_ids):
        step, level = LimitStep(r["step"]), Alert(r["level"])
        out[r["project_id"]] = ProjectAlert(
            project_id=r["project_id"], step=step, step_label=step.label, level=level, level_label=level.label,
            deadline=r["deadline"], level_since=r["level_since"], unit_id=r["unit_id"],
        )
    return out


# --- time limits per category ----------------------------------------------------------------


def _effective(row: asyncpg.Record) -> CategoryTimeLimits:
    overrides = row["overrides"]
    if isinstance(overrides, str):
        overrides = json.loads(overrides)
    own = {(o["step"], o["urgency"]): o["minutes"] for o in overrides if o["category_code"] == row["code"]}
    up = {(o["step"], o["urgency"]): o["minutes"] for o in overrides if o["category_code"] != row["code"]}
    limits = []
    for step, by_urgency in DEFAULT_LIMITS.items():
        for urgency, span in by_urgency.items():
            key = (step.value, urgency.value)
            if key in own:
                minutes, source = own[key], "category"
            elif key in up:
                minutes, source = up[key], "parent"
            else:
                minutes, source = int(span.total_seconds() // 60), "default"
            limits.append(TimeLimit(step=step, step_label=step.label, urgency=urgency, urgency_label=urgency.label,
                                    hours=round(minutes / 60, 4), source=source, source_label=_SOURCE_LABELS[source]))
    return CategoryTimeLimits(category_code=row["code"], category_name=row["name"], parent_code=row["parent_code"],
                              limits=limits)


async def _category_limits(conn: asyncpg.Connection, code: str) -> CategoryTimeLimits:
    row = await conn.fetchrow(q("limits_of_category"), code)
    if row is None:
        raise NotFound("分类不存在", code="category_not_found", details={"code": code})
    return _effective(row)


async def effective_limit(conn: asyncpg.Connection, category_code: str, step: LimitStep,
                          urgency: Urgency) -> dt.timedelta:
    """The limit the sweep gives one clock: the category's own, its parent's, else the default."""
    limits = await _category_limits(conn, category_code)
    chosen = next(t for t in limits.limits if t.step is step and t.urgency is urgency)
    return dt.timedelta(minutes=round(chosen.hours * 60))


async def get_time_limits(db: Db, code: str) -> CategoryTimeLimits:
    """A category's limits for every step and urgency, and where each comes from."""
    async with connection(db) as conn:
        return await _category_limits(conn, code)


async def set_time_limits(db: Db, code: str, data: TimeLimitsIn, actor: Actor) -> CategoryTimeLimits:
    """Replace a category's own limits; the next sweep applies them."""
    async with transaction(db) as conn:
        category = await conn.fetchrow(q("limits_lock_category"), code)
        if category is None:
            raise NotFound("分类不存在", code="category_not_found", details={"code": code})
        before = {(r["step"], r["urgency"]): r["limit_minutes"]
                  for r in await conn.fetch(q("limits_clear_category"), code)}
        after = {(i.step.value, i.urgency.value): i.minutes for i in data.limits}
        await conn.execute(q("limits_set_category"), code, [k[0] for k in after], [k[1] for k in after],
                           list(after.values()), str(actor))
        if before != after:
            status = "retired" if category["retired_at"] is not None else "active"
            await record_history(conn, "category", code, status, status, actor, "time_limits_changed",
                                 _change_note(before, after))
        return await _category_limits(conn, code)


def _change_note(before: dict[tuple[str, str], int], after: dict[tuple[str, str], int]) -> str:
    def shown(minutes: int | None) -> str:
        return "默认" if minutes is None else f"{_hours_text(Decimal(minutes) / 60)}小时"

    parts = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            step, urgency = LimitStep(key[0]), Urgency(key[1])
            parts.append(f"{step.label}（{urgency.label}）{shown(before.get(key))}→{shown(after.get(key))}")
    return "时限调整：" + "；".join(parts)
