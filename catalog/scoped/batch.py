"""The batch job's own commands, for the batch account only, and who may read its run records."""

from __future__ import annotations

from catalog.batch import runs as batch_runs
from catalog.enums import Role
from catalog.lists import closing, work
from catalog.models import Principal, SweepResult
from catalog.people import access
from catalog.storage.tx import Db

from .common import forbidden


async def sweep(db: Db, p: Principal) -> SweepResult:
    """Expire unanswered claims and offers, close projects the resident did not rate in time."""
    if p.role is not Role.BATCH:
        raise forbidden("只有批量派单任务可以执行")
    expired = await work.expire_pending(db)
    closed = await closing.close_unrated(db)
    return SweepResult(expired=expired, closed_unrated=len(closed))


# --- batch run records (运行记录) ----------------------------------------------------------------
#
# Who reads them: the administrators (the alliance's sees every run, a street's the runs that
# looked at its communities) and a community's secretary (runs that looked at the community).
# Each sees only the rows of their own communities (:mod:`catalog.batch.runs` reads those).


def _runs_scope(p: Principal) -> list[str] | None:
    """The communities whose runs ``p`` may read (None: all); others are refused."""
    if not (access.is_admin(p) or p.role is Role.SECRETARY):
        raise forbidden("只有管理员和社区书记可以查看批量派单记录")
    return list(p.communities) if p.communities is not None else None


async def list_batch_runs(db: Db, p: Principal, f: batch_runs.RunFilter) -> batch_runs.RunPage:
    """Run records the reader may see, newest first."""
    return await batch_runs.list_runs(db, _runs_scope(p), f)


async def get_batch_run(db: Db, p: Principal, run_id: int, f: batch_runs.RunDetailQuery) -> batch_runs.RunDetail:
    """One run record with what it did to each project of the reader's communities."""
    return await batch_runs.get_run(db, _runs_scope(p), run_id, f)
