"""协办: helper units beside a project's lead, for projects that need several units.

The secretary asks a unit to help and may take an unanswered request back; the unit accepts or
declines its helper proposal (from the secretary or the batch job) and may give an accepted
helper role back. None of these changes the project's status; the project's detail lists the
team (主办/协办).
"""

from __future__ import annotations

from catalog import scoped
from catalog.models import Assignment, DirectIn, NoteIn, ReasonIn

from ..routing import Call, endpoint

T = "helpers"
P = "/projects/{project_id}"


@endpoint("POST", P + "/helpers", summary="添加协办单位（社区书记）：项目已派单、已接单或执行中，最多“需要单位数−1”个",
          tag=T, body=DirectIn, response=Assignment, status=201)
async def add(c: Call) -> Assignment:
    return await scoped.add_helper(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/helpers/{unit_id}/withdraw", summary="撤回尚未答复的协办邀请（社区书记）", tag=T,
          body=NoteIn, response=Assignment)
async def withdraw(c: Call) -> Assignment:
    return await scoped.withdraw_helper(c.db, c.me, c.id("project_id"), c.id("unit_id"), c.body)


@endpoint("POST", P + "/helper/accept", summary="接受协办邀请（成员单位）", tag=T, response=Assignment)
async def accept(c: Call) -> Assignment:
    return await scoped.accept_helper(c.db, c.me, c.id("project_id"))


@endpoint("POST", P + "/helper/decline", summary="拒绝协办邀请（须说明理由；此后不再向本单位推荐该项目）", tag=T,
          body=ReasonIn, response=Assignment)
async def decline(c: Call) -> Assignment:
    return await scoped.decline_helper(c.db, c.me, c.id("project_id"), c.body)


@endpoint("POST", P + "/helper/give-back", summary="退出协办（成员单位，须说明理由）", tag=T, body=ReasonIn,
          response=Assignment)
async def give_back(c: Call) -> Assignment:
    return await scoped.give_back_helper(c.db, c.me, c.id("project_id"), c.body)
