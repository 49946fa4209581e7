"""Hard rules and soft terms as vectorised functions of (project, resource) index arrays.

The candidate generator, the validator and the suggestion index all call these, so a rule has
one definition. The validator checks pairs through these functions directly, never through the
spatial index, which makes it an independent check of the index.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .arrays import ProblemArrays
from .params import Params

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320


def distance_km(lat1: NDArray[np.float64], lon1: NDArray[np.float64], lat2: NDArray[np.float64],
                lon2: NDArray[np.float64]) -> NDArray[np.float64]:
    """Equirectangular distance about the second point's latitude: within 0.1 % of haversine
    at city scale, and with the cosine per resource it costs no trigonometry per pair."""
    return np.sqrt(_dist2(lat1, lon1, lat2, lon2 * 1.0, np.cos(np.radians(lat2))))


def _dist2(lat1: NDArray[np.float64], lon1: NDArray[np.float64], lat2: NDArray[np.float64],
           lon2: NDArray[np.float64], coslat2: NDArray[np.float64]) -> NDArray[np.float64]:
    dx = (lon1 - lon2) * coslat2 * KM_PER_DEG_LON
    dy = (lat1 - lat2) * KM_PER_DEG_LAT
    return dx * dx + dy * dy


def pair_keys(a_idx: NDArray[Any], b_idx: NDArray[Any], n_b: int) -> NDArray[np.int64]:
    return a_idx.astype(np.int64) * np.int64(n_b) + b_idx.astype(np.int64)


def is_member(sorted_keys: NDArray[np.int64], query: NDArray[np.int64]) -> NDArray[np.bool_]:
    if len(sorted_keys) == 0:
        return np.zeros(len(query), dtype=bool)
    pos = np.searchsorted(sorted_keys, query)
    pos = np.minimum(pos, len(sorted_keys) - 1)
    found: NDArray[np.bool_] = sorted_keys[pos] == query
    return found


def csr_owner(ptr: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.repeat(np.arange(len(ptr) - 1, dtype=np.int64), np.diff(ptr))


class RuleTables:
    """Sorted key tables for set-membership rules, built once per problem."""

    def __init__(self, a: ProblemArrays) -> None:
        self.a = a
        self.n_sub = max(1, len(a.sub_category))
        self.n_comm = max(1, len(a.communities))
        self.offer_keys = np.sort(pair_keys(csr_owner(a.r_sub_ptr), a.r_sub, self.n_sub))
        self.comm_keys = np.sort(pair_keys(csr_owner(a.r_comm_ptr), a.r_comm, self.n_comm))
        self.declined_keys = np.sort(pair_keys(a.declined_p, a.declined_u, max(1, a.n_units)))
        self.previous_keys = np.sort(pair_keys(a.previous_p, a.previous_r, max(1, a.n_resources)))
        self.r_coslat = np.cos(np.radians(a.r_lat))
        self.r_radius2 = a.r_radius_km * a.r_radius_km

    def distance(self, p: NDArray[Any], r: NDArray[Any]) -> NDArray[np.float64]:
        """Project to resource location in km; NaN when the resource has no location."""
        a = self.a
        return np.sqrt(_dist2(a.p_lat[p], a.p_lon[p], a.r_lat[r], a.r_lon[r], self.r_coslat[r]))

    # --- hard rules -----------------------------------------------------------------------
    def category(self, p: NDArray[Any], r: NDArray[Any]) -> NDArray[np.bool_]:
        return is_member(self.offer_keys, pair_keys(r, self.a.p_sub[p], self.n_sub))

    def in_circle(self, p: NDArray[Any], r: NDArray[Any]) -> NDArray[np.bool_]:
        a = self.a
        d2 = _dist2(a.p_lat[p], a.p_lon[p], a.r_lat[r], a.r_lon[r], self.r_coslat[r])
        inside: NDArray[np.bool_] = (a.r_radius_km[r] > 0) & (d2 <= self.r_radius2[r])
        return inside

    def service_area(self, p: NDArray[Any], r: NDArray[Any]) -> NDArray[np.bool_]:
        a = self.a
        in_comm = is_member(self.comm_keys, pair_keys(r, a.p_community[p], self.n_comm))
        return in_comm | self.in_circle(p, r)

    def skills(self, p: NDArray[Any], r: NDArray[Any]) -> NDArray[np.bool_]:
        a = self.a
        need = a.p_skills[p]
        has_all: NDArray[np.bool_] = np.all((a.r_skills[r] & need) == need, axis=1)
        return has_all

    def time_window(self, p: NDArray[Any], r: NDArray[Any]) -> NDArray[np.bool_]:
        a = self.a
        overlap: NDArray[np.bool_] = (a.p_start[p] <= a.r_end[r]) & (a.r_start[r] <= a.p_end[p])
        return overlap

    def declined(self, p: NDArray[Any], r: NDArray[Any]) -> NDArray[np.bool_]:
        return is_member(self.declined_keys, pair_keys(p, self.a.r_unit[r], max(1, self.a.n_units)))

    def previous(self, p: NDArray[Any], r: NDArray[Any]) -> NDArray[np.bool_]:
        return is_member(self.previous_keys, pair_keys(p, r, max(1, self.a.n_resources)))


# --- soft terms ----------------------------------------------------------------------------

PAIR_TERMS = ("match", "skill", "distance", "credit", "urgency", "waiting", "stability")


def _popcount(x: NDArray[np.uint64]) -> NDArray[np.float64]:
    bits: NDArray[np.float64] = np.bitwise_count(x).sum(axis=-1).astype(np.float64)
    return bits


def project_terms(a: ProblemArrays, params: Params
                  ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Urgency and waiting depend on the project only; they decide who wins scarce capacity."""
    s = params.scale
    urg = np.rint(params.w_urgency * s * np.minimum(a.p_priority, params.max_priority)
                  / params.max_priority).astype(np.int64)
    wait = np.rint(params.w_waiting * s * np.minimum(a.p_waiting / params.waiting_full_days, 1.0)
                   ).astype(np.int64)
    return urg, wait


