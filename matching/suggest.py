"""Top-k suggestions without solving: what the web process may compute on a click.

The index is the candidate set itself (every hard rule already applied, accepted claims and
declines included), with pair scores, sorted twice: by resource and by project, best first.
A query is then one slice, so the cost of a click does not depend on the problem size. Load
spreading and the competition for capacity are ignored: these are hints for a person, the
batch solve decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .arrays import ProblemArrays
from .candidates import ResourceIndex, build_candidates
from .params import Params
from .rules import RuleTables, project_terms


@dataclass(frozen=True)
class Suggestion:
    index: int  # project or resource index
    id: str
    score: float  # points, pair terms only


class SuggestionIndex:
    """Build once per snapshot (about the cost of candidate generation), query many times."""

    def __init__(self, a: ProblemArrays, params: Params = Params()):
        self.a, self.params = a, params
        tables = RuleTables(a)
        cand = build_candidates(a, params, tables, ResourceIndex(a, params), project_terms(a, params))
        p, r, s = cand.p, cand.r, cand.score
        o = np.lexsort((p, -s, r))
        self.by_r = (np.searchsorted(r[o], np.arange(a.n_resources + 1)), p[o], s[o])
        o = np.lexsort((r, -s, p))
        self.by_p = (np.searchsorted(p[o], np.arange(a.n_projects + 1)), r[o], s[o])
        self.p_pos = {x: i for i, x in enumerate(a.project_ids.tolist())}
        self.r_pos = {x: i for i, x in enumerate(a.resource_ids.tolist())}

    def _top(self, table: tuple[NDArray[np.intp], NDArray[Any], NDArray[Any]], i: int, k: int,
             names: NDArray[Any]) -> list[Suggestion]:
        ptr, other, score = table
        lo = ptr[i]
        hi = min(ptr[i + 1], lo + k)
        scale = self.params.scale
        return [Suggestion(int(o), str(names[o]), float(s) / scale)
                for o, s in zip(other[lo:hi].tolist(), score[lo:hi].tolist(), strict=True)]

    def projects_for_resource(self, resource: int | str, k: int = 10) -> list[Suggestion]:
        r = self.r_pos[resource] if isinstance(resource, str) else int(resource)
        return self._top(self.by_r, r, k, self.a.project_ids)

    def resources_for_project(self, project: int | str, k: int = 10) -> list[Suggestion]:
        p = self.p_pos[project] if isinstance(project, str) else int(project)
        return self._top(self.by_p, p, k, self.a.resource_ids)


def suggest_projects_for_resource(index: SuggestionIndex, resource: int | str, k: int = 10
                                  ) -> list[Suggestion]:
    """Best open projects for one resource: every hard rule applied, ranked by pair score."""
    return index.projects_for_resource(resource, k)


def suggest_resources_for_project(index: SuggestionIndex, project: int | str, k: int = 10
                                  ) -> list[Suggestion]:
    """Best resources (and so units) for one project: hard rules applied, by pair score."""
    return index.resources_for_project(project, k)
