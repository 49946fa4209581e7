"""The batch job as people read it: the run records (运行记录) with what each run proposed and why
(catalog.batch.runs), and what the engine suggests to one member unit (catalog.batch.suggestions).

Nothing personal is in these: project numbers, unit and resource ids, scores and reason codes.
The engine's own records (a runner-up, an unmatched project, a supply gap) are shown as it gives
them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field

import matching
from catalog.enums import AssignmentStatus, ProjectStatus, Urgency
from catalog.models.common import Code, Input, ListQuery, Record

# --- run records -----------------------------------------------------------------------------

ScopeText = Annotated[str, StringConstraints(pattern=r"^(county|(community|street):[0-9A-Za-z_-]{1,32})$")]


class RunFilter(ListQuery):
    scope: ScopeText | None = None
    community: Code | None = None


class RunDetailQuery(ListQuery):
    """Pages through the run's projects, in project order."""

    sort: Annotated[str, StringConstraints(pattern=r"^oldest$")] = "oldest"


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProposalView(_View):
    assignment_id: int
    unit_id: int
    resource_id: int | None
    score: float
    breakdown: dict[str, float]
    term_labels: dict[str, str] = Field(default_factory=lambda: dict(matching.TERM_LABELS))
    runner_ups: list[matching.RunnerUp]
    assignment_status: AssignmentStatus
    assignment_status_label: str


class RunProject(_View):
    project_id: int
    project: str
    community: str
    project_status: ProjectStatus
    project_status_label: str
    outcome: Literal["proposed", "unmatched"]
    proposal: ProposalView | None = None
    unmatched: matching.Unassigned | None = None


class RunRecord(_View):
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime
    scope: str
    seed: int
    status: str
    status_label: str
    objective: float
    bound: float
    gap: float
    counts: dict[str, Any]
    sweep: dict[str, Any]
    phases: dict[str, float]


class RunPage(_View):
    items: list[RunRecord]
    next_cursor: str | None


class RunDetail(_View):
    run: RunRecord
    params: dict[str, Any]
    supply_gap: list[matching.SupplyGapRow]
    projects: list[RunProject]
    next_cursor: str | None



# --- suggestions -----------------------------------------------------------------------------

# Terms a person reads as a reason; 基础分 is the same for every pair and says nothing.
REASON_TERMS = ("urgency", "waiting", "distance", "skill", "credit", "stability")


class SuggestionQuery(Input):
    """How many of the best projects to rank (the pages show 30)."""

    limit: Annotated[int, Field(ge=1, le=100)] = 30


class Term(Record):
    code: str
    label: str
    points: float


class ProjectSuggestion(Record):
    """An open project for the unit, with the best of its resources for it and why."""

    project_id: int
    number: str
    title: str
    community_code: str
    category_code: str
    urgency: Urgency
    estimated_hours: Decimal
    published_at: dt.datetime
    claim_deadline: dt.datetime | None
    score: float
    resource_id: int
    resource_title: str
    distance_km: float | None
    terms: list[Term]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def why(self) -> str:
        """The two or three terms that lift this pair most, in words."""
        top = sorted((t for t in self.terms if t.code in REASON_TERMS and t.points > 0),
                     key=lambda t: -t.points)[:3]
        parts = [f"{t.label} +{t.points:.1f}" for t in top]
        if self.distance_km is not None:
            parts.append(f"距离约 {self.distance_km:.1f} 公里")
        return "，".join(parts)


class UnitSuggestions(Record):
    unit_id: int
    items: list[ProjectSuggestion]
    open_projects: int  # claimable projects in the county now
    resources: int  # the unit's published resources with room left
    note: str | None  # why nothing can be suggested, when that is so


class Explanation(Record):
    assignment_id: int
    run_id: int
    score: float
    terms: list[Term]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def why(self) -> str:
        """The two or three terms that lifted the proposal most, in words."""
        top = sorted((t for t in self.terms if t.code in REASON_TERMS and t.points > 0),
                     key=lambda t: -t.points)[:3]
        return "，".join(f"{t.label} +{t.points:.1f}" for t in top)