def distance_score(params: Params, d: NDArray[np.float64]) -> NDArray[np.float64]:
    """1 inside a short walk (the 5-minute service circle), then exponential decay."""
    over = np.maximum(d - params.walk_km, 0.0)
    out = np.exp(-over / params.distance_decay_km)
    return np.where(np.isnan(d), params.distance_unknown, out)


def pair_terms(tables: RuleTables, params: Params, p: NDArray[Any], r: NDArray[Any],
               proj_terms: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
               ) -> NDArray[np.int64]:
    """Integer points x scale for every pair term, shape (n, 7), columns as PAIR_TERMS.

    Skill fit prefers specialists: (1 + required) / (1 + offered) skills, so a resource with
    many skills is kept for the projects only it can do.
    """
    a, s = tables.a, params.scale
    n = len(p)
    out = np.empty((n, len(PAIR_TERMS)), dtype=np.int64)
    out[:, 0] = round(params.w_match * s)
    fit = (1.0 + _popcount(a.p_skills[p])) / (1.0 + _popcount(a.r_skills[r]))
    out[:, 1] = np.rint(params.w_skill * s * np.minimum(fit, 1.0))
    d = tables.distance(p, r)
    out[:, 2] = np.rint(params.w_distance * s * distance_score(params, d))
    out[:, 3] = np.rint(params.w_credit * s * np.clip(a.r_credit[r], 0, 100) / 100.0)
    urg, wait = proj_terms if proj_terms is not None else project_terms(a, params)
    out[:, 4] = urg[p]
    out[:, 5] = wait[p]
    out[:, 6] = np.where(tables.previous(p, r), round(params.w_stability * s), 0)
    return out


def unit_nominal(a: ProblemArrays, params: Params) -> NDArray[np.int64]:
    """Capacity each unit's load is measured against: projects, plus hours budgets in slots."""
    cap = np.where(a.r_capacity >= 0, a.r_capacity, 0).astype(np.float64)
    hours_only = (a.r_capacity < 0) & (a.r_budget_minutes >= 0)
    cap[hours_only] = np.ceil(a.r_budget_minutes[hours_only] / 60.0 / params.hours_per_slot)
    nom = np.bincount(a.r_unit, weights=cap, minlength=a.n_units)
    return np.maximum(nom, 1).astype(np.int64)


def slot_cost(params: Params, nominal: NDArray[Any], j: NDArray[Any]) -> NDArray[np.int64]:
    """Integer cost of a unit's slot j (0-based): w_load * j / nominal, rounded down.

    Non-decreasing in j, so a min-cost flow fills a unit's cheap slots first and the total
    load cost of n assignments is the sum of the first n slot costs.
    """
    w = round(params.w_load * params.scale)
    return (np.int64(w) * j.astype(np.int64)) // nominal.astype(np.int64)


def load_cost(params: Params, nominal: NDArray[Any], counts: NDArray[Any]) -> NDArray[np.int64]:
    """Total load cost per unit for the given assignment counts."""
    counts = counts.astype(np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    j = np.arange(counts.sum(), dtype=np.int64) - np.repeat(starts, counts)
    per = slot_cost(params, nominal[owner], j)
    return np.bincount(owner, weights=per, minlength=len(counts)).astype(np.int64)
