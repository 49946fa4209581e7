"""The catalog as one principal sees it: every read and command of the API, scoped.

Each function takes the caller's :class:`~catalog.models.Principal`, applies the rules of
:mod:`catalog.people.access` (404 for what the caller may not see, 403 for what they may see but not
change), calls the domain command, and returns a view with personal data full or masked for
that caller. The HTTP handlers call exactly one of these.
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from catalog.batch import runs as batch_runs
from catalog.people import access, accounts
from catalog.oversight import credit
from catalog.lists import directory, team, needs, projects, resources
from catalog.people.access import Personal
from catalog.enums import AssignmentKind, ProjectStatus, Role, SourceChannel, UnitStatus
from catalog.errors import Conflict, Forbidden, InvalidInput, NotFound
from catalog.models import (
    Account,
    AssignmentFilter,
    UnitAssignment,
    UnitAssignmentPage,
    Actor,
    Area,
    AreaIn,
    Category,
    CategoryIn,
    NeedReceipt,
    PublicNeedIn,
    ReassignIn,
    Assignment,
    ClaimIn,
    ClosingIn,
    ClosingPage,
    CompletionIn,
    CreditLedger,
    CreditLedgerEntry,
    CreditScore,
    DirectIn,
    HistoryEntry,
    LeagueRow,
    LeagueTable,
    Need,
    NeedFilter,
    NeedIn,
    NeedPage,
    NeedView,
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
    PublicProgress,
    PublicProject,
    PublicProjectPage,
    ReasonIn,
    RejectIn,
    Resource,
    ResourceFilter,
    ResourceIn,
    ResourcePage,
    SweepResult,
    Unit,
    UnitFilter,
    UnitIn,
    UnitPage,
    UnitView,
    ListQuery,
)
from catalog.storage.settings import get_settings
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, transaction

PS = ProjectStatus


def _forbidden(message: str = "无权执行此操作", code: str = "forbidden") -> Forbidden:
    return Forbidden(message, code=code)


def _cursor(rows: list, limit: int, key: str = "id") -> str | None:
    return str(rows[-1][key]) if len(rows) == limit and rows else None


# --- needs -----------------------------------------------------------------------------------


def _need_as(need: Need, level: Personal) -> NeedView:
    data = need.model_dump()
    if level is Personal.MASKED:
        data["requester_name"] = access.mask_name(need.requester_name)
        data["requester_phone"] = access.mask_phone(need.requester_phone)
        data["title"] = access.scrub(need.title, [need.requester_name])
        data["description"] = access.scrub(need.description, [need.requester_name])
        data["lat"], data["lon"] = access.blur_point(need.lat, need.lon)
    return NeedView(**data, personal_data=level.value)


def need_view(p: Principal, need: Need) -> NeedView:
    return _need_as(need, access.need_personal(p, need))


async def _readable_need(db: Db, p: Principal, need_id: int) -> Need:
    need = await needs.get_need(db, need_id)
    if not access.can_read_need(p, need):
        raise NotFound("需求不存在", code="need_not_found", details={"id": need_id})
    return need


async def submit_need(db: Db, p: Principal, data: NeedIn) -> NeedView:
    """A grid worker records a need in their grid; a secretary in their community."""
    if not access.can_submit_need(p, data.community_code, data.grid_code):
        raise _forbidden("只能登记本人负责网格（或本社区）的需求", "out_of_scope")
    return need_view(p, await needs.submit_need(db, data, p.actor))


async def get_need(db: Db, p: Principal, need_id: int) -> NeedView:
    return need_view(p, await _readable_need(db, p, need_id))


async def list_needs(db: Db, p: Principal, f: NeedFilter) -> NeedPage:
    if p.role not in access.STAFF:
        raise _forbidden()
    grid = p.grid_code if p.role is Role.GRID_WORKER else None
    scope = list(p.communities) if p.communities is not None else None
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("need_page"), scope, grid, f.community, f.street, f.category,
            f.status.value if f.status else None, f.urgency.value if f.urgency else None,
            f.created_from, f.created_to, f.after, f.ascending, f.page_size,
        )
    items = [need_view(p, Need.model_validate(dict(r))) for r in rows]
    return NeedPage(items=items, next_cursor=_cursor(rows, f.page_size))


async def _review(db: Db, p: Principal, need_id: int) -> Need:
    need = await _readable_need(db, p, need_id)
    if not access.can_review_need(p, need):
        raise _forbidden("只有本社区书记可以审核需求")
    return need


async def accept_need(db: Db, p: Principal, need_id: int) -> NeedView:
    await _review(db, p, need_id)
    return need_view(p, await needs.accept_need(db, need_id, p.actor))


async def reject_need(db: Db, p: Principal, need_id: int, data: RejectIn) -> NeedView:
    await _review(db, p, need_id)
    return need_view(p, await needs.reject_need(db, need_id, data, p.actor))


async def withdraw_need(db: Db, p: Principal, need_id: int, data: NoteIn) -> NeedView:
    need = await _readable_need(db, p, need_id)
    if not access.can_withdraw_need(p, need):
        raise _forbidden()
    return need_view(p, await needs.withdraw_need(db, need_id, p.actor, data.note))


# --- projects --------------------------------------------------------------------------------


async def _project_access(db: Db, p: Principal, project_id: int) -> tuple[Project, set[int]]:
    project = await projects.get_project(db, project_id)
    async with connection(db) as conn:
        held = {r["unit_id"] for r in await conn.fetch(q("units_who_held"), project_id)}
    if not access.can_read_project(p, project, held_by=held):
        raise NotFound("项目不存在", code="project_not_found", details={"id": project_id})
    return project, held


async def _managed(db: Db, p: Principal, project_id: int) -> Project:
    project, _ = await _project_access(db, p, project_id)
    if not access.can_manage_project(p, project):
        raise _forbidden("只有本社区书记可以管理该项目")
    return project


async def _as_unit(db: Db, p: Principal, project_id: int, *, owner_only: bool = True) -> int:
    """The caller's unit id, for a step a unit takes on a project it may see.

    For an owner's step, a project held by another unit is refused here (403) before its
    status is looked at, so a unit learns nothing about other units' work from the error.
    """
    await _project_access(db, p, project_id)
    if not access.can_act_as_unit(p):
        raise _forbidden("只有成员单位账号可以执行此操作", "unit_only")
    if owner_only:
        async with connection(db) as conn:
            lead = await conn.fetchrow(q("assignment_live_lead"), project_id)
        if lead is not None and lead["unit_id"] != p.unit_id:
            raise Forbidden("该项目不由本单位承接", code="not_owner", details={"project_id": project_id})
    return p.unit_id  # type: ignore[return-value]


async def create_project(db: Db, p: Principal, data: ProjectIn) -> Project:
    """The secretary merges accepted needs of their community into a draft project."""
    if not (p.role is Role.SECRETARY and data.community_code == p.community_code):
        raise _forbidden("只能在本社区立项", "out_of_scope")
    for need_id in data.need_ids:
        await _readable_need(db, p, need_id)
    return await projects.create_project(db, data, p.actor)


async def get_project(db: Db, p: Principal, project_id: int) -> ProjectDetail:
    project, _ = await _project_access(db, p, project_id)
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
        views.append(_need_as(need, Personal.FULL if full else Personal.MASKED))
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
        raise _forbidden()
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("project_page"), scope, f.community, f.street, f.category,
            f.status.value if f.status else None, f.urgency.value if f.urgency else None,
            f.created_from, f.created_to, f.after, f.ascending, f.page_size, statuses, unit,
        )
    items = [Project.model_validate(dict(r)) for r in rows]
    return ProjectPage(items=items, next_cursor=_cursor(rows, f.page_size))


async def publish_project(db: Db, p: Principal, project_id: int) -> Project:
    await _managed(db, p, project_id)
    return await projects.publish_project(db, project_id, p.actor)


async def cancel_project(db: Db, p: Principal, project_id: int, data: ProjectCancelIn) -> Project:
    await _managed(db, p, project_id)
    return await projects.cancel_project(db, project_id, p.actor, data.reason.value, data.note)


async def confirm_claim(db: Db, p: Principal, project_id: int) -> Project:
    await _managed(db, p, project_id)
    return await projects.confirm_claim(db, project_id, p.actor)


async def reject_claim(db: Db, p: Principal, project_id: int, data: NoteIn) -> Project:
    await _managed(db, p, project_id)
    return await projects.reject_claim(db, project_id, p.actor, data.note)


async def direct_project(db: Db, p: Principal, project_id: int, data: DirectIn) -> Assignment:
    """定向派单 by the secretary, or a proposal by the batch job."""
    project, _ = await _project_access(db, p, project_id)
    if not access.can_propose(p, project):
        raise _forbidden("只有本社区书记或批量派单任务可以派单")
    kind = AssignmentKind.PROPOSAL if p.role is Role.BATCH else AssignmentKind.DIRECTED
    return await projects.direct_project(db, project_id, data.unit_id, p.actor, data.resource_id, kind=kind)


async def withdraw_offer(db: Db, p: Principal, project_id: int, data: NoteIn) -> Project:
    await _managed(db, p, project_id)
    return await projects.withdraw_offer(db, project_id, p.actor, data.note)


async def reassign_offer(db: Db, p: Principal, project_id: int, data: ReassignIn) -> Assignment:
    """改派 by the community's secretary: withdraw the unanswered offer and offer to another unit."""
    await _managed(db, p, project_id)
    return await projects.reassign_offer(db, project_id, data.unit_id, p.actor, data.resource_id, data.note)


