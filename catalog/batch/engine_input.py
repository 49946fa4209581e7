"""Database rows as the engine's input: one conversion for the batch job and for suggestions.

The batch job (:mod:`catalog.batch`) and the suggestions a unit sees on a click
(:mod:`catalog.batch.suggestions`) must judge a project and a resource the same way, or a unit would be
shown projects the optimiser never gives it (or the other way round). Both read rows with the
columns of ``batch_open_projects`` / ``batch_open_resources`` (``desk.sql`` reads the same ones)
and turn them into :class:`matching.ProjectIn` and :class:`matching.ResourceIn` here.

Days are counted from ``today``: day 0 is today, a window in the past starts at day 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import matching
from matching.arrays import intern_names, skill_bitmask

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


# --- the same conversion in columns, for the batch job ------------------------------------------
#
# A county holds 100k open projects: a pydantic record per row costs more than the solve. The
# batch job turns the rows straight into the engine's array form instead. The result is exactly
# what ``matching.from_problem`` makes of the records above (same names, same codes, same order),
# so the engine sees the same problem either way; tests/catalog/test_batch.py checks that.


@dataclass(frozen=True, eq=False)
class RowArrays:
    """Rows as the engine's arrays, and which rows they came from."""

    arrays: matching.ProblemArrays
    project_db: np.ndarray  # int64 projects.id per engine project
    resource_db: np.ndarray  # int64 resources.id per engine resource
    unit_db: np.ndarray  # int64 units.id per engine unit
    no_point: list[int]  # positions of the project rows left out: no point, not even the community's


