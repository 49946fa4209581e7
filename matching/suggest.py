"""Top-k suggestions without solving: what the web process may compute on a click.

An index is built once per snapshot (both directions, sorted integer keys); a query touches
only the projects or resources that share a (subcategory, cell) or (subcategory, community)
key with it, then applies the hard rules and ranks by pair score. Load spreading and capacity
competition are ignored: these are hints for a person, the batch solve decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import ProblemArrays
from .candidates import _SUB_SHIFT, Grid, ResourceIndex
from .params import Params
from .rules import RuleTables, pair_terms, project_terms


@dataclass(frozen=True)
class Suggestion:
    index: int  # project or resource index
    id: str
    score: float  # points, pair terms only


class SuggestionIndex:
    """Build once, query many times (each query is a handful of numpy calls on small arrays)."""

    def __init__(self, a: ProblemArrays, params: Params = Params(), *,
                 open_projects: np.ndarray | None = None):
        self.a, self.params = a, params
        self.tables = RuleTables(a)
        self.pterms = project_terms(a, params)
        self.res_index = ResourceIndex(a, params)
        self.grid: Grid = self.res_index.grid
        self.n_comm = self.res_index.n_comm
        is_open = np.ones(a.n_projects, bool) if open_projects is None else open_projects.astype(bool)
        is_open[a.fixed_p] = False
        ids = np.flatnonzero(is_open)
        pc = self.grid.point_cells(a.p_lat[ids], a.p_lon[ids])
        sub = a.p_sub[ids].astype(np.int64)
        k1 = sub * _SUB_SHIFT + pc
        o = np.argsort(k1, kind="stable")
        self.p_cell_keys, self.p_cell_ids = k1[o], ids[o]
        k2 = sub * self.n_comm + a.p_community[ids]
        o = np.argsort(k2, kind="stable")
        self.p_comm_keys, self.p_comm_ids = k2[o], ids[o]
        rk = self.res_index
        o = np.argsort(rk.cell_keys, kind="stable")
        self.r_cell_keys, self.r_cell_ids = rk.cell_keys[o], rk.cell_vals[o]
        o = np.argsort(rk.comm_keys, kind="stable")
        self.r_comm_keys, self.r_comm_ids = rk.comm_keys[o], rk.comm_vals[o]
        self.p_pos = {s: i for i, s in enumerate(a.project_ids.tolist())}
        self.r_pos = {s: i for i, s in enumerate(a.resource_ids.tolist())}

    @staticmethod
    def _lookup(keys, ids, q):
        lo = np.searchsorted(keys, q, "left")
        hi = np.searchsorted(keys, q, "right")
        if len(q) == 1:
            return ids[lo[0]:hi[0]]
        return np.concatenate([ids[a:b] for a, b in zip(lo, hi)]) if len(q) else ids[:0]

    def _rank(self, p, r, k, by_project: bool) -> list[Suggestion]:
        t = self.tables
        ok = t.skills(p, r) & t.time_window(p, r) & ~t.declined(p, r) & t.service_area(p, r)
        ok &= self.a.r_capacity[r] != 0
        p, r = p[ok], r[ok]
        if len(p) == 0:
            return []
        s = pair_terms(t, self.params, p, r, self.pterms).sum(axis=1)
        other = p if by_project else r
        names = self.a.project_ids if by_project else self.a.resource_ids
        top = np.lexsort((other, -s))[:k]
        return [Suggestion(int(other[i]), str(names[other[i]]), s[i] / self.params.scale)
                for i in top]

    def projects_for_resource(self, resource: int | str, k: int = 10) -> list[Suggestion]:
        a = self.a
        r = self.r_pos[resource] if isinstance(resource, str) else int(resource)
        subs = a.r_sub[a.r_sub_ptr[r]:a.r_sub_ptr[r + 1]].astype(np.int64)
        found = []
        if a.r_radius_km[r] > 0:
            _, ix, iy = self.grid.circle_cells(a.r_lat[r:r + 1], a.r_lon[r:r + 1], a.r_radius_km[r:r + 1])
            cells = Grid.cell_key(ix, iy)
            q = (subs[:, None] * _SUB_SHIFT + cells[None, :]).ravel()
            found.append(self._lookup_many(self.p_cell_keys, self.p_cell_ids, q))
        comms = a.r_comm[a.r_comm_ptr[r]:a.r_comm_ptr[r + 1]].astype(np.int64)
        if len(comms):
            q = (subs[:, None] * self.n_comm + comms[None, :]).ravel()
            found.append(self._lookup_many(self.p_comm_keys, self.p_comm_ids, q))
        p = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
        r_arr = np.full(len(p), r, dtype=np.int64)
        return self._rank(p, r_arr, k, by_project=True)

    def resources_for_project(self, project: int | str, k: int = 10) -> list[Suggestion]:
        a = self.a
        p = self.p_pos[project] if isinstance(project, str) else int(project)
        sub = np.int64(a.p_sub[p])
        cell = self.grid.point_cells(a.p_lat[p:p + 1], a.p_lon[p:p + 1])
        r1 = self._lookup(self.r_cell_keys, self.r_cell_ids, sub * _SUB_SHIFT + cell)
        r2 = self._lookup(self.r_comm_keys, self.r_comm_ids,
                          np.array([sub * self.n_comm + a.p_community[p]]))
        r = np.unique(np.concatenate([r1, r2]))
        p_arr = np.full(len(r), p, dtype=np.int64)
        return self._rank(p_arr, r, k, by_project=False)

    @staticmethod
    def _lookup_many(keys, ids, q):
        lo = np.searchsorted(keys, q, "left")
        hi = np.searchsorted(keys, q, "right")
        n = hi - lo
        if n.sum() == 0:
            return ids[:0]
        pos = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
        return ids[pos]


def suggest_projects_for_resource(index: SuggestionIndex, resource: int | str, k: int = 10
                                  ) -> list[Suggestion]:
    """Best open projects for one resource, by pair score, hard rules applied."""
    return index.projects_for_resource(resource, k)


def suggest_resources_for_project(index: SuggestionIndex, project: int | str, k: int = 10
                                  ) -> list[Suggestion]:
    """Best resources (and so units) for one project, by pair score, hard rules applied."""
    return index.resources_for_project(project, k)
