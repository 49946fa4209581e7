"""Default time limits by urgency (DOMAIN.md). Per-category overrides come with the batch sweep."""

from __future__ import annotations

import datetime as dt

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