def problem_arrays(
    projects: Sequence[Row], resources: Sequence[Row], *, credit: Mapping[int, float],
    declined: Iterable[Row] = (), previous: Iterable[Row] = (), now: dt.datetime, today: dt.date,
) -> RowArrays:
    """Open project rows and published resource rows (``batch_open_projects`` /
    ``batch_open_resources``) as the engine's :class:`matching.ProblemArrays`, without a record
    per row: what :func:`project_in` and :func:`resource_in` say, column by column.

    ``credit``: unit id -> credit score; ``declined``: rows with ``project_id`` and ``unit_id``;
    ``previous``: rows with ``project_id`` and ``resource_id`` (pairs naming a project or unit
    left out are dropped, as the records' references would be).
    """
    bonus = {u.value: b for u, b in URGENCY_BONUS.items()}
    no_point: list[int] = []
    p_db, number, community, street, lat, lon, cat, sub = [], [], [], [], [], [], [], []
    skills: list[list[str]] = []
    start, end, priority, waiting, k, hours = [], [], [], [], [], []
    for i, r in enumerate(projects):
        if r["lat"] is None:
            no_point.append(i)
            continue
        s = max(0, day(r["window_start"], today, 0))
        p_db.append(r["id"])
        number.append(r["number"])
        community.append(r["community_code"])
        street.append(r["street_code"])
        lat.append(r["lat"])
        lon.append(r["lon"])
        cat.append(r["category"])
        sub.append(r["subcategory"] or "")
        skills.append(list(r["required_skills"]))
        start.append(s)
        end.append(max(s, day(r["window_end"], today, s + HORIZON_DAYS)))
        priority.append((r["priority"] - 1) + bonus[r["urgency"]])
        waiting.append(max(0, (now - r["published_at"]).days))
        k.append(r["units_required"])
        hours.append(float(r["estimated_hours"]))
    P = len(p_db)

    r_db, r_unit_db, r_cat, r_sub, r_skills, r_comms = [], [], [], [], [], []
    r_lat, r_lon, r_radius, r_start, r_end, r_cap, r_budget, r_credit = [], [], [], [], [], [], [], []
    for r in resources:
        capacity = room_left(r)
        if capacity == 0:
            continue
        r_db.append(r["id"])
        r_unit_db.append(r["unit_id"])
        r_cat.append(r["category"])
        r_sub.append(r["subcategory"])
        r_skills.append(list(r["skills"]))
        r_comms.append(list(r["area_communities"]))
        has_centre = r["centre_lat"] is not None
        r_lat.append(r["centre_lat"] if has_centre else np.nan)
        r_lon.append(r["centre_lon"] if has_centre else np.nan)
        r_radius.append(float(r["radius_km"] or 0.0))
        r_start.append(day(r["valid_from"], today, -OPEN_END))
        r_end.append(day(r["valid_to"], today, OPEN_END))
        r_cap.append(-1 if capacity is None else capacity)
        r_budget.append(-1 if r["capacity_hours"] is None else round(float(r["capacity_hours"]) * 60))
        r_credit.append(float(credit[r["unit_id"]]))
    R = len(r_db)

    # subcategory = (category, subcategory) pair, as from_problem codes it; a resource without a
    # subcategory offers every one of its category
    cat_names, _ = intern_names(cat + r_cat)
    cat_code = {c: i for i, c in enumerate(cat_names.tolist())}
    sub_keys = sorted(set(zip(cat, sub)) | {(c, s or "") for c, s in zip(r_cat, r_sub)})
    sub_code = {key: i for i, key in enumerate(sub_keys)}
    subs_of_cat: dict[str, list[int]] = {}
    for (c, _s), i in sub_code.items():
        subs_of_cat.setdefault(c, []).append(i)
    r_sub_lists = [subs_of_cat[c] if s is None else [sub_code[(c, s)]] for c, s in zip(r_cat, r_sub)]
    r_sub_ptr = np.zeros(R + 1, dtype=np.int64)
    r_sub_ptr[1:] = np.cumsum([len(x) for x in r_sub_lists])

    comm_names, comm_inv = intern_names(community + [c for cs in r_comms for c in cs])
    r_comm_ptr = np.zeros(R + 1, dtype=np.int64)
    r_comm_ptr[1:] = np.cumsum([len(cs) for cs in r_comms])
    has_street = np.array([bool(s) for s in street], dtype=bool)
    street_names, street_inv = intern_names([s for s in street if s])
    p_street = np.full(P, -1, dtype=np.int32)
    p_street[has_street] = street_inv

    p_flat = [s for x in skills for s in x]
    skill_names, skill_inv = intern_names(p_flat + [s for x in r_skills for s in x])
    words = max(1, (len(skill_names) + 63) // 64)
    p_owner = np.repeat(np.arange(P), [len(x) for x in skills])
    r_owner = np.repeat(np.arange(R), [len(x) for x in r_skills])
    n_p = len(p_flat)

    unit_names, r_unit = intern_names([unit_ref(u) for u in r_unit_db])
    unit_of_name = {unit_ref(u): u for u in r_unit_db}
    unit_db = np.array([unit_of_name[n] for n in unit_names.tolist()], dtype=np.int64)
    p_index = {pid: i for i, pid in enumerate(p_db)}
    r_index = {rid: i for i, rid in enumerate(r_db)}
    u_index = {u: i for i, u in enumerate(unit_db.tolist())}
    dec = [(p_index[d["project_id"]], u_index[d["unit_id"]]) for d in declined
           if d["project_id"] in p_index and d["unit_id"] in u_index]
    prev = [(p_index[x["project_id"]], r_index[x["resource_id"]]) for x in previous
            if x["project_id"] in p_index and x["resource_id"] in r_index]

    def pairs(xs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        return (np.array([x for x, _ in xs], dtype=np.int64), np.array([y for _, y in xs], dtype=np.int64))

    arrays = matching.make_problem_arrays(
        project_ids=np.array(number, dtype=str),
        p_community=comm_inv[:P],
        p_lat=np.array(lat, dtype=np.float64),
        p_lon=np.array(lon, dtype=np.float64),
        p_sub=np.array([sub_code[key] for key in zip(cat, sub)], dtype=np.int32),
        p_skills=skill_bitmask(p_owner, skill_inv[:n_p].astype(np.int64), P, words),
        p_start=np.array(start, dtype=np.int64),
        p_end=np.array(end, dtype=np.int64),
        p_priority=np.array(priority, dtype=np.int64),
        p_waiting=np.array(waiting, dtype=np.int64),
        p_k=np.array(k, dtype=np.int64),
        p_minutes=np.rint(np.array(hours, dtype=np.float64) * 60).astype(np.int64),
        resource_ids=np.array([resource_ref(i) for i in r_db], dtype=str),
        r_unit=r_unit,
        r_sub_ptr=r_sub_ptr,
        r_sub=np.array([c for x in r_sub_lists for c in x], dtype=np.int32),
        r_skills=skill_bitmask(r_owner, skill_inv[n_p:].astype(np.int64), R, words),
        r_comm_ptr=r_comm_ptr,
        r_comm=comm_inv[P:],
        r_lat=np.array(r_lat, dtype=np.float64),
        r_lon=np.array(r_lon, dtype=np.float64),
        r_radius_km=np.array(r_radius, dtype=np.float64),
        r_start=np.array(r_start, dtype=np.int64),
        r_end=np.array(r_end, dtype=np.int64),
        r_capacity=np.array(r_cap, dtype=np.int64),
        r_budget_minutes=np.array(r_budget, dtype=np.int64),
        r_credit=np.array(r_credit, dtype=np.float64),
        unit_ids=unit_names,
        communities=comm_names,
        sub_category=np.array([cat_code[c] for c, _s in sub_keys], dtype=np.int32),
        categories=cat_names,
        subcategories=np.array([s for _c, s in sub_keys], dtype=str),
        p_street=p_street,
        streets=street_names,
        declined=pairs(dec),
        previous=pairs(prev),
        skill_names=skill_names,
    )
    return RowArrays(arrays=arrays, project_db=np.array(p_db, dtype=np.int64),
                     resource_db=np.array(r_db, dtype=np.int64), unit_db=unit_db, no_point=no_point)
