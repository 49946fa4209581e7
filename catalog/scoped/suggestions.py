"""What the engine suggests to a unit, as one principal may ask (the work:
:mod:`catalog.batch.suggestions`).

* the open projects ranked for a unit: the unit's own account for itself, or, naming the unit,
  the unit and the administrators who manage it (the readers of its ledger; 404 for a unit that
  does not exist, 403 for anyone else);
* why the batch job proposed a project: the unit the proposal was made to (another unit's
  assignment answers 404).
"""

from __future__ import annotations

import datetime as dt

from catalog.batch import suggestions
from catalog.batch.suggestions import Explanation, UnitSuggestions
from catalog.enums import Role
from catalog.models import Principal
from catalog.storage.tx import Db

from .common import forbidden
from .units import ledger_unit


def _unit_only(p: Principal) -> int:
    if p.role is not Role.UNIT or p.unit_id is None:
        raise forbidden("只有成员单位账号可以查看推荐项目", "unit_only")
    return p.unit_id


async def projects_for_unit(db: Db, p: Principal, unit_id: int | None = None, *, limit: int = 30,
                            now: dt.datetime | None = None) -> UnitSuggestions:
    """The best open projects for a unit, best first, at most ``limit``: without ``unit_id`` the
    caller's own unit (a unit account only)."""
    if unit_id is None:
        unit_id = _unit_only(p)
    else:
        await ledger_unit(db, p, unit_id)
    return await suggestions.projects_for_unit(db, unit_id, limit=limit, now=now)


async def explanations(db: Db, p: Principal, assignment_ids: list[int]) -> dict[int, Explanation]:
    """The batch job's explanation of each of the caller's proposals that has one."""
    return await suggestions.explanations(db, _unit_only(p), assignment_ids)


async def explanation(db: Db, p: Principal, assignment_id: int) -> Explanation:
    """The batch job's explanation of one proposal made to the caller's unit."""
    return await suggestions.explanation(db, _unit_only(p), assignment_id)