async def claim_project(db: Db, p: Principal, project_id: int, data: ClaimIn) -> Assignment:
    unit = await _as_unit(db, p, project_id, owner_only=False)
    return await projects.claim_project(db, project_id, unit, p.actor, data.resource_id)


async def release_claim(db: Db, p: Principal, project_id: int) -> Project:
    unit = await _as_unit(db, p, project_id)
    return await projects.release_claim(db, project_id, unit, p.actor)


async def accept_offer(db: Db, p: Principal, project_id: int) -> Project:
    unit = await _as_unit(db, p, project_id)
    return await projects.accept_offer(db, project_id, unit, p.actor)


async def decline_offer(db: Db, p: Principal, project_id: int, data: ReasonIn) -> Project:
    unit = await _as_unit(db, p, project_id)
    return await projects.decline_offer(db, project_id, unit, data, p.actor)


async def start_project(db: Db, p: Principal, project_id: int) -> Project:
    unit = await _as_unit(db, p, project_id)
    return await projects.start_project(db, project_id, unit, p.actor)


async def add_progress(db: Db, p: Principal, project_id: int, data: ProgressIn) -> ProgressEntry:
    unit = await _as_unit(db, p, project_id)
    return await projects.add_progress(db, project_id, unit, data, p.actor)


async def give_back(db: Db, p: Principal, project_id: int, data: ReasonIn) -> Project:
    unit = await _as_unit(db, p, project_id)
    return await projects.give_back(db, project_id, unit, data, p.actor)


