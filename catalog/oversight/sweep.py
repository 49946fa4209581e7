"""The time-limit sweep: colour every running clock, put red ones on the supervision list (督办).

:func:`mark_time_limits` is set-based: three statements in one transaction, whatever the number
of open needs and projects.

1. ``limits_mark`` computes each running clock (review of a pending need, 签收, 办结, 结单回访)
   with its category's limit (the category's override, its top-level category's, else the
   default of :mod:`catalog.oversight.limits`), its deadline and its colour at ``now``, and brings
   ``time_alerts`` up to date, touching only rows that differ.
2. ``limits_resolve`` closes the open 督办 items whose clock has stopped: the step finished, the
   clock started again (given back, re-offered, reopened), or the project was cancelled or the
   need withdrawn. Each gets a line in the subject's history.
3. ``limits_raise`` puts every red clock without an item on the list, with a history line, and
   charges the unit answerable for it one 'overdue' credit event per (project, step, unit) ever.

Running it twice at the same ``now`` changes nothing the second time. Sweeps never overlap (a
transaction-level advisory lock) and never lock a need or a project, so they cannot hold up a
command or deadlock with one.
"""

from __future__ import annotations

import datetime as dt
import logging

from pydantic import BaseModel

from catalog.enums import LimitStep, SupervisionResolution
from catalog.errors import InvalidInput
from catalog.oversight.limits import BLUE_AT, DEFAULT_LIMITS, PROJECT_STEP, YELLOW_AT
from catalog.storage.sql import q
from catalog.storage.tx import Db, transaction

log = logging.getLogger(__name__)

# An arbitrary constant that identifies "the time-limit sweep" among advisory locks.
SWEEP_LOCK_KEY = 0x5A4D_0005


class TimeLimitSweep(BaseModel):
    """What one sweep found and did.

    ``none``/``blue``/``yellow``/``red``: running clocks by colour at ``now`` (pending needs and
    open projects together); ``changed``: stored alerts written (new clocks or a new colour,
    deadline, step or unit); ``cleared``: stored alerts removed because their clock stopped;
    ``raised``: new 督办 items; ``resolved``: items closed because their clock stopped;
    ``credited``: 'overdue' credit events charged to units.
    """

    now: dt.datetime
    none: int = 0
    blue: int = 0
    yellow: int = 0
    red: int = 0
    changed: int = 0
    cleared: int = 0
    raised: int = 0
    resolved: int = 0
    credited: int = 0

    @property
    def running(self) -> int:
        return self.none + self.blue + self.yellow + self.red


def default_arrays() -> tuple[list[str], list[str], list[int]]:
    """The defaults of :mod:`catalog.oversight.limits` as the parallel arrays ``limits_mark`` reads."""
    steps, urgencies, minutes = [], [], []
    for step, by_urgency in DEFAULT_LIMITS.items():
        for urgency, span in by_urgency.items():
            steps.append(step.value)
            urgencies.append(urgency.value)
            minutes.append(int(span.total_seconds() // 60))
    return steps, urgencies, minutes


def _labels(enum) -> dict[str, str]:
    return enum.labels()  # jsonb parameter: the pool encodes it


class _Preview(Exception):
    """Ends a previewing sweep's transaction: everything it wrote is rolled back."""


async def mark_time_limits(
    db: Db, now: dt.datetime | None = None, *, recheck: bool = False, preview: bool = False,
) -> TimeLimitSweep:
    """Colour every running clock at ``now``, resolve finished 督办 items, raise new red ones.

    Only clocks written by this sweep are checked for a missing item; ``recheck`` checks every red
    clock (slower on a large backlog, never different unless someone edited the tables by hand).
    ``preview`` (``sandan batch --dry-run``) does all of it in a transaction that is rolled back:
    the counts are exactly what a sweep at ``now`` would do, and nothing is kept.
    """
    try:
        result = await _mark(db, now, recheck=recheck, preview=preview)
    except _Preview as done:
        result = done.args[0]
    log.info(
        "time limits at %s%s: %d running (blue %d, yellow %d, red %d); %d alerts changed, %d cleared; "
        "督办 %d raised, %d resolved; %d overdue credit events",
        result.now.isoformat(timespec="seconds"), " (preview, rolled back)" if preview else "", result.running,
        result.blue, result.yellow, result.red, result.changed, result.cleared, result.raised, result.resolved,
        result.credited,
    )
    return result


async def _mark(db: Db, now: dt.datetime | None, *, recheck: bool, preview: bool) -> TimeLimitSweep:
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise InvalidInput("时间须带时区", code="naive_datetime")
    steps, urgencies, minutes = default_arrays()
    statuses = list(PROJECT_STEP)
    order = [s.value for s in LimitStep]
    async with transaction(db) as conn:
        await conn.execute(q("limits_sweep_lock"), SWEEP_LOCK_KEY)
        marked = await conn.fetchrow(
            q("limits_mark"), now, steps, urgencies, minutes, statuses,
            [PROJECT_STEP[s].value for s in statuses], BLUE_AT, YELLOW_AT,
        )
        resolved = await conn.fetchrow(q("limits_resolve"), now, order, _labels(LimitStep),
                                       _labels(SupervisionResolution))
        raised = await conn.fetchrow(q("limits_raise"), now, _labels(LimitStep), recheck)
        result = TimeLimitSweep(
            now=now, none=marked["none"], blue=marked["blue"], yellow=marked["yellow"], red=marked["red"],
            changed=marked["changed"], cleared=marked["cleared"], raised=raised["raised"],
            resolved=resolved["resolved"], credited=raised["credited"],
        )
        if preview:
            raise _Preview(result)
    return result
