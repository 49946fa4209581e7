"""The JSON boundary: what callers send and what they get back.

Records are validated strictly (unknown fields are errors, numbers are checked against their
ranges, ids must be unique and every referenced id must exist) so that a wrong file fails with a
message naming the record, not with an index error deep in the solver. Inside the engine these
records become columns and arrays (`matching.columns`, `matching.arrays`), and a plan comes back
through `matching.result`; nothing on the hot path touches these models.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .reasons import Rule, Status, Unmatched

_Id = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Point(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class CategoryRef(_Strict):
    """A category a resource serves; without a subcategory it covers all of them."""

    category: _Id
    subcategory: str | None = None


class ServiceArea(_Strict):
    """Where a resource can serve: a list of communities, a circle, or both (either suffices)."""

    communities: list[_Id] = Field(default_factory=list)
    center: Point | None = None
    radius_km: float | None = Field(default=None, gt=0, le=500)

    @model_validator(mode="after")
    def _one_shape(self) -> ServiceArea:
        if (self.center is None) != (self.radius_km is None):
            raise ValueError("a circular service area needs both center and radius_km")
        if not self.communities and self.center is None:
            raise ValueError("service area needs communities or center + radius_km")
        return self


class ProjectIn(_Strict):
    id: _Id
    community: _Id
    street: str | None = None
    point: Point
    category: _Id
    subcategory: str | None = None
    skills: list[_Id] = Field(default_factory=list)
    start: int = Field(description="first day (day number) the work can happen")
    end: int = Field(description="last day, inclusive")
    priority: int = Field(0, ge=0, le=100)
    days_waiting: int = Field(0, ge=0)
    units_required: int = Field(1, ge=1, le=50)
    hours: float = Field(0.0, ge=0, le=10_000)

    @model_validator(mode="after")
    def _window(self) -> ProjectIn:
        if self.end < self.start:
            raise ValueError(f"project {self.id}: end {self.end} is before start {self.start}")
        return self


class ResourceIn(_Strict):
    id: _Id
    unit: _Id
    categories: list[CategoryRef] = Field(min_length=1)
    skills: list[_Id] = Field(default_factory=list)
    area: ServiceArea
    point: Point | None = Field(None, description="where the service starts, for distance")
    start: int
    end: int
    capacity: int | None = Field(None, ge=0, description="projects per period")
    hours_budget: float | None = Field(None, ge=0, description="hours per period")
    credit: float = Field(60.0, ge=0, le=100)

    @model_validator(mode="after")
    def _check(self) -> ResourceIn:
        if self.end < self.start:
            raise ValueError(f"resource {self.id}: end {self.end} is before start {self.start}")
        if self.capacity is None and self.hours_budget is None:
            raise ValueError(f"resource {self.id}: give capacity, hours_budget or both")
        return self


class PairRef(_Strict):
    project: _Id
    resource: _Id


class DeclineRef(_Strict):
    project: _Id
    unit: _Id


class Problem(_Strict):
    """One batch: open projects, published resources, and what people already decided."""

    projects: list[ProjectIn]
    resources: list[ResourceIn]
    fixed: list[PairRef] = Field(default_factory=list, description="accepted claims; they stay")
    declined: list[DeclineRef] = Field(default_factory=list, description="never propose again")
    previous: list[PairRef] = Field(default_factory=list, description="last run's proposals")

    @model_validator(mode="after")
    def _references(self) -> Problem:
        pids = [p.id for p in self.projects]
        rids = [r.id for r in self.resources]
        for kind, ids in (("project", pids), ("resource", rids)):
            seen: set[str] = set()
            dup = []
            for x in ids:
                if x in seen:
                    dup.append(x)
                seen.add(x)
            if dup:
                raise ValueError(f"duplicate {kind} ids: {sorted(set(dup))[:5]}")
        pset, rset = set(pids), set(rids)
        units = {r.unit for r in self.resources}
        for field, refs in (("fixed", self.fixed), ("previous", self.previous)):
            for i, ref in enumerate(refs):
                if ref.project not in pset or ref.resource not in rset:
                    raise ValueError(f"{field}[{i}] names an unknown project or resource: {ref}")
        for i, d in enumerate(self.declined):
            if d.project not in pset or d.unit not in units:
                raise ValueError(f"declined[{i}] names an unknown project or unit: {d}")
        return self


class Breakdown(_Strict):
    match: float = 0.0
    skill: float = 0.0
    distance: float = 0.0
    credit: float = 0.0
    urgency: float = 0.0
    waiting: float = 0.0
    stability: float = 0.0
    load: float = 0.0


class Assignment(_Strict):
    project: str
    resource: str
    unit: str
    score: float
    breakdown: Breakdown
    fixed: bool = False


class UnmatchedProject(_Strict):
    project: str
    reason: Unmatched
    code: str
    label: str
    taken_by_resource: str | None = None
    taken_by_project: str | None = None


class UnitLoad(_Strict):
    unit: str
    assigned: int
    capacity: int = Field(description="nominal capacity used for load spreading")
    hours_used: float
    marginal_value: float | None = Field(
        None,
        description="points the objective would gain with one more slot on the unit's best "
        "resource; None where it was not computed (hours components, duals off)",
    )


class SupplyGapRow(_Strict):
    category: str
    community: str
    street: str | None
    demand: int = Field(description="units required by open projects")
    supply: int = Field(description="capacity of resources able to serve here (not additive)")
    resources: int
    matched: int
    unmatched: int


class Plan(_Strict):
    status: Status
    objective: float
    bound: float
    gap: float = Field(description="(bound - objective) / max(1, |bound|)")
    assignments: list[Assignment]
    unmatched: list[UnmatchedProject]
    unit_loads: list[UnitLoad]
    supply_gap: list[SupplyGapRow]
    stats: dict[str, float] = Field(default_factory=dict)


class Violation(_Strict):
    rule: Rule
    project: str | None = None
    resource: str | None = None
    message: str


class Validation(_Strict):
    ok: bool
    violations: list[Violation]
    objective: float
    objective_scaled: int