async def complete_project(db: Db, p: Principal, project_id: int, data: CompletionIn) -> Project:
    """待结单; the closing link goes to the requesters' phones (outbox), not to the unit."""
    unit = await _as_unit(db, p, project_id)
    async with transaction(db) as conn:
        done = await projects.complete_project(conn, project_id, unit, data, p.actor)
        # absolute: the message is opened on a phone, which knows nothing of our address
        link = get_settings().link(f"/closing/{done.closing_token}")
        body = f"【三单联动】“{done.project.title}”已办结，请打开链接结单并评价：{link}"
        await conn.execute(q("outbox_closing_link"), project_id, body)
    return done.project


async def closing_page(db: Db, token: str) -> ClosingPage:
    """What a resident's closing link is for, shown before they rate: the project as the public
    board shows it (no one's name) and until when the link works. An unusable link raises."""
    link = await projects.closing_link(db, token)
    return ClosingPage(project=await public_project(db, link.project_number), expires_at=link.expires_at)


async def close_by_resident(db: Db, token: str, data: ClosingIn) -> PublicProject:
    project = await projects.close_by_resident(db, token, data)
    return await public_project(db, project.number)


PUBLIC_FORM_LIMIT = 5
PUBLIC_FORM_WINDOW_SECONDS = 600


