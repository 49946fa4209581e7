"""Default time limits by urgency (DOMAIN.md). Per-category overrides come with the batch sweep."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from .enums import Urgency

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
