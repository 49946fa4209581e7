"""The engine's one input builder: projects and resources as columns, keyed by the caller's ids.

A caller (the catalog's snapshot, its suggestions, the JSON `Problem` of ``sandan solve``) gives
each project and resource as plain columns, one list or array per field, with its own ids
(int64 database ids, or the text ids of a JSON file), and :func:`build_problem` does every
encoding the solver needs: category and subcategory codes, community and street codes, skill
bitmasks, unit codes, the CSR lists, and the index pairs of accepted claims, declines and last
run's proposals. No caller encodes anything itself, and no id is invented: the arrays' id
tables hold the caller's own ids, which is how a plan names its projects, resources and units.

Names and ids are coded in the order of their text (`intern_names`), so a problem whose ids
are numbers and the same problem written to JSON (ids as text) get the same codes and so the
same plan, ties included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .arrays import ProblemArrays, intern_names, make_problem_arrays, skill_bitmask
from .models import Problem

Id = Any  # the caller's id: an int (database ids) or a str (a JSON problem's)


@dataclass(frozen=True)
class ProjectColumns:
    """Open projects, one entry per project in every column.

    ``subcategory`` None or "" means the category as a whole; ``street`` None or "" unknown;
    ``start``/``end`` are day numbers (end inclusive); ``hours`` the estimated work."""

    id: Sequence[Id]
    community: Sequence[str]
    street: Sequence[str | None]
    lat: Sequence[float]
    lon: Sequence[float]
    category: Sequence[str]
    subcategory: Sequence[str | None]
    skills: Sequence[Sequence[str]]
    start: Sequence[int]
    end: Sequence[int]
    priority: Sequence[int]
    waiting: Sequence[int]
    units_required: Sequence[int]
    hours: Sequence[float]


@dataclass(frozen=True)
class ResourceColumns:
    """Published resources, one entry per resource in every column.

    ``categories``: the (category, subcategory) pairs offered, subcategory None for all of the
    category's; ``lat``/``lon`` the centre, NaN when none; ``radius_km`` 0 for no circle;
    ``capacity`` projects per period, -1 no count limit; ``hours_budget`` None for none."""

    id: Sequence[Id]
    unit: Sequence[Id]
    categories: Sequence[Sequence[tuple[str, str | None]]]
    skills: Sequence[Sequence[str]]
    communities: Sequence[Sequence[str]]
    lat: Sequence[float]
    lon: Sequence[float]
    radius_km: Sequence[float]
    start: Sequence[int]
    end: Sequence[int]
    capacity: Sequence[int]
    hours_budget: Sequence[float | None]
    credit: Sequence[float]


def _pairs(refs: Iterable[tuple[Id, Id]], left: dict[Id, int], right: dict[Id, int]
           ) -> tuple[np.ndarray, np.ndarray]:
    """(left id, right id) pairs as index pairs; a pair naming an id not in the problem is dropped."""
    xs = [(left[x], right[y]) for x, y in refs if x in left and y in right]
    return (np.array([x for x, _ in xs], dtype=np.int64), np.array([y for _, y in xs], dtype=np.int64))


def _ids(ids: Sequence[Id]) -> np.ndarray:
    a = np.asarray(ids)
    return a if len(a) else np.array([], dtype=str)


def _text_order(ids: Sequence[Id]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ids in the order of their text, and each entry's code (int32)."""
    keys = _ids(ids)
    if not len(keys):
        return keys, np.zeros(0, dtype=np.int32)
    _, first, inv = np.unique(keys.astype(str), return_index=True, return_inverse=True)
    return keys[first], inv.astype(np.int32)