async def submit_public_need(db: Db, data: PublicNeedIn, address: str) -> NeedReceipt:
    """点单 by a resident through the public form: rate limited per address, no account."""
    need_in = NeedIn(**data.model_dump(), source_channel=SourceChannel.ONLINE)
    # the slot and the need commit together: a refused submission does not count
    async with transaction(db) as conn:
        await accounts.take_rate_slot(conn, "need_form", address, limit=PUBLIC_FORM_LIMIT,
                                      window_seconds=PUBLIC_FORM_WINDOW_SECONDS, message="提交过于频繁，请稍后再试")
        need = await needs.submit_need(conn, need_in, Actor(role=Role.RESIDENT, ref="form"))
    return NeedReceipt(number=need.number, status=need.status, status_label=need.status.label)


# --- helper units (协办) ------------------------------------------------------------------------


async def add_helper(db: Db, p: Principal, project_id: int, data: DirectIn) -> Assignment:
    """The secretary of the project's community asks one more unit to help (协办邀请)."""
    await _managed(db, p, project_id)
    return await team.add_helper(db, project_id, data.unit_id, p.actor, data.resource_id)


async def withdraw_helper(db: Db, p: Principal, project_id: int, unit_id: int, data: NoteIn) -> Assignment:
    """The secretary takes back a helper proposal its unit has not answered."""
    await _managed(db, p, project_id)
    return await team.withdraw_helper(db, project_id, unit_id, p.actor, data.note)


async def accept_helper(db: Db, p: Principal, project_id: int) -> Assignment:
    unit = await _as_unit(db, p, project_id, owner_only=False)
    return await team.accept_helper(db, project_id, unit, p.actor)


async def decline_helper(db: Db, p: Principal, project_id: int, data: ReasonIn) -> Assignment:
    unit = await _as_unit(db, p, project_id, owner_only=False)
    return await team.decline_helper(db, project_id, unit, data, p.actor)


async def give_back_helper(db: Db, p: Principal, project_id: int, data: ReasonIn) -> Assignment:
    unit = await _as_unit(db, p, project_id, owner_only=False)
    return await team.give_back_helper(db, project_id, unit, data, p.actor)


# --- history ---------------------------------------------------------------------------------


async def history(db: Db, p: Principal, entity: str, entity_id: int) -> list[HistoryEntry]:
    """The history of an entity the caller may read; 404 for anything else."""
    if entity == "need":
        await _readable_need(db, p, entity_id)
    elif entity == "project":
        await _project_access(db, p, entity_id)
    elif entity == "resource":
        await get_resource(db, p, entity_id)
    elif entity == "unit":
        await get_unit(db, p, entity_id)
    elif entity == "assignment":
        async with connection(db) as conn:
            row = await conn.fetchrow(q("assignment_get_scoped"), entity_id)
        if row is None:
            raise NotFound("认领/派单不存在", code="assignment_not_found", details={"id": entity_id})
        await _project_access(db, p, row["project_id"])
    else:
        raise NotFound("没有这种记录", code="unknown_entity", details={"entity": entity})
    return await projects.history_of(db, entity, entity_id)


# --- resources -------------------------------------------------------------------------------


def _out_of_street() -> Forbidden:
    return _forbidden(access.OUT_OF_STREET, "out_of_scope")


async def create_resource(db: Db, p: Principal, data: ResourceIn) -> Resource:
    """A unit lists a resource of its own; an administrator for a unit they manage."""
    if not (p.role is Role.UNIT and p.unit_id == data.unit_id):
        if not access.is_admin(p):
            raise _forbidden("只能为本单位发布资源", "out_of_scope")
        try:
            unit = await directory.get_unit(db, data.unit_id)
        except NotFound:
            raise InvalidInput("成员单位不存在", code="unknown_unit", details={"id": data.unit_id}) from None
        if not access.can_create_resource_for(p, unit):
            raise _out_of_street()
    return await resources.create_resource(db, data, p.actor)


async def resource_and_unit(db: Db, p: Principal, resource_id: int) -> tuple[Resource, Unit]:
    """A resource the caller may read, with its unit (whose street says who manages both)."""
    resource = await resources.get_resource(db, resource_id)
    unit = await directory.get_unit(db, resource.unit_id)
    if not access.can_read_resource(p, resource, unit):
        raise NotFound("资源不存在", code="resource_not_found", details={"id": resource_id})
    return resource, unit


