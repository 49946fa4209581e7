"""Engine: problem in, plan out. Pure: no database, no HTTP, no asyncio.

Public API::

    solve(problem, params=Params(), *, seed=0) -> Plan          # JSON models in and out
    solve_arrays(arrays, params=Params(), *, seed=0) -> PlanArrays   # the hot path
    validate(problem, plan, params=Params()) -> Validation
    make_problem_arrays(...) / from_problem(problem) -> ProblemArrays
    SuggestionIndex(arrays, params); suggest_projects_for_resource / suggest_resources_for_project
    run_solve_cli(args) -> int
"""

from .arrays import ProblemArrays, from_problem, make_problem_arrays
from .cli import run_solve_cli
from .models import (
    Assignment,
    Breakdown,
    CategoryRef,
    DeclineRef,
    PairRef,
    Plan,
    Point,
    Problem,
    ProjectIn,
    ResourceIn,
    ServiceArea,
    SupplyGapRow,
    UnitLoad,
    UnmatchedProject,
    Validation,
    Violation,
)
from .params import Params
from .reasons import TERM_LABELS, TERMS, Rule, Status, Unmatched
from .solve import PlanArrays, solve, solve_arrays
from .suggest import (
    Suggestion,
    SuggestionIndex,
    suggest_projects_for_resource,
    suggest_resources_for_project,
)
from .validate import evaluate, validate, validate_arrays

__all__ = [
    "Assignment", "Breakdown", "CategoryRef", "DeclineRef", "PairRef", "Plan", "PlanArrays",
    "Params", "Point", "Problem", "ProblemArrays", "ProjectIn", "ResourceIn", "Rule",
    "ServiceArea", "Status", "Suggestion", "SuggestionIndex", "SupplyGapRow", "TERMS",
    "TERM_LABELS", "UnitLoad", "Unmatched", "UnmatchedProject", "Validation", "Violation",
    "evaluate", "from_problem", "make_problem_arrays", "run_solve_cli", "solve", "solve_arrays",
    "suggest_projects_for_resource", "suggest_resources_for_project", "validate",
    "validate_arrays",
]
