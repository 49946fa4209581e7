"""项目清单 as one principal sees it: the secretary's commands on a project, the unit's steps on
the work it claims or is offered, and the project's detail with personal data full or masked."""

from __future__ import annotations

import datetime as dt

from catalog.enums import AssignmentKind, Role
from catalog.errors import Forbidden, NotFound
from catalog.lists import closing, projects, team, work
from catalog.models import (
    Assignment,
    ClaimIn,
    CompletionIn,
    DirectIn,
    Need,
    NoteIn,
    Principal,
    ProgressEntry,
    ProgressIn,
    Project,
    ProjectCancelIn,
    ProjectDetail,
    ProjectFilter,
    ProjectIn,
    ProjectPage,
    ProjectPatchIn,
    ReasonIn,
    ReassignIn,
)
from catalog.people import access
from catalog.people.access import Personal
from catalog.storage.paging import next_cursor
from catalog.storage.settings import get_settings
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, transaction

from .common import forbidden
from .needs import need_as, readable_need


async def project_access(db: Db, p: Principal, project_id: int) -> tuple[Project, set[int]]:
    project = await projects.get_project(db, project_id)
    async with connection(db) as conn:
        held = {r["unit_id"] for r in await conn.fetch(q("units_who_held"), project_id)}
    if not access.can_read_project(p, project, held_by=held):
        raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
    return project, held


async def managed_project(db: Db, p: Principal, project_id: int) -> Project:
    project, _ = await project_access(db, p, project_id)
    if not access.can_manage_project(p, project):
        raise forbidden("只有本社区书记可以管理该项目")
    return project


async def as_unit(db: Db, p: Principal, project_id: int, *, owner_only: bool = True) -> int:
    """The caller's unit id, for a step a unit takes on a project it may see.

    For an owner's step, a project held by another unit is refused here (403) before its
    status is looked at, so a unit learns nothing about other units' work from the error.
    """
    await project_access(db, p, project_id)
    if not access.can_act_as_unit(p):
        raise forbidden("只有成员单位账号可以执行此操作", "unit_only")
    if owner_only:
        async with connection(db) as conn:
            lead = await conn.fetchrow(q("assignment_live_lead"), project_id)
        if lead is not None and lead["unit_id"] != p.unit_id:
            raise Forbidden("该项目不由本单位承接", code="not_owner", details={"project_id": project_id})
    return p.unit_id  # type: ignore[return-value]


async def create_project(db: Db, p: Principal, data: ProjectIn) -> Project:
    """The secretary merges accepted needs of their community into a draft project."""
    if not (p.role is Role.SECRETARY and data.community_code == p.community_code):
        raise forbidden("只能在本社区立项", "out_of_scope")
    for need_id in data.need_ids:
        await readable_need(db, p, need_id)
    return await projects.create_project(db, data, p.actor)


async def get_project(db: Db, p: Principal, project_id: int) -> ProjectDetail:
    project, _ = await project_access(db, p, project_id)
    assignments = await projects.assignments_of(db, project_id)
    # A unit holds the project once its claim is confirmed or its offer accepted; a pending claim
    # (which any unit may make) or an unanswered offer does not reveal the residents.
    owner = next((a.unit_id for a in assignments if a.role == "lead" and a.status == "active"), None)
    # a helper (协办) holds it too once it has accepted, until its role ends
    helping = {a.unit_id for a in assignments if a.role == "helper" and a.status == "active"}
    level = access.project_personal(p, project, owner=owner, helpers=helping)
    async with connection(db) as conn:
        rows = await conn.fetch(q("needs_of_project"), project_id)
    views = []
    for r in rows:
        need = Need.model_validate(dict(r))
        full = level is Personal.FULL or (
            p.role in access.STAFF and access.need_personal(p, need) is Personal.FULL)
        views.append(need_as(need, Personal.FULL if full else Personal.MASKED))
    progress = await projects.progress_of(db, project_id)
    if level is Personal.MASKED:
        names = [r["requester_name"] for r in rows]
        project = project.model_copy(update={
            "title": access.scrub(project.title, names),
            "description": access.scrub(project.description, names),
            "place": access.scrub(project.place, names),
        })
        progress = [e.model_copy(update={"body": access.scrub(e.body, names)}) for e in progress]
    return ProjectDetail(
        project=project, owner_unit_id=owner, personal_data=level.value, needs=views,
        assignments=assignments, progress=progress, team=await team.team_of(db, project_id),
    )


async def list_projects(db: Db, p: Principal, f: ProjectFilter) -> ProjectPage:
    if p.role in access.STAFF:
        scope = list(p.communities) if p.communities is not None else None
        statuses, unit = None, None
    elif p.role is Role.UNIT:
        scope, statuses, unit = None, sorted(access.OPEN_TO_ALL), p.unit_id
    elif p.role is Role.BATCH:
        scope, statuses, unit = None, sorted(access.OPEN_FOR_BATCH), None
    else:
        raise forbidden()
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("project_page"), scope, f.community, f.street, f.category,
            f.status.value if f.status else None, f.urgency.value if f.urgency else None,
            f.created_from, f.created_to, f.after, f.ascending, f.page_size, statuses, unit,
        )
    items = [Project.model_validate(dict(r)) for r in rows]
    return ProjectPage(items=items, next_cursor=next_cursor(rows, f.page_size))


