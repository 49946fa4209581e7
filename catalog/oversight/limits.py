"""Time limits (时限): the defaults of DOMAIN.md, the colours, and the pure rules behind the sweep.

This module is the one place the default limits live. Administrators override them per category
(``category_time_limits``); the sweep (:mod:`catalog.oversight.sweep`) hands these defaults to SQL as
parameters, so the database never holds a second copy.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from catalog.enums import LimitStep, Urgency
from catalog.local_time import LOCAL_TIME

# 审核: a pending need is reviewed within one working day (Saturdays and Sundays do not count).
REVIEW_LIMIT = {u: dt.timedelta(hours=24) for u in Urgency}

# 签收: how long a unit has to answer an offer.
ACK_LIMIT = {
    Urgency.URGENT: dt.timedelta(hours=2),
    Urgency.NORMAL: dt.timedelta(hours=24),
    Urgency.LONG_TERM: dt.timedelta(hours=24),
}

# 办结: how long from 已接单 to the completion report.
DONE_LIMIT = {
    Urgency.URGENT: dt.timedelta(hours=24),
    Urgency.NORMAL: dt.timedelta(days=7),
    Urgency.LONG_TERM: dt.timedelta(days=15),
}


def done_deadline(urgency: Urgency, accepted_at: dt.datetime, window_end: dt.datetime | None) -> dt.datetime:
    """The project plan's end wins over the default limit when the secretary set one."""
    return window_end if window_end is not None else accepted_at + DONE_LIMIT[urgency]

# 结单: after the completion report the resident has this long before a grid worker follows up.
CLOSE_FOLLOW_UP = dt.timedelta(days=3)
CLOSE_LIMIT = {u: CLOSE_FOLLOW_UP for u in Urgency}

DEFAULT_LIMITS: dict[LimitStep, dict[Urgency, dt.timedelta]] = {
    LimitStep.REVIEW: REVIEW_LIMIT,
    LimitStep.ACK: ACK_LIMIT,
    LimitStep.DONE: DONE_LIMIT,
    LimitStep.CLOSE: CLOSE_LIMIT,
}

# What an administrator may set: at least a quarter of an hour, at most a sensible ceiling per step.
MIN_LIMIT = dt.timedelta(minutes=15)
MAX_LIMIT: dict[LimitStep, dt.timedelta] = {
    LimitStep.REVIEW: dt.timedelta(days=7),
    LimitStep.ACK: dt.timedelta(days=7),
    LimitStep.DONE: dt.timedelta(days=180),
    LimitStep.CLOSE: dt.timedelta(days=30),
}

# Which clock runs in each project status (a pending need runs the review clock).
PROJECT_STEP: dict[str, LimitStep] = {
    "published": LimitStep.ACK,
    "claiming": LimitStep.ACK,
    "dispatched": LimitStep.ACK,
    "accepted": LimitStep.DONE,
    "in_progress": LimitStep.DONE,
    "awaiting_close": LimitStep.CLOSE,
}

# Share of a limit used up at which each colour starts.
BLUE_AT = 0.5
YELLOW_AT = 0.8


class Alert(StrEnum):
    """Time-limit colours: 蓝 approaching, 黄 behind, 红 overdue (goes to 督办)."""

    NONE = "none"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        return {"none": "正常", "blue": "蓝色预警", "yellow": "黄色预警", "red": "红色督办"}[self.value]


def running_clock(
    status: str, urgency: Urgency, *, published_at: dt.datetime | None, accepted_at: dt.datetime | None,
    completed_at: dt.datetime | None, window_end: dt.datetime | None,
) -> tuple[dt.datetime, dt.datetime] | None:
    """The limit that runs in this status, as (start, deadline); None where no clock runs."""
    if status in ("published", "claiming", "dispatched") and published_at is not None:
        return published_at, published_at + ACK_LIMIT[urgency]
    if status in ("accepted", "in_progress") and accepted_at is not None:
        return accepted_at, done_deadline(urgency, accepted_at, window_end)
    if status == "awaiting_close" and completed_at is not None:
        return completed_at, completed_at + CLOSE_FOLLOW_UP
    return None


def add_working_time(start: dt.datetime, span: dt.timedelta) -> dt.datetime:
    """``start`` plus ``span`` of weekday time (China Standard Time): weekends do not count.

    The SQL function ``add_working_time`` (migration 0005) computes the same; public holidays and
    the weekends worked in their place (调休) are not modelled.
    """
    t = start.astimezone(LOCAL_TIME).replace(tzinfo=None)
    left = span
    while True:
        midnight = dt.datetime.combine(t.date(), dt.time())
        if t.isoweekday() >= 6:
            t = midnight + dt.timedelta(days=1)
            continue
        day_end = midnight + dt.timedelta(days=1)
        if t + left <= day_end:
            return (t + left).replace(tzinfo=LOCAL_TIME)
        left -= day_end - t
        t = day_end


def level_since(level: Alert, start: dt.datetime, deadline: dt.datetime) -> dt.datetime:
    """When a clock reached ``level``: the start plus that colour's share of the limit."""
    total = deadline - start
    if level is Alert.RED:
        return max(deadline, start)
    if level is Alert.YELLOW:
        return start + total * YELLOW_AT
    if level is Alert.BLUE:
        return start + total * BLUE_AT
    return start


def warning_level(start: dt.datetime, deadline: dt.datetime, now: dt.datetime) -> Alert:
    """How far through its limit a step is: half gone is blue, four fifths yellow, past it red."""
    total = (deadline - start).total_seconds()
    used = (now - start).total_seconds()
    if total <= 0 or used >= total:
        return Alert.RED
    share = used / total
    if share >= YELLOW_AT:
        return Alert.YELLOW
    if share >= BLUE_AT:
        return Alert.BLUE
    return Alert.NONE
