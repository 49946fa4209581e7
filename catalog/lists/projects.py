"""项目清单: projects, made from needs, published, read, edited and cancelled.

Two ways to find a unit (双向认领): a unit claims a published project (认领, the secretary confirms),
or the community offers it to a unit's resource (定向派单, the unit accepts or declines). Either way
the project has at most one live lead unit, which the database guarantees with a unique partial
index; a unit's cap on live work holds because every take locks the unit's row first.

Where the rest lives: taking a project and doing the work in ``work`` (claims, offers, answers,
progress, giving back, the expiry of what went unanswered), its completion and the resident's
closing and rating in ``closing``, the moves they all share in ``steps``, the helpers (协办) beside
the lead in ``team``.
"""

from __future__ import annotations

import datetime as dt
import logging

from catalog.enums import NEED_TRANSITIONS, NeedStatus, ProjectStatus
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.lists.directory import ensure_category_open
from catalog.lists.steps import AS, HelpersEnd, assignment_step, end_helpers, from_states, project_step
from catalog.models import (
    Actor,
    Assignment,
    HistoryEntry,
    ProgressEntry,
    Project,
    ProjectIn,
    ProjectPatchIn,
    project_rule_broken,
)
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, record_history, transaction

PS = ProjectStatus
log = logging.getLogger(__name__)


# --- reading ---------------------------------------------------------------------------------


async def get_project(db: Db, project_id: int) -> Project:
    async with connection(db) as conn:
        row = await conn.fetchrow(q("project_get"), project_id)
    if row is None:
        raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
    return Project.model_validate(dict(row))


async def list_projects(
    db: Db, *, community: str | None = None, status: ProjectStatus | None = None,
    category: str | None = None, before_id: int | None = None, limit: int = 50,
) -> list[Project]:
    """Newest first; pass the last id seen as ``before_id`` for the next page."""
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("project_list"), community, status.value if status else None, category, before_id, min(limit, 500)
        )
    return [Project.model_validate(dict(r)) for r in rows]


async def assignments_of(db: Db, project_id: int) -> list[Assignment]:
    async with connection(db) as conn:
        rows = await conn.fetch(q("assignment_list_for_project"), project_id)
    return [Assignment.model_validate(dict(r)) for r in rows]


async def progress_of(db: Db, project_id: int) -> list[ProgressEntry]:
    async with connection(db) as conn:
        rows = await conn.fetch(q("progress_of_project"), project_id)
    return [ProgressEntry.model_validate(dict(r)) for r in rows]


async def history_of(db: Db, entity: str, entity_id: int | str) -> list[HistoryEntry]:
    async with connection(db) as conn:
        rows = await conn.fetch(q("history_of"), entity, str(entity_id))
    return [HistoryEntry.model_validate(dict(r)) for r in rows]


# --- making and publishing -------------------------------------------------------------------


async def create_project(db: Db, data: ProjectIn, actor: Actor) -> Project:
    """Merge one or more accepted needs of one community into a draft project (草拟).

    All the needs move to 已合并入项目 in the same transaction, or none does.
    """
    async with transaction(db) as conn:
        await ensure_category_open(conn, data.category_code)
        row = await conn.fetchrow(
            q("project_insert"), data.title, data.description, data.category_code, data.community_code,
            data.required_skills, data.place, data.lat, data.lon, data.window_start, data.window_end,
            data.units_required, data.estimated_hours, data.priority, data.urgency.value,
            data.dispatch_mode.value, data.claim_deadline, str(actor),
        )
        project_id = row["id"]
        merged = {r["id"]: r["from_status"] for r in await conn.fetch(
            q("needs_merge"), data.need_ids, data.community_code, project_id,
            from_states("merge", NEED_TRANSITIONS), NeedStatus.MERGED.value)}
        missing = sorted(set(data.need_ids) - set(merged))
        if missing:
            raise Conflict(
                "部分需求不能合并：须为本社区已入库的需求",
                code="need_not_mergeable",
                details={"need_ids": missing},
            )
        await record_history(conn, "project", project_id, None, PS.DRAFT.value, actor)
        for need_id in sorted(merged):
            await record_history(conn, "need", need_id, merged[need_id], NeedStatus.MERGED.value, actor,
                                 note=row["number"])
    return Project.model_validate(dict(row))


async def publish_project(db: Db, project_id: int, actor: Actor) -> Project:
    """草拟 → 已发布: the project is on the public list and open to claims or offers."""
    async with transaction(db) as conn:
        row = await project_step(conn, project_id, "publish", PS.PUBLISHED, actor)
    return Project.model_validate(dict(row))


async def cancel_project(db: Db, project_id: int, actor: Actor, reason: str, note: str | None = None) -> Project:
    """→ 已撤单 from any open status; a live claim or offer ends with it."""
    if not reason:
        raise InvalidInput("撤单须说明理由", code="reason_required")
    async with transaction(db) as conn:
        row = await project_step(conn, project_id, "cancel", PS.CANCELLED, actor, reason, note)
        lead = await conn.fetchrow(q("assignment_live_lead"), project_id)
        if lead is not None:
            await assignment_step(conn, lead, [AS.PENDING, AS.ACTIVE], AS.CANCELLED, actor, "project_cancelled")
        await end_helpers(conn, project_id, actor, HelpersEnd.CANCELLED)
    return Project.model_validate(dict(row))