async def publish_project(db: Db, p: Principal, project_id: int) -> Project:
    await managed_project(db, p, project_id)
    return await projects.publish_project(db, project_id, p.actor)


async def cancel_project(db: Db, p: Principal, project_id: int, data: ProjectCancelIn) -> Project:
    await managed_project(db, p, project_id)
    return await projects.cancel_project(db, project_id, p.actor, data.reason.value, data.note)


async def confirm_claim(db: Db, p: Principal, project_id: int) -> Project:
    await managed_project(db, p, project_id)
    return await work.confirm_claim(db, project_id, p.actor)


async def reject_claim(db: Db, p: Principal, project_id: int, data: NoteIn) -> Project:
    await managed_project(db, p, project_id)
    return await work.reject_claim(db, project_id, p.actor, data.note)


async def direct_project(db: Db, p: Principal, project_id: int, data: DirectIn) -> Assignment:
    """定向派单 by the secretary, or a proposal by the batch job."""
    project, _ = await project_access(db, p, project_id)
    if not access.can_propose(p, project):
        raise forbidden("只有本社区书记或批量派单任务可以派单")
    kind = AssignmentKind.PROPOSAL if p.role is Role.BATCH else AssignmentKind.DIRECTED
    return await work.direct_project(db, project_id, data.unit_id, p.actor, data.resource_id, kind=kind)


async def withdraw_offer(db: Db, p: Principal, project_id: int, data: NoteIn) -> Project:
    await managed_project(db, p, project_id)
    return await work.withdraw_offer(db, project_id, p.actor, data.note)


async def reassign_offer(db: Db, p: Principal, project_id: int, data: ReassignIn) -> Assignment:
    """改派 by the community's secretary: withdraw the unanswered offer and offer to another unit."""
    await managed_project(db, p, project_id)
    return await work.reassign_offer(db, project_id, data.unit_id, p.actor, data.resource_id, data.note)


async def claim_project(db: Db, p: Principal, project_id: int, data: ClaimIn) -> Assignment:
    unit = await as_unit(db, p, project_id, owner_only=False)
    return await work.claim_project(db, project_id, unit, p.actor, data.resource_id)


async def release_claim(db: Db, p: Principal, project_id: int) -> Project:
    unit = await as_unit(db, p, project_id)
    return await work.release_claim(db, project_id, unit, p.actor)


async def accept_offer(db: Db, p: Principal, project_id: int) -> Project:
    unit = await as_unit(db, p, project_id)
    return await work.accept_offer(db, project_id, unit, p.actor)


async def decline_offer(db: Db, p: Principal, project_id: int, data: ReasonIn) -> Project:
    unit = await as_unit(db, p, project_id)
    return await work.decline_offer(db, project_id, unit, data, p.actor)


async def start_project(db: Db, p: Principal, project_id: int) -> Project:
    unit = await as_unit(db, p, project_id)
    return await work.start_project(db, project_id, unit, p.actor)


async def add_progress(db: Db, p: Principal, project_id: int, data: ProgressIn) -> ProgressEntry:
    unit = await as_unit(db, p, project_id)
    return await work.add_progress(db, project_id, unit, data, p.actor)


async def give_back(db: Db, p: Principal, project_id: int, data: ReasonIn) -> Project:
    unit = await as_unit(db, p, project_id)
    return await work.give_back(db, project_id, unit, data, p.actor)


async def complete_project(db: Db, p: Principal, project_id: int, data: CompletionIn) -> Project:
    """待结单; the closing link goes to the requesters' phones (outbox), not to the unit."""
    unit = await as_unit(db, p, project_id)
    async with transaction(db) as conn:
        done = await closing.complete_project(conn, project_id, unit, data, p.actor)
        # absolute: the message is opened on a phone, which knows nothing of our address
        link = get_settings().link(f"/closing/{done.closing_token}")
        body = f"【三单联动】“{done.project.title}”已办结，请打开链接结单并评价：{link}"
        await conn.execute(q("outbox_closing_link"), project_id, body)
    return done.project


async def update_project(db: Db, p: Principal, project_id: int, data: ProjectPatchIn, *,
                         expected_updated_at: dt.datetime | None = None) -> Project:
    """The secretary of the project's community edits it (草拟: everything; 已发布: the words)."""
    await managed_project(db, p, project_id)
    return await projects.update_project(db, project_id, data, p.actor, expected_updated_at=expected_updated_at)


async def confirm_proposal(db: Db, p: Principal, assignment_id: int, data: NoteIn) -> Assignment:
    """The secretary of the project's community confirms a batch proposal; the unit still answers."""
    async with connection(db) as conn:
        row = await conn.fetchrow(q("assignment_get_scoped"), assignment_id)
    if row is None:
        raise NotFound("认领/派单不存在", code="assignment_not_found", details={"id": assignment_id})
    try:
        await managed_project(db, p, row["project_id"])
    except NotFound:  # the assignment of a project the caller may not see is not there for them either
        raise NotFound("认领/派单不存在", code="assignment_not_found", details={"id": assignment_id}) from None
    return await work.confirm_proposal(db, assignment_id, p.actor, data.note)
