"""Database rows as the engine's input: one conversion for the batch job and for suggestions.

The batch job (:mod:`catalog.batch`) and the suggestions a unit sees on a click
(:mod:`catalog.suggestions`) must judge a project and a resource the same way, or a unit would be
shown projects the optimiser never gives it (or the other way round). Both read rows with the
columns of ``batch_open_projects`` / ``batch_open_resources`` (``desk.sql`` reads the same ones)
and turn them into :class:`matching.ProjectIn` and :class:`matching.ResourceIn` here.

Days are counted from ``today``: day 0 is today, a window in the past starts at day 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import matching

from .enums import Urgency

# A project without a window is open for this many days; a resource without dates is open always.
HORIZON_DAYS = 365
OPEN_END = 100_000

# Engine priority from the project's 优先级 (1..5 → 0..4) plus its urgency; `max_priority` is
# set to the top of that scale so the engine's urgency term grows over all of it.
URGENCY_BONUS = {Urgency.URGENT: 4, Urgency.NORMAL: 2, Urgency.LONG_TERM: 0}
PARAMS = matching.Params(max_priority=8)

Row = Mapping[str, Any]


def day(value: dt.datetime | dt.date | None, today: dt.date, default: int) -> int:
    """``value`` as a day number counted from ``today``; ``default`` when there is none."""
    if value is None:
        return default
    d = value.date() if isinstance(value, dt.datetime) else value
    return (d - today).days


def resource_ref(resource_id: int) -> str:
    return f"ZY{resource_id}"


def unit_ref(unit_id: int) -> str:
    return f"U{unit_id}"


def project_in(r: Row, *, now: dt.datetime, today: dt.date) -> matching.ProjectIn | None:
    """An open project row as the engine sees it; None when it has no point (not even its
    community's centre), which the engine cannot place."""
    if r["lat"] is None:
        return None
    start = max(0, day(r["window_start"], today, 0))
    end = max(start, day(r["window_end"], today, start + HORIZON_DAYS))
    return matching.ProjectIn(
        id=r["number"], community=r["community_code"], street=r["street_code"],
        point=matching.Point(lat=r["lat"], lon=r["lon"]), category=r["category"],
        subcategory=r["subcategory"], skills=list(r["required_skills"]), start=start, end=end,
        priority=(r["priority"] - 1) + URGENCY_BONUS[Urgency(r["urgency"])],
        days_waiting=max(0, (now - r["published_at"]).days), units_required=r["units_required"],
        hours=float(r["estimated_hours"]),
    )


def room_left(r: Row) -> int | None:
    """Projects the resource may still take: its own capacity less its live work, and never
    more than its unit's cap allows. None: no limit of its own and the unit has room."""
    room_unit = max(0, r["active_cap"] - r["unit_live"])
    if r["capacity_projects"] is not None:
        return max(0, min(r["capacity_projects"] - r["live"], room_unit))
    return 0 if room_unit == 0 else None


def resource_in(r: Row, *, today: dt.date, credit: float) -> matching.ResourceIn | None:
    """A published resource row as the engine sees it, scored with its unit's ``credit``;
    None when it has no room left."""
    capacity = room_left(r)
    if capacity == 0:
        return None
    centre = None
    if r["centre_lat"] is not None:
        centre = matching.Point(lat=r["centre_lat"], lon=r["centre_lon"])
    return matching.ResourceIn(
        id=resource_ref(r["id"]), unit=unit_ref(r["unit_id"]),
        categories=[matching.CategoryRef(category=r["category"], subcategory=r["subcategory"])],
        skills=list(r["skills"]),
        area=matching.ServiceArea(communities=list(r["area_communities"]), center=centre,
                                  radius_km=r["radius_km"]),
        point=centre,
        start=day(r["valid_from"], today, -OPEN_END), end=day(r["valid_to"], today, OPEN_END),
        capacity=capacity,
        hours_budget=float(r["capacity_hours"]) if r["capacity_hours"] is not None else None,
        credit=credit,
    )
