"""A plan in array form: what `solve_arrays` returns and what `validate` and `result` read.

Kept apart from the solver so that the validator, which checks the solver's plans, does not
import the solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .arrays import ProblemArrays
from .params import Params
from .reasons import Status

if TYPE_CHECKING:
    from .candidates import Candidates


@dataclass(frozen=True, eq=False)
class PlanArrays:
    """A plan in array form; `matching.result.decode` reads it, `matching.result.plan_model` gives the JSON `Plan`."""

    problem: ProblemArrays
    params: Params
    p: np.ndarray  # int64 project index per assignment
    r: np.ndarray  # int64 resource index per assignment
    fixed: np.ndarray  # bool: an accepted claim
    terms: np.ndarray  # int64 (n, 7) pair terms x scale
    load: np.ndarray  # int64 (n,) load cost attributed to the assignment
    objective: int  # scaled
    bound: int  # scaled
    status: Status
    reason: np.ndarray  # int8 per project (Unmatched)
    taken_by_r: np.ndarray  # int64 per project, -1
    taken_by_p: np.ndarray  # int64 per project, -1
    unit_assigned: np.ndarray
    unit_nominal: np.ndarray
    unit_minutes: np.ndarray
    unit_value: np.ndarray  # float points, NaN where not computed
    supply_gap: dict[str, np.ndarray]
    stats: dict[str, float] = field(default_factory=dict)
    # the candidate pairs the plan was chosen from, kept for `explain.runner_ups`
    candidates: Candidates | None = None

    @property
    def gap(self) -> float:
        return (self.bound - self.objective) / max(1.0, abs(self.bound))
