"""社区书记 · 结单与回访: projects waiting for the resident to close them, and those a grid
worker should follow up (回访): no answer 3 days after the work was done, closed unrated, or
rated poorly.

The closing link is made once, when the unit reports the work done, and goes to the
residents' phones by SMS; only its hash is stored, so no page can show it or send it again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from catalog import scoped
from catalog.enums import AssignmentStatus, ProjectStatus
from catalog.models import NeedView, Project
from catalog.scoped import CLOSE_FOLLOW_UP
from catalog.storage.settings import get_settings

from ..kit import View, names, page
from .common import SEC, Clock, UnitNames, all_projects, clock_of

# Closed or rated projects stay on the follow-up list this long.
RECENT = dt.timedelta(days=30)
POOR_SCORE = 2


@dataclass(frozen=True)
class Row:
    p: Project
    unit: str
    needs: list[NeedView]
    clock: Clock
    follow_up_at: dt.datetime | None
    link_expires_at: dt.datetime | None
    overdue: bool
    score: int | None


def score_of(p: Project) -> int | None:
    """The resident's 1–5 rating, kept as the rated step's reason (``score_4``)."""
    reason = p.status_reason or ""
    if p.status is ProjectStatus.RATED and reason.startswith("score_") and reason[6:].isdigit():
        return int(reason[6:])
    return None


async def _row(v: View, p: Project, units: UnitNames, now: dt.datetime) -> Row:
    detail = await scoped.get_project(v.db, v.me, p.id)
    done = [a for a in detail.assignments if a.role == "lead" and a.status in (
        AssignmentStatus.COMPLETED, AssignmentStatus.ACTIVE)]
    unit = await units.get(max(done, key=lambda a: a.id).unit_id) if done else ""
    project = detail.project
    completed = project.completed_at
    follow = completed + CLOSE_FOLLOW_UP if completed else None
    expires = completed + dt.timedelta(days=get_settings().closing_days) if completed else None
    overdue = project.status is ProjectStatus.AWAITING_CLOSE and follow is not None and now >= follow
    return Row(project, unit, detail.needs, clock_of(project, now), follow, expires, overdue, score_of(project))


@page("/secretary/closing", roles=SEC, template="secretary/closing.html", nav="结单回访", order=40)
async def closing(v: View) -> dict:
    now = dt.datetime.now(dt.UTC)
    units = UnitNames(v)
    waiting = [await _row(v, p, units, now) for p in await all_projects(v, status=ProjectStatus.AWAITING_CLOSE.value)]
    waiting.sort(key=lambda r: (not r.overdue, r.p.completed_at or now))
    since = now - RECENT
    unrated = [await _row(v, p, units, now) for p in await all_projects(v, status=ProjectStatus.CLOSED.value)
               if p.status_reason == "not_rated" and (p.closed_at or now) >= since]
    poor = [await _row(v, p, units, now) for p in await all_projects(v, status=ProjectStatus.RATED.value)
            if (score_of(p) or 5) <= POOR_SCORE and (p.closed_at or now) >= since]
    return {"waiting": waiting, "overdue": sum(r.overdue for r in waiting), "unrated": unrated, "poor": poor,
            "areas": await names.area_names(v), "closing_days": get_settings().closing_days,
            "follow_days": CLOSE_FOLLOW_UP.days, "recent_days": RECENT.days, "poor_score": POOR_SCORE}
