"""The solve phase: the engine's plan for a snapshot, checked, read once, and what the run
takes from it (proposals with their runner-ups, the unmatched projects with their reasons)."""

from __future__ import annotations

from dataclasses import dataclass

import matching
from catalog.batch.snapshot import Snapshot
from catalog.batch.summary import PARAMS, RUNNER_UPS, Proposal, Skipped
from catalog.enums import AssignmentRole


class PlanRejected(Exception):
    """The engine's plan broke a hard rule; nothing is written."""


@dataclass(frozen=True, eq=False)
class BatchPlan:
    """The engine's plan for a snapshot: its arrays (:class:`matching.PlanArrays`) and what the
    engine's decoder read off them once (:class:`matching.PlanResult`, projects named by their
    number); proposals, explanations, reasons and the supply gap all come from ``result``."""

    arrays: matching.PlanArrays
    result: matching.PlanResult

    @property
    def objective(self) -> float:
        return self.result.objective

    @property
    def bound(self) -> float:
        return self.result.bound

    @property
    def gap(self) -> float:
        return self.result.gap

    @property
    def status(self) -> matching.Status:
        return self.result.status

    @property
    def supply_gap(self) -> list[matching.SupplyGapRow]:
        """Demand, supply and shortfall by category and community."""
        return self.result.supply_gap

    def unmatched_counts(self) -> dict[str, int]:
        """Projects left open by reason code, codes in the order of their first project."""
        return self.result.unmatched_counts


def solve(snapshot: Snapshot, seed: int = 0, params: matching.Params = PARAMS, runner_ups: int = RUNNER_UPS
          ) -> BatchPlan:
    """Solve the snapshot's problem, run the plan through the validator and read it, with each
    assignment's ``runner_ups`` next units (from the candidate pairs the solve already built);
    pure, no database."""
    solved = matching.solve_arrays(snapshot.arrays, params, seed=seed)
    check = matching.validate_arrays(snapshot.arrays, solved.p, solved.r, params)
    if not check.ok:
        shown = "; ".join(v.message for v in check.violations[:5])
        raise PlanRejected(f"plan failed validation: {shown}")
    ups = matching.runner_ups(solved, runner_ups)
    return BatchPlan(solved, matching.decode(solved, runner_ups=ups, names=snapshot.numbers))


def proposals_of(plan: BatchPlan) -> tuple[list[Proposal], list[Skipped]]:
    """Every unit the plan gives a project, as proposals: its best-scoring resource leads (主办)
    and, on a project that needs a team, the others help (协办), best first; each with its score
    by term, and the lead with the next units.

    Proposals come in project id order, each project's lead first. The second list is for pairs
    the plan holds that cannot be proposed; there are none today.
    """
    r = plan.result
    order = r.order
    score = matching.rounded([r.score[i] for i in order], plan.arrays.params.scale)
    roles = (AssignmentRole.HELPER, AssignmentRole.LEAD)
    # built without validation: every value comes from the decoded plan, already typed; the ids
    # are the database's, ints (the engine's own type allows text ids as well)
    out = [
        Proposal.model_construct(project=r.project[i], project_id=int(r.project_id[i]), unit_id=int(r.unit_id[i]),
                                 resource_id=int(r.resource_id[i]), score=sc, role=roles[r.lead[i]],
                                 breakdown=r.breakdown[i], runner_ups=r.runner_ups[i] if r.lead[i] else [])
        for i, sc in zip(order, score, strict=True)
    ]
    return out, []


def unmatched_of(plan: BatchPlan) -> list[matching.Unassigned]:
    """The projects the engine left open, with its reason and (for lost_to_better_use) the
    project and resource that took the place."""
    return plan.result.unassigned
