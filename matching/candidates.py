"""Candidate pairs from an index by subcategory x spatial cell, with the filter that emptied
each project's candidate set.

The index is a sorted table of integer keys (subcategory, grid cell) and (subcategory,
community) pointing at resources; projects look their own two keys up with `searchsorted`, so
the work is proportional to the pairs that share a cell, never to projects x resources. The
hard filters then run in a fixed order on the pair arrays, and the first one that leaves a
project with no pair is its reason code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .arrays import ProblemArrays
from .params import Params
from .reasons import Unmatched
from .rules import (
    KM_PER_DEG_LAT,
    KM_PER_DEG_LON,
    RuleTables,
    is_member,
    pair_keys,
    pair_terms,
)

_OFF = np.int64(1 << 21)
_CELL_BITS = np.int64(1 << 22)
_SUB_SHIFT = np.int64(1 << 44)


@dataclass(frozen=True, eq=False)
class Residual:
    """What accepted claims leave: capacity, hours and the units already on each project."""

    capacity: NDArray[np.int64]  # per resource, -1 = no count limit
    budget: NDArray[np.int64]  # minutes per resource, -1 = no hours budget
    k_need: NDArray[np.int64]  # per project: units still to find
    fixed_count: NDArray[np.int64]  # per project
    fixed_unit_keys: NDArray[np.int64]  # sorted (project, unit) keys of accepted claims


def residual(a: ProblemArrays) -> Residual:
    fixed_per_r = np.bincount(a.fixed_r, minlength=a.n_resources)
    mins_per_r = np.bincount(a.fixed_r, weights=a.p_minutes[a.fixed_p], minlength=a.n_resources)
    cap = np.where(a.r_capacity >= 0, a.r_capacity - fixed_per_r, -1)
    bud = np.where(a.r_budget_minutes >= 0, a.r_budget_minutes - mins_per_r.astype(np.int64), -1)
    if np.any((a.r_capacity >= 0) & (cap < 0)) or np.any((a.r_budget_minutes >= 0) & (bud < 0)):
        over = np.flatnonzero(((a.r_capacity >= 0) & (cap < 0)) | ((a.r_budget_minutes >= 0) & (bud < 0)))
        raise ValueError(
            "accepted claims exceed the capacity of resources "
            f"{a.resource_ids[over[:5]].tolist()}"
        )
    fcount = np.bincount(a.fixed_p, minlength=a.n_projects)
    return Residual(
        capacity=cap.astype(np.int64),
        budget=bud.astype(np.int64),
        k_need=np.maximum(a.p_k - fcount, 0),
        fixed_count=fcount,
        fixed_unit_keys=np.sort(pair_keys(a.fixed_p, a.r_unit[a.fixed_r], max(1, a.n_units))),
    )


@dataclass(frozen=True, eq=False)
class Candidates:
    p: NDArray[np.int64]  # project index
    r: NDArray[np.int64]  # resource index
    score: NDArray[np.int64]  # points x scale (pair terms, without load)
    reason: NDArray[np.int8]  # per project: first emptying filter, 0 if it has candidates
    res: Residual
    counts: dict[str, int]


class Grid:
    """Equirectangular grid in km around the projects' mean latitude."""

    def __init__(self, a: ProblemArrays, params: Params) -> None:
        self.cell = params.cell_km
        lat0 = float(np.mean(a.p_lat)) if a.n_projects else 0.0
        self.coslat0 = np.cos(np.radians(lat0))

    def xy(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return lon * (KM_PER_DEG_LON * self.coslat0 / self.cell), lat * (KM_PER_DEG_LAT / self.cell)

    @staticmethod
    def cell_key(ix: NDArray[Any], iy: NDArray[Any]) -> NDArray[np.int64]:
        return (ix.astype(np.int64) + _OFF) * _CELL_BITS + (iy.astype(np.int64) + _OFF)

    def circle_cells(self, lat: NDArray[np.float64], lon: NDArray[np.float64], radius: NDArray[np.float64]
                     ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Cells overlapping each circle's bounding box: (owner, ix, iy), one row per cell."""
        x, y = self.xy(lat, lon)
        # longitude degrees per km grow with latitude; the exact test uses the centre's own
        # cosine, so the box is exact up to the 1 % slack for rounding
        rx = radius * 1.01 * self.coslat0 / np.maximum(np.cos(np.radians(lat)), 1e-6) / self.cell
        ry = radius * 1.01 / self.cell
        x0, x1 = np.floor(x - rx).astype(np.int64), np.floor(x + rx).astype(np.int64)
        y0, y1 = np.floor(y - ry).astype(np.int64), np.floor(y + ry).astype(np.int64)
        nx, ny = x1 - x0 + 1, y1 - y0 + 1
        n = nx * ny
        owner = np.repeat(np.arange(len(lat)), n)
        t = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        return owner, x0[owner] + t % nx[owner], y0[owner] + t // nx[owner]

    def point_cells(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.int64]:
        x, y = self.xy(lat, lon)
        return self.cell_key(np.floor(x).astype(np.int64), np.floor(y).astype(np.int64))


def _expand_csr_product(ptr_a: NDArray[np.int64], ptr_b: NDArray[np.int64], owners: NDArray[Any]
                        ) -> tuple[NDArray[Any], NDArray[np.int64], NDArray[np.int64]]:
    """For each owner o, all (i, j) with i in block a[o] and j in block b[o]."""
    na = (ptr_a[1:] - ptr_a[:-1])[owners]
    nb = (ptr_b[1:] - ptr_b[:-1])[owners]
    n = na * nb
    own = np.repeat(owners, n)
    t = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    nbr = np.repeat(nb, n)
    return own, ptr_a[own] + t // np.maximum(nbr, 1), ptr_b[own] + t % np.maximum(nbr, 1)


def join(table_keys: NDArray[np.int64], table_vals: NDArray[Any], q_keys: NDArray[np.int64],
         q_owner: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """All (query owner, table value) with equal keys; the table is sorted here."""
    order = np.argsort(table_keys, kind="stable")
    tk, tv = table_keys[order], table_vals[order]
    lo = np.searchsorted(tk, q_keys, "left")
    hi = np.searchsorted(tk, q_keys, "right")
    n = hi - lo
    p = np.repeat(q_owner, n)
    pos = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
    return p, tv[pos]


class ResourceIndex:
    """Resources keyed by (subcategory, cell) for circles and (subcategory, community) lists."""

    def __init__(self, a: ProblemArrays, params: Params, grid: Grid | None = None) -> None:
        self.a = a
        self.grid = grid or Grid(a, params)
        R = a.n_resources
        self.n_comm = np.int64(max(1, len(a.communities)))
        circ = np.flatnonzero(a.r_radius_km > 0)
        owner, ix, iy = self.grid.circle_cells(a.r_lat[circ], a.r_lon[circ], a.r_radius_km[circ])
        cells = Grid.cell_key(ix, iy)
        # cross each circle cell with the resource's offered subcategories
        n_off = np.diff(a.r_sub_ptr)[circ][owner]
        rows = np.repeat(np.arange(len(owner)), n_off)
        t = np.arange(n_off.sum()) - np.repeat(np.cumsum(n_off) - n_off, n_off)
        res = circ[owner][rows]
        sub = a.r_sub[a.r_sub_ptr[res] + t]
        self.cell_keys = sub.astype(np.int64) * _SUB_SHIFT + cells[rows]
        self.cell_vals = res
        own, i_sub, i_comm = _expand_csr_product(a.r_sub_ptr, a.r_comm_ptr, np.arange(R))
        self.comm_keys = a.r_sub[i_sub].astype(np.int64) * self.n_comm + a.r_comm[i_comm]
        self.comm_vals = own
        # a list may name a community or subcategory twice; each pair must appear once
        self.cell_keys, self.cell_vals = _dedupe(self.cell_keys, self.cell_vals)
        self.comm_keys, self.comm_vals = _dedupe(self.comm_keys, self.comm_vals)
        self.both = np.zeros(R, dtype=bool)
        self.both[circ] = True
        self.both &= np.diff(a.r_comm_ptr) > 0

    def pairs(self, p: NDArray[Any], tables: RuleTables) -> tuple[NDArray[Any], NDArray[Any]]:
        """Pairs passing category and service area for the given projects."""
        a = self.a
        pc = self.grid.point_cells(a.p_lat[p], a.p_lon[p])
        p1, r1 = join(self.cell_keys, self.cell_vals, a.p_sub[p].astype(np.int64) * _SUB_SHIFT + pc, p)
        keep = tables.in_circle(p1, r1)
        if self.both.any():
            dup = self.both[r1]
            dup[dup] = is_comm(tables, p1[dup], r1[dup])
            keep &= ~dup
        p1, r1 = p1[keep], r1[keep]
        q2 = a.p_sub[p].astype(np.int64) * self.n_comm + a.p_community[p]
        p2, r2 = join(self.comm_keys, self.comm_vals, q2, p)
        return np.concatenate([p1, p2]), np.concatenate([r1, r2])


def _dedupe(keys: NDArray[np.int64], vals: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[Any]]:
    if len(keys) == 0:
        return keys, vals
    o = np.lexsort((vals, keys))
    k, v = keys[o], vals[o]
    keep = np.r_[True, (k[1:] != k[:-1]) | (v[1:] != v[:-1])]
    return k[keep], v[keep]


def is_comm(tables: RuleTables, p: NDArray[Any], r: NDArray[Any]) -> NDArray[np.bool_]:
    return is_member(tables.comm_keys, pair_keys(r, tables.a.p_community[p], tables.n_comm))


def pair_score(tables: RuleTables, params: Params, p: NDArray[Any], r: NDArray[Any],
               proj_terms: tuple[NDArray[np.int64], NDArray[np.int64]] | None,
               chunk: int = 1 << 20) -> NDArray[np.int64]:
    """Total pair score, in chunks so the (n, 7) term matrix never exists for all pairs."""
    out = np.empty(len(p), dtype=np.int64)
    for s in range(0, len(p), chunk):
        out[s:s + chunk] = pair_terms(tables, params, p[s:s + chunk], r[s:s + chunk], proj_terms).sum(axis=1)
    return out


def build_candidates(a: ProblemArrays, params: Params, tables: RuleTables,
                     index: ResourceIndex,
                     proj_terms: tuple[NDArray[np.int64], NDArray[np.int64]] | None
                     ) -> Candidates:
    res = residual(a)
    P = a.n_projects
    reason = np.zeros(P, dtype=np.int8)
    active = res.k_need > 0
    offered = np.zeros(max(1, len(a.sub_category)), dtype=bool)
    offered[a.r_sub] = True
    no_cat = active & ~offered[a.p_sub]
    reason[no_cat] = Unmatched.NO_CATEGORY
    live = np.flatnonzero(active & ~no_cat)
    p, r = index.pairs(live, tables)
    counts = {"area_pairs": len(p)}

    alive = np.zeros(P, dtype=bool)

    def stage(mask: NDArray[np.bool_] | None, code: Unmatched) -> None:
        nonlocal p, r
        if mask is not None:
            p, r = p[mask], r[mask]
        has = np.bincount(p, minlength=P) > 0
        lost = alive & ~has
        reason[lost] = code
        alive[:] = has

    alive[live] = True
    stage(None, Unmatched.NO_SERVICE_AREA)
    stage(tables.skills(p, r), Unmatched.NO_SKILLS)
    stage(tables.time_window(p, r), Unmatched.NO_TIME_WINDOW)
    cap_ok = (res.capacity[r] != 0) & ((res.budget[r] < 0) | (res.budget[r] >= a.p_minutes[p]))
    stage(cap_ok, Unmatched.NO_CAPACITY)
    # a unit that declined, or one already on the project through an accepted claim
    n_u = max(1, a.n_units)
    keys = pair_keys(p, a.r_unit[r], n_u)
    ok = ~tables.declined(p, r) & ~is_member(res.fixed_unit_keys, keys)
    stage(ok, Unmatched.DECLINED_BY_ALL)
    multi = res.k_need[p] > 1
    if multi.any():
        uk = np.unique(pair_keys(p[multi], a.r_unit[r[multi]], n_u))
        n_units = np.bincount(uk // n_u, minlength=P)
        enough = n_units[p] >= res.k_need[p]
        stage(enough | ~multi, Unmatched.TOO_FEW_UNITS)
    score = pair_score(tables, params, p, r, proj_terms)
    counts["pairs"] = len(p)
    return Candidates(p=p, r=r, score=score, reason=reason, res=res, counts=counts)