async def get_resource(db: Db, p: Principal, resource_id: int) -> Resource:
    return (await resource_and_unit(db, p, resource_id))[0]


async def list_resources(db: Db, p: Principal, f: ResourceFilter) -> ResourcePage:
    """Published resources for everyone; a unit's own in every status; for an administrator,
    those of the units they manage in every status (the review queue)."""
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("resource_page"), access.is_admin(p), p.unit_id, f.unit_id, f.status.value if f.status else None,
            f.category, f.after, f.ascending, f.page_size, access.admin_street(p),
        )
    return ResourcePage(items=[Resource.model_validate(dict(r)) for r in rows],
                        next_cursor=_cursor(rows, f.page_size))


async def publish_resource(db: Db, p: Principal, resource_id: int) -> Resource:
    """审核发布 by an administrator who manages the resource's unit."""
    _, unit = await resource_and_unit(db, p, resource_id)
    if not access.can_review_resource(p, unit):
        if access.is_admin(p):
            raise _out_of_street()
        raise _forbidden("只有管理员可以审核发布资源")
    return await resources.publish_resource(db, resource_id, p.actor)


async def delist_resource(db: Db, p: Principal, resource_id: int, data: NoteIn) -> Resource:
    resource, unit = await resource_and_unit(db, p, resource_id)
    if not access.can_delist_resource(p, resource, unit):
        if access.is_admin(p):
            raise _out_of_street()
        raise _forbidden("只能下架本单位的资源")
    return await resources.delist_resource(db, resource_id, p.actor, data.note)


# --- areas and categories ------------------------------------------------------------------


def _directory_admin(p: Principal) -> None:
    if not access.can_manage_directory(p):
        raise _forbidden("只有联盟管理员可以维护区域和分类")


async def create_area(db: Db, p: Principal, data: AreaIn) -> Area:
    _directory_admin(p)
    return await directory.create_area(db, data)


async def create_category(db: Db, p: Principal, data: CategoryIn) -> Category:
    _directory_admin(p)
    return await directory.create_category(db, data, p.actor)


async def retire_category(db: Db, p: Principal, code: str) -> Category:
    _directory_admin(p)
    return await directory.retire_category(db, code, p.actor)


# --- units and credit ------------------------------------------------------------------------


def unit_view(p: Principal, unit: Unit) -> UnitView:
    level = access.unit_contact_personal(p, unit)
    data = unit.model_dump()
    if level is Personal.MASKED:
        data["contact_name"] = access.mask_name(unit.contact_name)
        data["contact_phone"] = access.mask_phone(unit.contact_phone)
    return UnitView(**data, personal_data=level.value)


async def get_unit(db: Db, p: Principal, unit_id: int) -> UnitView:
    return unit_view(p, await directory.get_unit(db, unit_id))


async def list_units(db: Db, p: Principal, f: UnitFilter) -> UnitPage:
    async with connection(db) as conn:
        rows = await conn.fetch(q("unit_page"), f.unit_type.value if f.unit_type else None,
                                f.after, f.ascending, f.page_size)
    return UnitPage(items=[unit_view(p, Unit.model_validate(dict(r))) for r in rows],
                    next_cursor=_cursor(rows, f.page_size))


async def may_home_unit_in(db: Db, p: Principal, area: str) -> None:
    """Refuse (403) an administrator who would home a unit in an area outside their street: a
    street's administrator adds units to their street only, or moves them within it."""
    if access.is_alliance_admin(p):
        return
    async with connection(db) as conn:
        row = await conn.fetchrow(q("area_street"), area)
    # an unknown area is not refused here: the write says so (unknown_area, 422)
    if row is not None and not access.manages_street(p, row["street"]):
        raise _forbidden("街道管理员只能把成员单位归属到本街道或本街道的社区", "out_of_scope")


async def managed_unit(db: Db, p: Principal, unit_id: int) -> Unit:
    """A unit the caller manages (403 for another street's; it exists, and anyone reads it)."""
    unit = await directory.get_unit(db, unit_id)
    if not access.can_manage_units(p):
        raise _forbidden("只有管理员可以管理成员单位")
    if not access.can_manage_unit(p, unit):
        raise _out_of_street()
    return unit


