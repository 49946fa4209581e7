"""Engine: problem in, plan out. Pure: no database, no HTTP, no asyncio.

Public API::

    solve(problem, params=Params(), *, seed=0) -> Plan               # JSON models in and out
    solve_arrays(arrays, params=Params(), *, seed=0) -> PlanArrays   # the hot path, arrays only
    validate(problem, plan, params=Params()) -> Validation           # either form
    make_problem_arrays(**columns) / from_problem(problem) -> ProblemArrays
    build_problem(ProjectColumns(...), ResourceColumns(...), declined=..., previous=...) -> ProblemArrays
    runner_ups(plan_arrays, k=3) -> RunnerUpArrays                   # why not the next units
    decode(plan_arrays, runner_ups=..., names=...) -> PlanResult     # the plan read once
    SuggestionIndex(arrays, params)                                  # build once per snapshot
    suggest_projects_for_resource(index, resource, k) / suggest_resources_for_project(index, project, k)
    run_solve_cli(["solve", "problem.json", "--seed", "1", "-o", "plan.json"]) -> exit code

Modules: `arrays` (array form), `columns` (the one input builder: caller's columns and ids in,
arrays out; the JSON `Problem` goes through it), `plan_arrays` (a plan in array form), `result`
(the one plan decoder, and the JSON `Plan` built from it), `explain` (runner-ups),
`candidates` (index and hard filters), `rules` (rule and score definitions shared with the
validator), `flow` (min-cost flow), `repair` (k > 1 greedy), `multi` (k > 1 priced bound and
exact neighbourhood search), `hours` (hand-off to the GAP solver in `gap`), `components`,
`validate`, `suggest`, `solve`.
"""

from .arrays import ProblemArrays, make_problem_arrays
from .cli import run_solve_cli
from .columns import ProjectColumns, ResourceColumns, build_problem, from_problem
from .explain import LOST_ON, LOST_ON_LABELS, RunnerUpArrays, runner_ups
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
from .plan_arrays import PlanArrays
from .reasons import TERM_LABELS, TERMS, Rule, Status, Unmatched
from .result import PlanResult, RunnerUp, Unassigned, decode, rounded
from .solve import solve, solve_arrays
from .suggest import (
    Suggestion,
    SuggestionIndex,
    suggest_projects_for_resource,
    suggest_resources_for_project,
)
from .validate import evaluate, validate, validate_arrays

__all__ = [
    "Assignment", "Breakdown", "CategoryRef", "DeclineRef", "LOST_ON", "LOST_ON_LABELS", "PairRef",
    "Plan", "PlanArrays", "PlanResult", "Params", "Point", "Problem", "ProblemArrays", "ProjectColumns",
    "ProjectIn", "ResourceColumns", "ResourceIn", "Unassigned", "build_problem", "decode",
    "Rule", "RunnerUp", "RunnerUpArrays",
    "ServiceArea", "Status", "Suggestion", "SuggestionIndex", "SupplyGapRow", "TERMS",
    "TERM_LABELS", "UnitLoad", "Unmatched", "UnmatchedProject", "Validation", "Violation",
    "evaluate", "from_problem", "make_problem_arrays", "run_solve_cli", "solve", "solve_arrays",
    "runner_ups", "suggest_projects_for_resource", "suggest_resources_for_project", "validate",
    "validate_arrays", "rounded",
]
