"""项目清单: merge, publish, claim and offer, the work, completion and the resident's closing."""

from __future__ import annotations

from catalog import scoped
from catalog.models import (
    Assignment,
    ClaimIn,
    ClosingIn,
    CompletionIn,
    DirectIn,
    NoteIn,
    ProgressEntry,
    ProgressIn,
    Project,
    ProjectCancelIn,
    ProjectDetail,
    ProjectFilter,
    ProjectIn,
    ProjectPage,
    ProjectPatchIn,
    PublicProject,
    ReasonIn,
    ReassignIn,
    SweepResult,
)

from ..routing import Call, endpoint

T = "projects"
P = "/projects/{project_id}"


@endpoint("POST", "/projects", summary="合并已入库需求立项（社区书记）", tag=T, body=ProjectIn, response=Project,
          status=201, idempotent=True, errors=(404,))  # a need it names is not there for the caller
async def create(c: Call) -> Project:
    return await scoped.create_project(c.db, c.me, c.body)


@endpoint("GET", "/projects", summary="项目列表（按管辖范围）", tag=T, query=ProjectFilter, response=ProjectPage)
async def list_(c: Call) -> ProjectPage:
    return await scoped.list_projects(c.db, c.me, c.query)


@endpoint("GET", P, summary="项目详情：来源需求、认领/派单、进展", tag=T, response=ProjectDetail)
async def get(c: Call) -> ProjectDetail:
    return await scoped.get_project(c.db, c.me, c.id("project_id"))


@endpoint("PATCH", P, summary="修改项目（社区书记）：草拟时均可改，已发布后只能改名称、内容和优先级", tag=T,
          body=ProjectPatchIn, response=Project, errors=(409,))
async def update(c: Call) -> Project:
    return await scoped.update_project(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/publish", summary="发布（下单）", tag=T, response=Project)
async def publish(c: Call) -> Project:
    return await scoped.publish_project(c.db, c.me, c.id("project_id"))


@endpoint("POST", P + "/cancel", summary="撤单（须说明理由）", tag=T, body=ProjectCancelIn, response=Project)
async def cancel(c: Call) -> Project:
    return await scoped.cancel_project(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/claim", summary="成员单位认领", tag=T, body=ClaimIn, response=Assignment, status=201)
async def claim(c: Call) -> Assignment:
    return await scoped.claim_project(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/confirm", summary="确认认领（社区书记）", tag=T, response=Project)
async def confirm(c: Call) -> Project:
    return await scoped.confirm_claim(c.db, c.me, c.id("project_id"))


@endpoint("POST", P + "/reject-claim", summary="不同意认领（社区书记）", tag=T, body=NoteIn, response=Project)
async def reject_claim(c: Call) -> Project:
    return await scoped.reject_claim(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/release", summary="认领单位放弃认领", tag=T, response=Project)
async def release(c: Call) -> Project:
    return await scoped.release_claim(c.db, c.me, c.id("project_id"))


@endpoint("POST", P + "/direct", summary="定向派单（社区书记）或优化派单建议（批量任务）", tag=T, body=DirectIn,
          response=Assignment, status=201)
async def direct(c: Call) -> Assignment:
    return await scoped.direct_project(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/withdraw-offer", summary="撤回派单（社区书记）", tag=T, body=NoteIn, response=Project)
async def withdraw_offer(c: Call) -> Project:
    return await scoped.withdraw_offer(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/reassign", summary="改派（社区书记）：撤回待答复的派单并派给另一单位，一步完成", tag=T,
          body=ReassignIn, response=Assignment)
async def reassign(c: Call) -> Assignment:
    return await scoped.reassign_offer(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", "/assignments/{assignment_id}/confirm", summary="确认优化派单建议（社区书记）；仍须单位接受",
          tag=T, body=NoteIn, response=Assignment)
async def confirm_proposal(c: Call) -> Assignment:
    return await scoped.confirm_proposal(c.db, c.me, c.id("assignment_id"), c.body)


@endpoint("POST", P + "/accept", summary="接受派单（成员单位）", tag=T, response=Project)
async def accept(c: Call) -> Project:
    return await scoped.accept_offer(c.db, c.me, c.id("project_id"))


@endpoint("POST", P + "/decline", summary="拒绝派单（须说明理由）", tag=T, body=ReasonIn, response=Project)
async def decline(c: Call) -> Project:
    return await scoped.decline_offer(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/start", summary="开始服务", tag=T, response=Project)
async def start(c: Call) -> Project:
    return await scoped.start_project(c.db, c.me, c.id("project_id"))


@endpoint("POST", P + "/progress", summary="报告进展（可附照片链接）", tag=T, body=ProgressIn,
          response=ProgressEntry, status=201, idempotent=True)
async def progress(c: Call) -> ProgressEntry:
    return await scoped.add_progress(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/give-back", summary="退单（须说明理由）", tag=T, body=ReasonIn, response=Project)
async def give_back(c: Call) -> Project:
    return await scoped.give_back(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/complete", summary="报告办结；结单链接以短信发给居民", tag=T, body=CompletionIn,
          response=Project)
async def complete(c: Call) -> Project:
    return await scoped.complete_project(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", "/closing/{token}", summary="居民通过结单链接结单并评价（一次有效）", tag="public", public=True,
          body=ClosingIn, response=PublicProject, errors=(403, 409))
async def close(c: Call) -> PublicProject:
    return await scoped.close_by_resident(c.db, c.text("token"), c.body)


@endpoint("POST", "/batch/sweep", summary="过期认领/派单，超时未评价结单（批量任务）", tag="batch",
          response=SweepResult)
async def sweep(c: Call) -> SweepResult:
    return await scoped.sweep(c.db, c.me)