async def create_unit(db: Db, p: Principal, data: UnitIn) -> UnitView:
    """An administrator adds a unit: the alliance's anywhere, a street's within their street."""
    if not access.can_manage_units(p):
        raise _forbidden("只有管理员可以管理成员单位")
    await may_home_unit_in(db, p, data.home_area)
    return unit_view(p, await directory.create_unit(db, data, p.actor))


async def set_unit_status(db: Db, p: Principal, unit_id: int, status: UnitStatus, data: NoteIn) -> UnitView:
    """Suspend or reinstate a unit the caller manages."""
    await managed_unit(db, p, unit_id)
    unit = await directory.set_unit_status(db, unit_id, status, p.actor, data.note, street=access.admin_street(p))
    return unit_view(p, unit)


async def credit_score(db: Db, p: Principal, unit_id: int) -> CreditScore:
    await directory.get_unit(db, unit_id)
    return await credit.score(db, unit_id)


def _readers_of_ledger(p: Principal) -> Forbidden:
    if access.is_admin(p):
        return _out_of_street()
    return _forbidden("只有本单位和管理该单位的管理员可以查看")


async def ledger_unit(db: Db, p: Principal, unit_id: int) -> Unit:
    """A unit whose ledger and work the caller may read: the unit itself and its administrators."""
    unit = await directory.get_unit(db, unit_id)
    if not access.can_read_ledger(p, unit):
        raise _readers_of_ledger(p)
    return unit


async def credit_ledger(db: Db, p: Principal, unit_id: int, f: ListQuery) -> CreditLedger:
    await ledger_unit(db, p, unit_id)
    async with connection(db) as conn:
        rows = await conn.fetch(q("credit_ledger_page"), unit_id, f.after, f.ascending, f.page_size)
    return CreditLedger(
        score=await credit.score(db, unit_id),
        items=[CreditLedgerEntry.model_validate(dict(r)) for r in rows],
        next_cursor=_cursor(rows, f.page_size),
    )


async def unit_assignments(db: Db, p: Principal, unit_id: int, f: AssignmentFilter) -> UnitAssignmentPage:
    """A unit's own claims and offers (its inbox of proposals and its work), for it and the
    administrators who manage it."""
    await ledger_unit(db, p, unit_id)
    async with connection(db) as conn:
        rows = await conn.fetch(q("assignment_list_for_unit"), unit_id, f.status.value if f.status else None,
                                f.after, f.ascending, f.page_size)
    return UnitAssignmentPage(items=[UnitAssignment.model_validate(dict(r)) for r in rows],
                              next_cursor=_cursor(rows, f.page_size))


# --- the public board (公示) -----------------------------------------------------------------


def _public(row: asyncpg.Record, names: list[str], progress: list[PublicProgress] | None = None) -> PublicProject:
    data = dict(row)
    data["status_label"] = ProjectStatus(row["status"]).label
    data["title"] = access.scrub(row["title"], names)
    shown = [e.model_copy(update={"body": access.scrub(e.body, names)}) for e in progress or []]
    return PublicProject(**data, progress=shown)


async def _requester_names(conn: asyncpg.Connection, project_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for r in await conn.fetch(q("requester_names_of_projects"), project_ids):
        names.setdefault(r["project_id"], []).append(r["requester_name"])
    return names


async def public_projects(db: Db, f: ProjectFilter) -> PublicProjectPage:
    open_ = sorted(access.OPEN_TO_ALL)
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("public_project_page"), open_, f.community, f.street, f.category,
            f.status.value if f.status else None, f.after, f.ascending, f.page_size, None,
            f.urgency.value if f.urgency else None, f.created_from, f.created_to,
        )
        names = await _requester_names(conn, [r["id"] for r in rows])
    return PublicProjectPage(items=[_public(r, names.get(r["id"], [])) for r in rows],
                             next_cursor=_cursor(rows, f.page_size))


async def public_project(db: Db, number: str) -> PublicProject:
    async with connection(db) as conn:
        row = await conn.fetchrow(
            q("public_project_page"), sorted(access.OPEN_TO_ALL), None, None, None, None, None, False, 1, number,
            None, None, None,
        )
        if row is None:
            raise NotFound("项目不存在或未公示", code="project_not_found", details={"number": number})
        progress = [PublicProgress.model_validate(dict(r)) for r in await conn.fetch(q("public_progress_of_project"), number)]
        names = await _requester_names(conn, [row["id"]])
    return _public(row, names.get(row["id"], []), progress)


