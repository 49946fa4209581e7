"""批量派单记录: what each run of the batch job did, and why."""

from __future__ import annotations

from catalog import scoped
from catalog.models import RunDetail, RunDetailQuery, RunFilter, RunPage

from ..routing import Call, endpoint

T = "batch"


@endpoint("GET", "/batch-runs", summary="批量派单运行记录（最新在前；管理员、社区书记）", tag=T, query=RunFilter,
          response=RunPage)
async def list_(c: Call) -> RunPage:
    return await scoped.list_batch_runs(c.db, c.me, c.query)


@endpoint("GET", "/batch-runs/{run_id}", summary="一次批量派单：参数、用时、各项目的派单理由或未匹配原因", tag=T,
          query=RunDetailQuery, response=RunDetail)
async def get(c: Call) -> RunDetail:
    return await scoped.get_batch_run(c.db, c.me, c.id("run_id"), c.query)
