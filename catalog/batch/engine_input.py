"""Database rows as the engine's input: one mapping for the batch job and for suggestions.

The batch job (:mod:`catalog.batch.snapshot`) and the suggestions a unit sees on a click
(:mod:`catalog.batch.suggestions`) must judge a project and a resource the same way, or a unit
would be shown projects the optimiser never gives it (or the other way round). Both read rows
with the columns of ``batch_open_projects`` / ``batch_open_resources`` (``desk.sql`` reads the
same ones) and turn them here into the engine's columns (:class:`matching.ProjectColumns`,
:class:`matching.ResourceColumns`), keyed by the rows' own ids; the engine does every encoding
(:func:`matching.build_problem`).

Days are counted from ``today``: day 0 is today, a window in the past starts at day 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import matching
from catalog.enums import Urgency

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


def room_left(r: Row) -> int | None:
    """Projects the resource may still take: its own capacity less its live work, and never
    more than its unit's cap allows. None: no limit of its own and the unit has room."""
    room_unit = max(0, r["active_cap"] - r["unit_live"])
    if r["capacity_projects"] is not None:
        return max(0, min(r["capacity_projects"] - r["live"], room_unit))
    return 0 if room_unit == 0 else None


def project_columns(rows: Sequence[Row], *, now: dt.datetime, today: dt.date
                    ) -> tuple[matching.ProjectColumns, list[Row], list[Row]]:
    """Open project rows as the engine's columns, keyed by ``projects.id``; with the rows kept
    and the rows left out: those without a point (not even their community's centre), which
    the engine cannot place."""
    bonus = {u.value: b for u, b in URGENCY_BONUS.items()}
    kept = [r for r in rows if r["lat"] is not None]
    left_out = [r for r in rows if r["lat"] is None]
    start = [max(0, day(r["window_start"], today, 0)) for r in kept]
    columns = matching.ProjectColumns(
        id=[r["id"] for r in kept], community=[r["community_code"] for r in kept],
        street=[r["street_code"] for r in kept], lat=[r["lat"] for r in kept], lon=[r["lon"] for r in kept],
        category=[r["category"] for r in kept], subcategory=[r["subcategory"] for r in kept],
        skills=[list(r["required_skills"]) for r in kept], start=start,
        end=[max(s, day(r["window_end"], today, s + HORIZON_DAYS)) for r, s in zip(kept, start, strict=True)],
        priority=[(r["priority"] - 1) + bonus[r["urgency"]] for r in kept],
        waiting=[max(0, (now - r["published_at"]).days) for r in kept],
        units_required=[r["units_required"] for r in kept], hours=[float(r["estimated_hours"]) for r in kept],
    )
    return columns, kept, left_out


def resource_columns(rows: Sequence[Row], *, today: dt.date, credit: Mapping[int, float]
                     ) -> tuple[matching.ResourceColumns, list[Row]]:
    """Published resource rows as the engine's columns, keyed by ``resources.id`` and
    ``units.id``, each scored with its unit's ``credit`` (unit id -> credit score); with the
    rows kept: a resource without room left is left out."""
    kept, capacity = [], []
    for r in rows:
        room = room_left(r)
        if room != 0:
            kept.append(r)
            capacity.append(-1 if room is None else room)
    nan = float("nan")
    columns = matching.ResourceColumns(
        id=[r["id"] for r in kept], unit=[r["unit_id"] for r in kept],
        categories=[[(r["category"], r["subcategory"])] for r in kept], skills=[list(r["skills"]) for r in kept],
        communities=[list(r["area_communities"]) for r in kept],
        lat=[nan if r["centre_lat"] is None else r["centre_lat"] for r in kept],
        lon=[nan if r["centre_lat"] is None else r["centre_lon"] for r in kept],
        radius_km=[float(r["radius_km"] or 0.0) for r in kept],
        start=[day(r["valid_from"], today, -OPEN_END) for r in kept],
        end=[day(r["valid_to"], today, OPEN_END) for r in kept], capacity=capacity,
        hours_budget=[None if r["capacity_hours"] is None else float(r["capacity_hours"]) for r in kept],
        credit=[float(credit[r["unit_id"]]) for r in kept],
    )
    return columns, kept