def _bitmasks(p_lists: Sequence[Sequence[str]], r_lists: Sequence[Sequence[str]]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Skill names of projects and resources as (P, W) and (R, W) bitmasks over one name table."""
    p_flat = [s for x in p_lists for s in x]
    names, inv = intern_names(p_flat + [s for x in r_lists for s in x])
    words = max(1, (len(names) + 63) // 64)
    P, R, n_p = len(p_lists), len(r_lists), len(p_flat)
    p_owner = np.repeat(np.arange(P), [len(x) for x in p_lists])
    r_owner = np.repeat(np.arange(R), [len(x) for x in r_lists])
    return (skill_bitmask(p_owner, inv[:n_p].astype(np.int64), P, words),
            skill_bitmask(r_owner, inv[n_p:].astype(np.int64), R, words), names)


def build_problem(
    projects: ProjectColumns, resources: ResourceColumns, *, fixed: Iterable[tuple[Id, Id]] = (),
    declined: Iterable[tuple[Id, Id]] = (), previous: Iterable[tuple[Id, Id]] = (),
) -> ProblemArrays:
    """The engine's arrays for these projects and resources.

    ``fixed`` (accepted claims) and ``previous`` (last run's proposals) are (project id,
    resource id) pairs, ``declined`` (project id, unit id) pairs; a pair naming a project,
    resource or unit that is not in the problem is dropped.
    """
    ps, rs = projects, resources
    P, R = len(ps.id), len(rs.id)
    p_sub_keys = [(c, s or "") for c, s in zip(ps.category, ps.subcategory, strict=True)]
    r_cats = [list(x) for x in rs.categories]

    # subcategory = (category, subcategory) pair; "" is the category as a whole, and a resource
    # offering a category without a subcategory offers every subcategory of it
    cat_names, _ = intern_names(list(ps.category) + [c for x in r_cats for c, _s in x])
    cat_code = {c: i for i, c in enumerate(cat_names.tolist())}
    sub_keys = sorted(set(p_sub_keys) | {(c, s or "") for x in r_cats for c, s in x})
    sub_code = {key: i for i, key in enumerate(sub_keys)}
    subs_of_cat: dict[str, list[int]] = {}
    for (c, _s), i in sub_code.items():
        subs_of_cat.setdefault(c, []).append(i)
    r_sub_lists: list[list[int]] = []
    for x in r_cats:
        if len(x) == 1:  # the common case, one category per resource: no set needed
            c, s = x[0]
            r_sub_lists.append(subs_of_cat[c] if s is None else [sub_code[(c, s)]])
            continue
        codes: set[int] = set()
        for c, s in x:
            codes.update(subs_of_cat[c] if s is None else [sub_code[(c, s)]])
        r_sub_lists.append(sorted(codes))
    r_sub_ptr = np.zeros(R + 1, dtype=np.int64)
    r_sub_ptr[1:] = np.cumsum([len(x) for x in r_sub_lists])

    comm_names, comm_inv = intern_names(list(ps.community) + [c for cs in rs.communities for c in cs])
    r_comm_ptr = np.zeros(R + 1, dtype=np.int64)
    r_comm_ptr[1:] = np.cumsum([len(cs) for cs in rs.communities])
    has_street = np.array([bool(s) for s in ps.street], dtype=bool)
    street_names, street_inv = intern_names([s for s in ps.street if s])
    p_street = np.full(P, -1, dtype=np.int32)
    p_street[has_street] = street_inv
    p_skills, r_skills, skill_names = _bitmasks(ps.skills, rs.skills)

    unit_ids, r_unit = _text_order(rs.unit)
    p_index = {x: i for i, x in enumerate(np.asarray(ps.id).tolist())}
    r_index = {x: i for i, x in enumerate(np.asarray(rs.id).tolist())}
    u_index = {x: i for i, x in enumerate(unit_ids.tolist())}

    return make_problem_arrays(
        project_ids=_ids(ps.id),
        p_community=comm_inv[:P],
        p_lat=np.asarray(ps.lat, dtype=np.float64),
        p_lon=np.asarray(ps.lon, dtype=np.float64),
        p_sub=np.array([sub_code[key] for key in p_sub_keys], dtype=np.int32),
        p_skills=p_skills,
        p_start=np.asarray(ps.start, dtype=np.int64),
        p_end=np.asarray(ps.end, dtype=np.int64),
        p_priority=np.asarray(ps.priority, dtype=np.int64),
        p_waiting=np.asarray(ps.waiting, dtype=np.int64),
        p_k=np.asarray(ps.units_required, dtype=np.int64),
        p_minutes=np.rint(np.asarray(ps.hours, dtype=np.float64) * 60).astype(np.int64),
        resource_ids=_ids(rs.id),
        r_unit=r_unit,
        r_sub_ptr=r_sub_ptr,
        r_sub=np.array([c for x in r_sub_lists for c in x], dtype=np.int32),
        r_skills=r_skills,
        r_comm_ptr=r_comm_ptr,
        r_comm=comm_inv[P:],
        r_lat=np.asarray(rs.lat, dtype=np.float64),
        r_lon=np.asarray(rs.lon, dtype=np.float64),
        r_radius_km=np.asarray(rs.radius_km, dtype=np.float64),
        r_start=np.asarray(rs.start, dtype=np.int64),
        r_end=np.asarray(rs.end, dtype=np.int64),
        r_capacity=np.asarray(rs.capacity, dtype=np.int64),
        r_budget_minutes=np.array([-1 if h is None else round(h * 60) for h in rs.hours_budget], dtype=np.int64),
        r_credit=np.asarray(rs.credit, dtype=np.float64),
        unit_ids=unit_ids,
        communities=comm_names,
        sub_category=np.array([cat_code[c] for c, _s in sub_keys], dtype=np.int32),
        categories=cat_names,
        subcategories=np.array([s for _c, s in sub_keys], dtype=str),
        p_street=p_street,
        streets=street_names,
        fixed=_pairs(fixed, p_index, r_index),
        declined=_pairs(declined, p_index, u_index),
        previous=_pairs(previous, p_index, r_index),
        skill_names=skill_names,
    )


def from_problem(problem: Problem) -> ProblemArrays:
    """The JSON problem (``sandan solve``'s input) as columns, through :func:`build_problem`."""
    ps, rs = problem.projects, problem.resources

    def centre(pt: Any, attr: str) -> float:
        return float(getattr(pt, attr)) if pt is not None else float("nan")

    centres = [r.area.center or r.point for r in rs]
    projects = ProjectColumns(
        id=[p.id for p in ps], community=[p.community for p in ps], street=[p.street for p in ps],
        lat=[p.point.lat for p in ps], lon=[p.point.lon for p in ps], category=[p.category for p in ps],
        subcategory=[p.subcategory for p in ps], skills=[p.skills for p in ps], start=[p.start for p in ps],
        end=[p.end for p in ps], priority=[p.priority for p in ps], waiting=[p.days_waiting for p in ps],
        units_required=[p.units_required for p in ps], hours=[p.hours for p in ps],
    )
    resources = ResourceColumns(
        id=[r.id for r in rs], unit=[r.unit for r in rs],
        categories=[[(c.category, c.subcategory) for c in r.categories] for r in rs],
        skills=[r.skills for r in rs], communities=[r.area.communities for r in rs],
        lat=[centre(c, "lat") for c in centres], lon=[centre(c, "lon") for c in centres],
        radius_km=[r.area.radius_km or 0.0 for r in rs], start=[r.start for r in rs], end=[r.end for r in rs],
        capacity=[-1 if r.capacity is None else r.capacity for r in rs],
        hours_budget=[r.hours_budget for r in rs], credit=[r.credit for r in rs],
    )
    return build_problem(
        projects, resources, fixed=[(f.project, f.resource) for f in problem.fixed],
        declined=[(d.project, d.unit) for d in problem.declined],
        previous=[(f.project, f.resource) for f in problem.previous],
    )
