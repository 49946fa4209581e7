"""The array form of a problem: what the engine actually works on.

A million projects must not become a million Python objects, so the engine sees one frozen
dataclass of numpy arrays. Strings are interned to integer codes (tables of names keep the
codes readable), skills are bitmasks, variable-length lists are CSR (``ptr``/``idx``) pairs.

Building it from raw arrays (what a benchmark or a database snapshot does) goes through
`make_problem_arrays`, which fills defaults and checks shapes, dtypes and code ranges once::

    a = make_problem_arrays(
        p_community=pc, p_lat=plat, p_lon=plon, p_sub=psub,      # (P,) ints / floats
        p_start=ps, p_end=pe,                                    # (P,) day numbers, inclusive
        r_unit=ru, r_start=rs, r_end=re,                         # (R,)
        r_sub=rsub, r_sub_ptr=rsub_ptr,                          # CSR of offered subcategories
        r_comm=rc, r_comm_ptr=rc_ptr,                            # CSR of communities served
        r_lat=rlat, r_lon=rlon, r_radius_km=rrad,                # circle areas (0 = none)
        r_capacity=cap,                                          # projects per period, -1 none
        # optional: p_skills/r_skills (uint64 bitmasks), p_priority, p_waiting, p_k,
        # p_minutes, r_budget_minutes (-1 none), r_credit, sub_category, ids and names,
        # fixed=(p_idx, r_idx), declined=(p_idx, unit_idx), previous=(p_idx, r_idx)
    )
    plan = solve_arrays(a, Params(), seed=0)

A resource serves a project when it offers the project's subcategory code, the project's
community is in its list or the project lies within ``r_radius_km`` of (r_lat, r_lon), it has
every required skill bit, and the time windows overlap. ``sub_category`` maps subcategory
codes to category codes (for the supply-gap table); by default each subcategory is its own
category.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

NO_STREET = -1

# index pairs: an (n, 2) array or a pair of arrays
Pairs = tuple[ArrayLike, ArrayLike] | ArrayLike | None


@dataclass(frozen=True, eq=False)
class ProblemArrays:
    # --- projects, length P -------------------------------------------------------------
    project_ids: np.ndarray
    p_community: np.ndarray  # int32 code into `communities`
    p_lat: np.ndarray  # float64 degrees
    p_lon: np.ndarray
    p_sub: np.ndarray  # int32 code into `subcategories` (category + subcategory pair)
    p_skills: np.ndarray  # uint64 (P, W) bitmask of required skills
    p_start: np.ndarray  # int64 day number
    p_end: np.ndarray  # int64, inclusive
    p_priority: np.ndarray  # int64
    p_waiting: np.ndarray  # int64 days
    p_k: np.ndarray  # int64 units required
    p_minutes: np.ndarray  # int64 work minutes (hours budgets)
    # --- resources, length R ------------------------------------------------------------
    resource_ids: np.ndarray
    r_unit: np.ndarray  # int32 code into `unit_ids`
    r_sub_ptr: np.ndarray  # int64 (R+1): offered subcategory codes, CSR
    r_sub: np.ndarray  # int32
    r_skills: np.ndarray  # uint64 (R, W)
    r_comm_ptr: np.ndarray  # int64 (R+1): communities served, CSR
    r_comm: np.ndarray  # int32
    r_lat: np.ndarray  # float64, NaN when the resource has no location
    r_lon: np.ndarray
    r_radius_km: np.ndarray  # float64, 0 = no circular area
    r_start: np.ndarray
    r_end: np.ndarray
    r_capacity: np.ndarray  # int64 projects per period, -1 = no count limit
    r_budget_minutes: np.ndarray  # int64, -1 = no hours budget
    r_credit: np.ndarray  # float64 0..100
    # --- names ---------------------------------------------------------------------------
    unit_ids: np.ndarray
    communities: np.ndarray  # names, indexed by community code
    sub_category: np.ndarray  # int32: subcategory code -> category code
    categories: np.ndarray  # names by category code
    subcategories: np.ndarray  # names by subcategory code
    p_street: np.ndarray  # int32 code into `streets`, -1 unknown
    streets: np.ndarray
    # --- decisions people made ------------------------------------------------------------
    fixed_p: np.ndarray  # int64 project index of accepted claims
    fixed_r: np.ndarray  # int64 resource index
    declined_p: np.ndarray  # int64 project index
    declined_u: np.ndarray  # int64 unit index
    previous_p: np.ndarray
    previous_r: np.ndarray
    skill_names: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))

    @property
    def n_projects(self) -> int:
        return len(self.p_lat)

    @property
    def n_resources(self) -> int:
        return len(self.r_unit)

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)

    @property
    def p_category(self) -> NDArray[Any]:
        out: NDArray[Any] = self.sub_category[self.p_sub]
        return out


def _i64(a: ArrayLike | None, n: int | None = None, default: int | None = None) -> NDArray[np.int64]:
    if a is None:
        a = np.full(n, default, dtype=np.int64)
    return np.ascontiguousarray(a, dtype=np.int64)


def _names(a: ArrayLike | None, n: int, prefix: str) -> NDArray[Any]:
    if a is None:
        return np.array([f"{prefix}{i}" for i in range(n)])
    return np.asarray(a)


def _skills(a: ArrayLike | None, n: int) -> NDArray[np.uint64]:
    if a is None:
        return np.zeros((n, 1), dtype=np.uint64)
    b = np.asarray(a, dtype=np.uint64)
    return np.ascontiguousarray(b if b.ndim == 2 else b.reshape(n, 1))


def _csr_from_single(codes: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    c = np.asarray(codes, dtype=np.int32)
    return np.arange(len(c) + 1, dtype=np.int64), c


def make_problem_arrays(
    *,
    p_community: ArrayLike,
    p_lat: ArrayLike,
    p_lon: ArrayLike,
    p_sub: ArrayLike,
    p_start: ArrayLike,
    p_end: ArrayLike,
    r_unit: ArrayLike,
    r_start: ArrayLike,
    r_end: ArrayLike,
    r_sub: ArrayLike | None = None,
    r_sub_ptr: ArrayLike | None = None,
    r_comm: ArrayLike | None = None,
    r_comm_ptr: ArrayLike | None = None,
    r_lat: ArrayLike | None = None,
    r_lon: ArrayLike | None = None,
    r_radius_km: ArrayLike | None = None,
    r_capacity: ArrayLike | None = None,
    r_budget_minutes: ArrayLike | None = None,
    r_credit: ArrayLike | None = None,
    p_skills: ArrayLike | None = None,
    r_skills: ArrayLike | None = None,
    p_priority: ArrayLike | None = None,
    p_waiting: ArrayLike | None = None,
    p_k: ArrayLike | None = None,
    p_minutes: ArrayLike | None = None,
    sub_category: ArrayLike | None = None,
    project_ids: ArrayLike | None = None,
    resource_ids: ArrayLike | None = None,
    unit_ids: ArrayLike | None = None,
    communities: ArrayLike | None = None,
    categories: ArrayLike | None = None,
    subcategories: ArrayLike | None = None,
    p_street: ArrayLike | None = None,
    streets: ArrayLike | None = None,
    fixed: Pairs = None,
    declined: Pairs = None,
    previous: Pairs = None,
    skill_names: ArrayLike | None = None,
) -> ProblemArrays:
    """Build and check the array form from raw numpy arrays, without per-record objects.

    Codes are plain non-negative integers (community, subcategory, unit, street). ``r_sub``
    without ``r_sub_ptr`` means one subcategory per resource; likewise ``r_comm``. Skills are
    uint64 bitmasks of shape (n,) or (n, words). ``fixed``/``previous`` are (project, resource)
    index pairs, ``declined`` (project, unit) pairs, each an (n, 2) array or a pair of arrays.
    Omitted optional fields get neutral defaults (priority 0, k 1, no hours, credit 60, no
    circle, unlimited count capacity only if an hours budget is given).
    """
    P, R = len(np.asarray(p_lat)), len(np.asarray(r_unit))
    if r_sub is None:
        raise ValueError("r_sub is required")
    if r_sub_ptr is None:
        r_sub_ptr, r_sub = _csr_from_single(r_sub)
    r_sub = np.asarray(r_sub)
    if r_comm is None:
        r_comm_ptr, r_comm = np.zeros(R + 1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    elif r_comm_ptr is None:
        r_comm_ptr, r_comm = _csr_from_single(r_comm)
    r_unit = np.ascontiguousarray(r_unit, dtype=np.int32)
    n_units = int(r_unit.max()) + 1 if R else 0
    p_sub = np.ascontiguousarray(p_sub, dtype=np.int32)
    n_sub = max(int(p_sub.max()) + 1 if P else 0, int(np.max(r_sub)) + 1 if len(r_sub) else 0)
    if sub_category is None:
        sub_category = np.arange(n_sub, dtype=np.int32)
    sub_category = np.ascontiguousarray(sub_category, dtype=np.int32)
    p_community = np.ascontiguousarray(p_community, dtype=np.int32)
    r_comm = np.ascontiguousarray(r_comm, dtype=np.int32)
    n_comm = max(int(p_community.max()) + 1 if P else 0, int(r_comm.max()) + 1 if len(r_comm) else 0)

    def pairs(x: Pairs) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        if x is None:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        if isinstance(x, tuple):
            return _i64(x[0]), _i64(x[1])
        xy = np.asarray(x, dtype=np.int64).reshape(-1, 2)
        return np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])

    fp, fr = pairs(fixed)
    dp, du = pairs(declined)
    vp, vr = pairs(previous)
    p_sk, r_sk = _skills(p_skills, P), _skills(r_skills, R)
    w = max(p_sk.shape[1], r_sk.shape[1])
    p_sk = np.pad(p_sk, ((0, 0), (0, w - p_sk.shape[1])))
    r_sk = np.pad(r_sk, ((0, 0), (0, w - r_sk.shape[1])))
    budget = _i64(r_budget_minutes, R, -1)
    cap = _i64(r_capacity, R, -1) if r_capacity is not None else np.where(budget >= 0, -1, 0)
    n_cat = int(sub_category.max()) + 1 if len(sub_category) else 0
    arr = ProblemArrays(
        project_ids=_names(project_ids, P, "p"),
        p_community=p_community,
        p_lat=np.ascontiguousarray(p_lat, dtype=np.float64),
        p_lon=np.ascontiguousarray(p_lon, dtype=np.float64),
        p_sub=p_sub,
        p_skills=p_sk,
        p_start=_i64(p_start),
        p_end=_i64(p_end),
        p_priority=_i64(p_priority, P, 0),
        p_waiting=_i64(p_waiting, P, 0),
        p_k=_i64(p_k, P, 1),
        p_minutes=_i64(p_minutes, P, 0),
        resource_ids=_names(resource_ids, R, "r"),
        r_unit=r_unit,
        r_sub_ptr=_i64(r_sub_ptr),
        r_sub=np.ascontiguousarray(r_sub, dtype=np.int32),
        r_skills=r_sk,
        r_comm_ptr=_i64(r_comm_ptr),
        r_comm=r_comm,
        r_lat=np.ascontiguousarray(np.full(R, np.nan) if r_lat is None else r_lat, dtype=np.float64),
        r_lon=np.ascontiguousarray(np.full(R, np.nan) if r_lon is None else r_lon, dtype=np.float64),
        r_radius_km=np.ascontiguousarray(
            np.zeros(R) if r_radius_km is None else r_radius_km, dtype=np.float64
        ),
        r_start=_i64(r_start),
        r_end=_i64(r_end),
        r_capacity=cap,
        r_budget_minutes=budget,
        r_credit=np.ascontiguousarray(
            np.full(R, 60.0) if r_credit is None else r_credit, dtype=np.float64
        ),
        unit_ids=_names(unit_ids, n_units, "u"),
        communities=_names(communities, n_comm, "c"),
        sub_category=sub_category,
        categories=_names(categories, n_cat, "cat"),
        subcategories=_names(subcategories, len(sub_category), "sub"),
        p_street=np.ascontiguousarray(
            np.full(P, -1) if p_street is None else p_street, dtype=np.int32
        ),
        streets=np.asarray([] if streets is None else streets, dtype=str),
        fixed_p=fp,
        fixed_r=fr,
        declined_p=dp,
        declined_u=du,
        previous_p=vp,
        previous_r=vr,
        skill_names=np.asarray([] if skill_names is None else skill_names, dtype=str),
    )
    check_arrays(arr)
    return arr


def check_arrays(a: ProblemArrays) -> None:
    """Fail early and by name on inconsistent arrays; the solver assumes all of this."""
    P, R = a.n_projects, a.n_resources
    errors: list[str] = []
    for f in fields(a):
        v = getattr(a, f.name)
        n = P if f.name.startswith("p_") or f.name == "project_ids" else None
        n = R if f.name.startswith("r_") and not f.name.endswith("_ptr") or f.name == "resource_ids" else n
        if f.name in ("r_sub", "r_comm"):
            n = None
        if n is not None and len(v) != n:
            errors.append(f"{f.name} has length {len(v)}, expected {n}")
    for ptr, idx in (("r_sub_ptr", "r_sub"), ("r_comm_ptr", "r_comm")):
        p = getattr(a, ptr)
        if len(p) != R + 1 or (R and (p[0] != 0 or p[-1] != len(getattr(a, idx)))) or np.any(np.diff(p) < 0):
            errors.append(f"{ptr} is not a valid CSR pointer for {idx}")
    n_sub, n_comm = len(a.sub_category), len(a.communities)
    checks = [
        ("p_sub", a.p_sub, n_sub), ("r_sub", a.r_sub, n_sub),
        ("p_community", a.p_community, n_comm), ("r_comm", a.r_comm, n_comm),
        ("r_unit", a.r_unit, a.n_units),
        ("fixed_p", a.fixed_p, P), ("fixed_r", a.fixed_r, R),
        ("declined_p", a.declined_p, P), ("declined_u", a.declined_u, a.n_units),
        ("previous_p", a.previous_p, P), ("previous_r", a.previous_r, R),
    ]
    for name, v, hi in checks:
        if len(v) and (v.min() < 0 or v.max() >= hi):
            errors.append(f"{name} has codes outside [0, {hi})")
    if np.any(a.p_end < a.p_start) or np.any(a.r_end < a.r_start):
        errors.append("a time window ends before it starts")
    if np.any(a.p_k < 1):
        errors.append("p_k must be >= 1")
    if np.any(a.p_minutes < 0) or np.any(a.p_priority < 0) or np.any(a.p_waiting < 0):
        errors.append("p_minutes, p_priority and p_waiting must be >= 0")
    if np.any((a.r_capacity < 0) & (a.r_budget_minutes < 0)):
        errors.append("every resource needs a count capacity or an hours budget")
    if not (np.all(np.isfinite(a.p_lat)) and np.all(np.isfinite(a.p_lon))):
        errors.append("project coordinates must be finite")
    if np.any(a.r_radius_km < 0) or np.any((a.r_radius_km > 0) & ~np.isfinite(a.r_lat)):
        errors.append("a circular service area needs a finite centre and radius >= 0")
    if a.p_skills.shape[1] != a.r_skills.shape[1]:
        errors.append("p_skills and r_skills must have the same number of words")
    if len(np.unique(a.project_ids)) != P or len(np.unique(a.resource_ids)) != R:
        errors.append("project and resource ids must be unique")
    if errors:
        raise ValueError("invalid problem arrays: " + "; ".join(errors))


def intern_names(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct names and each value's code (int32): how names become array codes."""
    if not values:
        return np.array([], dtype=str), np.zeros(0, dtype=np.int32)
    names, inv = np.unique(np.asarray(values), return_inverse=True)
    return names, inv.astype(np.int32)


def skill_bitmask(owner: np.ndarray, code: np.ndarray, n: int, words: int) -> np.ndarray:
    """An (n, words) uint64 bitmask with bit ``code`` set in row ``owner``, pair by pair."""
    out = np.zeros((n, words), dtype=np.uint64)
    if len(code):
        bits = np.left_shift(np.uint64(1), (code % 64).astype(np.uint64))
        np.bitwise_or.at(out, (owner, code // 64), bits)
    return out
