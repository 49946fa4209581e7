"""The batch job's own commands, for the batch account only."""

from __future__ import annotations

from catalog.enums import Role
from catalog.lists import projects
from catalog.models import Principal, SweepResult
from catalog.storage.tx import Db

from .common import forbidden


async def sweep(db: Db, p: Principal) -> SweepResult:
    """Expire unanswered claims and offers, close projects the resident did not rate in time."""
    if p.role is not Role.BATCH:
        raise forbidden("只有批量派单任务可以执行")
    expired = await projects.expire_pending(db)
    closed = await projects.close_unrated(db)
    return SweepResult(expired=expired, closed_unrated=len(closed))
