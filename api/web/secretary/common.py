"""What the secretary's pages share: the role, whole-list reads, owners and time-limit colours.

Every read goes through ``catalog.scoped`` with the signed-in secretary, so these helpers never
widen what a page may show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from catalog import scoped
from catalog.enums import AssignmentStatus, CancelReason, ProjectStatus, Role
from catalog.errors import NotFound
from catalog.models import NeedFilter, NeedView, Project, ProjectDetail, ProjectFilter
from catalog.scoped import Alert, running_clock, warning_level

from ..kit import View

SEC = (Role.SECRETARY,)

# Enough for a busy community's whole lists; a page that reads "everything" stops here.
WHOLE_LIST_CAP = 5000

# 撤单 reasons the secretary picks from: the closed list the API checks too.
CANCEL_REASONS: dict[str, str] = CancelReason.labels()

ALERT_ORDER = {Alert.RED: 0, Alert.YELLOW: 1, Alert.BLUE: 2, Alert.NONE: 3}
# The colours' short names on badges and in filters.
ALERT_SHORT = {Alert.RED: "红", Alert.YELLOW: "黄", Alert.BLUE: "蓝", Alert.NONE: "正常"}


async def all_projects(v: View, **filters: Any) -> list[Project]:
    """Every project of the secretary's community matching ``filters`` (newest first)."""
    out: list[Project] = []
    cursor = None
    while len(out) < WHOLE_LIST_CAP:
        f = ProjectFilter(community=v.me.community_code, limit=100, cursor=cursor, **filters)
        page = await scoped.list_projects(v.db, v.me, f)
        out.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return out


async def all_needs(v: View, **filters: Any) -> list[NeedView]:
    out: list[NeedView] = []
    cursor = None
    while len(out) < WHOLE_LIST_CAP:
        f = NeedFilter(community=v.me.community_code, limit=100, cursor=cursor, **filters)
        page = await scoped.list_needs(v.db, v.me, f)
        out.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return out


class UnitNames:
    """Unit names for one request, each read once through the scoped directory."""

    def __init__(self, v: View) -> None:
        self.v = v
        self.names: dict[int, str] = {}

    async def get(self, unit_id: int | None) -> str:
        if unit_id is None:
            return ""
        if unit_id not in self.names:
            try:
                self.names[unit_id] = (await scoped.get_unit(self.v.db, self.v.me, unit_id)).name
            except NotFound:
                self.names[unit_id] = f"单位 {unit_id}"
        return self.names[unit_id]


@dataclass(frozen=True)
class Clock:
    """The time limit running on a project now, and how far through it is."""

    level: Alert
    deadline: dt.datetime | None
    stored: bool  # True: the colour the last sweep stored; False: worked out here

    @property
    def short(self) -> str:
        return ALERT_SHORT[self.level]

    @property
    def label(self) -> str:
        return self.level.label


def clock_of(p: Project, now: dt.datetime | None = None) -> Clock:
    """The stored colour of the last sweep when the project carries one, else the default limits."""
    stored = getattr(p, "alert_level", None)
    if stored is not None:
        return Clock(Alert(stored), getattr(p, "alert_deadline", None), True)
    clock = running_clock(p.status.value, p.urgency, published_at=p.published_at, accepted_at=p.accepted_at,
                          completed_at=p.completed_at, window_end=p.window_end)
    if clock is None:
        return Clock(Alert.NONE, None, False)
    start, deadline = clock
    return Clock(warning_level(start, deadline, now or dt.datetime.now(dt.UTC)), deadline, False)


@dataclass(frozen=True)
class Holder:
    """Who holds or is being asked to take a project: the live lead claim or offer."""

    unit_id: int
    unit_name: str
    kind_label: str
    status: AssignmentStatus
    waiting: str  # what the project waits for, in words; "" once the unit holds it


async def holder_of(detail: ProjectDetail, units: UnitNames) -> Holder | None:
    live = [a for a in detail.assignments
            if a.role == "lead" and a.status in (AssignmentStatus.PENDING, AssignmentStatus.ACTIVE)]
    if not live:
        return None
    a = max(live, key=lambda a: a.id)
    waiting = ""
    if a.status is AssignmentStatus.PENDING:
        waiting = "待社区确认认领" if a.kind.value == "claim" else "待单位接受派单"
    return Holder(a.unit_id, await units.get(a.unit_id), a.kind.label, a.status, waiting)


LIVE = (ProjectStatus.PUBLISHED, ProjectStatus.CLAIMING, ProjectStatus.DISPATCHED, ProjectStatus.ACCEPTED,
        ProjectStatus.IN_PROGRESS, ProjectStatus.AWAITING_CLOSE)


def hours(span: dt.timedelta | None) -> float | None:
    return None if span is None else span.total_seconds() / 3600


def fmt_span(h: float | None) -> str:
    """A duration in hours as people say it: 分钟 under an hour, 小时 under two days, else 天."""
    if h is None:
        return "—"
    if h < 1:
        return f"{h * 60:.0f} 分钟"
    if h < 48:
        return f"{h:.1f} 小时"
    return f"{h / 24:.1f} 天"