# --- editing a project -----------------------------------------------------------------------
#
# A draft (草拟) is the secretary's own: every field may change. Once published, units read the
# project to decide whether to claim it and the batch job may be about to propose it, so only
# the words and the community's own order may change (title, description, priority); anything
# that decides who can do the work, where, when and how much (category, skills, place, window,
# hours, units, urgency, dispatch mode, claim deadline) is fixed, and changing it means 撤单 and
# a new project. With a claim or an offer live, or later on, nothing changes: a unit is answering
# for the project as it reads. (Projects carry no beneficiaries or photos of their own: those
# are on the needs and the progress reports.)

EDITED = "edited"  # history reason code of an edit; the status stays as it was
EDITABLE_WHILE_PUBLISHED = frozenset({"title", "description", "priority"})
EDITABLE_STATUSES = (PS.DRAFT, PS.PUBLISHED)

FIELD_LABELS = {
    "title": "项目名称", "description": "项目内容", "category_code": "类别", "required_skills": "所需技能",
    "place": "服务地点", "lat": "纬度", "lon": "经度", "window_start": "开始时间", "window_end": "结束时间",
    "units_required": "需要单位数", "estimated_hours": "预计工时", "priority": "优先级", "urgency": "紧急程度",
    "dispatch_mode": "派单方式", "claim_deadline": "认领截止时间",
}
# short values worth showing as old → new in the history note
_SHOWN = ("category_code", "units_required", "estimated_hours", "priority", "urgency", "dispatch_mode")


def editable_fields(project: Project, *, has_live: bool = False) -> frozenset[str]:
    """The fields a secretary may change on the project now (empty: none)."""
    if project.status is PS.DRAFT:
        return frozenset(FIELD_LABELS)
    if project.status is PS.PUBLISHED and not has_live:
        return EDITABLE_WHILE_PUBLISHED
    return frozenset()


def _shown(value: object) -> str:
    return getattr(value, "label", None) or str(value)


def _what_changed(before: Project, changes: dict[str, object]) -> str:
    parts = []
    for name in FIELD_LABELS:  # in the form's order
        if name not in changes:
            continue
        if name in _SHOWN:
            parts.append(f"{FIELD_LABELS[name]} {_shown(getattr(before, name))}→{_shown(changes[name])}")
        else:
            parts.append(FIELD_LABELS[name])
    return "修改" + "、".join(parts)


async def update_project(
    db: Db, project_id: int, data: ProjectPatchIn, actor: Actor, *, expected_updated_at: dt.datetime | None = None,
) -> Project:
    """Change the fields ``data`` sends, where the project's status allows it (see above).

    Refused as a whole (nothing written) with ``project_locked`` when a field that may not change
    now would; a value sent equal to the stored one is no change. ``expected_updated_at``: the
    version the editor started from; another edit or step since is ``project_changed``. An edit
    that changes nothing writes nothing.
    """
    async with transaction(db) as conn:
        row = await conn.fetchrow(q("project_lock_for_edit"), project_id)
        if row is None:
            raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
        current = Project.model_validate(dict(row))
        if expected_updated_at is not None and current.updated_at != expected_updated_at:
            raise Conflict("项目已被他人修改或已进入下一环节，请刷新后重新编辑", code="project_changed",
                           details={"id": project_id, "updated_at": current.updated_at.isoformat()})
        allowed = editable_fields(current, has_live=row["has_live"])
        if not allowed:
            raise Conflict(f"项目当前状态为“{current.status.label}”，不能修改", code="project_locked",
                           details={"id": project_id, "status": current.status.value,
                                    "editable_in": [s.value for s in EDITABLE_STATUSES]})
        changes = {k: v for k, v in data.changes().items() if v != getattr(current, k)}
        locked = sorted(set(changes) - allowed, key=list(FIELD_LABELS).index)
        if locked:
            raise Conflict(
                "项目已发布，只能修改项目名称、内容和优先级；"
                f"{'、'.join(FIELD_LABELS[n] for n in locked)}不能修改，如需改动请撤单后重新立项",
                code="project_locked",
                details={"id": project_id, "status": current.status.value, "fields": locked},
            )
        if not changes:
            return current
        after = current.model_copy(update=changes)
        broken = project_rule_broken(after)
        if broken:
            raise InvalidInput(broken, code="inconsistent_edit", details={"id": project_id})
        if "category_code" in changes:  # a retired category may stay, not be chosen anew
            await ensure_category_open(conn, after.category_code)
        new = await conn.fetchrow(
            q("project_edit"), project_id, [s.value for s in EDITABLE_STATUSES], after.title, after.description,
            after.category_code, after.required_skills, after.place, after.lat, after.lon, after.window_start,
            after.window_end, after.units_required, after.estimated_hours, after.priority, after.urgency.value,
            after.dispatch_mode.value, after.claim_deadline,
        )
        if new is None:  # the row lock makes this unreachable; refuse rather than report a write not made
            raise Conflict("项目状态已变化，不能修改", code="project_locked", details={"id": project_id})
        note = _what_changed(current, changes)
        await record_history(conn, "project", project_id, current.status.value, current.status.value, actor,
                             EDITED, note)
    log.info("project %s edited by %s while %s: %s", project_id, actor, current.status.value,
             ", ".join(sorted(changes)))
    return Project.model_validate(dict(new))