async def league_table(db: Db) -> LeagueTable:
    """Active units ranked by credit score, then by finished projects."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("league_units"))
    scores = await credit.scores(db, [r["id"] for r in rows])
    ranked = sorted(rows, key=lambda r: (-scores[r["id"]].score, -r["finished"], r["id"]))
    return LeagueTable(total=len(ranked), items=[
        LeagueRow(rank=i, unit_id=r["id"], unit_name=r["name"], unit_type=r["unit_type"],
                  score=scores[r["id"]].score, grade=scores[r["id"]].grade, finished=r["finished"])
        for i, r in enumerate(ranked, 1)
    ])


# --- the batch job ---------------------------------------------------------------------------


async def sweep(db: Db, p: Principal) -> SweepResult:
    """Expire unanswered claims and offers, close projects the resident did not rate in time."""
    if p.role is not Role.BATCH:
        raise _forbidden("只有批量派单任务可以执行")
    expired = await projects.expire_pending(db)
    closed = await projects.close_unrated(db)
    return SweepResult(expired=expired, closed_unrated=len(closed))


# --- accounts --------------------------------------------------------------------------------


async def revoke_account(db: Db, p: Principal, username: str) -> Account:
    """Revoke every token of an account and deactivate it, at once (联盟管理员)."""
    if not access.can_manage_accounts(p):
        raise _forbidden("只有联盟管理员可以吊销账号")
    if username == p.username:
        # it would lock the county out of the API until someone with a shell recreated it
        raise Conflict("不能吊销自己的账号", code="revoke_self")
    return await accounts.set_active(db, username, False)


# --- editing a project and confirming a proposal ---------------------------------------------


async def update_project(db: Db, p: Principal, project_id: int, data: ProjectPatchIn, *,
                         expected_updated_at: dt.datetime | None = None) -> Project:
    """The secretary of the project's community edits it (草拟: everything; 已发布: the words)."""
    await _managed(db, p, project_id)
    return await projects.update_project(db, project_id, data, p.actor, expected_updated_at=expected_updated_at)


async def confirm_proposal(db: Db, p: Principal, assignment_id: int, data: NoteIn) -> Assignment:
    """The secretary of the project's community confirms a batch proposal; the unit still answers."""
    async with connection(db) as conn:
        row = await conn.fetchrow(q("assignment_get_scoped"), assignment_id)
    if row is None:
        raise NotFound("认领/派单不存在", code="assignment_not_found", details={"id": assignment_id})
    try:
        await _managed(db, p, row["project_id"])
    except NotFound:  # the assignment of a project the caller may not see is not there for them either
        raise NotFound("认领/派单不存在", code="assignment_not_found", details={"id": assignment_id}) from None
    return await projects.confirm_proposal(db, assignment_id, p.actor, data.note)


# --- batch run records (运行记录) ----------------------------------------------------------------
#
# Who reads them: the administrators (the alliance's sees every run, a street's the runs that
# looked at its communities) and a community's secretary (runs that looked at the community).
# Each sees only the rows of their own communities (:mod:`catalog.batch.runs` reads those).


def _runs_scope(p: Principal) -> list[str] | None:
    """The communities whose runs ``p`` may read (None: all); others are refused."""
    if not (access.is_admin(p) or p.role is Role.SECRETARY):
        raise _forbidden("只有管理员和社区书记可以查看批量派单记录")
    return list(p.communities) if p.communities is not None else None


async def list_batch_runs(db: Db, p: Principal, f: batch_runs.RunFilter) -> batch_runs.RunPage:
    """Run records the reader may see, newest first."""
    return await batch_runs.list_runs(db, _runs_scope(p), f)


async def get_batch_run(db: Db, p: Principal, run_id: int, f: batch_runs.RunDetailQuery) -> batch_runs.RunDetail:
    """One run record with what it did to each project of the reader's communities."""
    return await batch_runs.get_run(db, _runs_scope(p), run_id, f)
