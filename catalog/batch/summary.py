"""What every phase of a run shares: who the run acts as, the engine's parameters, the scope,
the summary a run fills in (``sandan batch --json`` prints it) and the progress it reports.

The other modules of :mod:`catalog.batch` import from here, never from each other's internals,
so that the set-based writer (``bulk``) and the run (``job``) need not import one another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

import matching
from catalog.batch import engine_input
from catalog.enums import AssignmentRole, Role
from catalog.errors import InvalidInput
from catalog.models import Actor

BATCH_ACTOR = Actor(role=Role.BATCH, ref="optimiser")

# The engine's parameters and the rows-to-engine conversion are shared with the suggestions.
PARAMS = engine_input.PARAMS

# How many runner-up units each proposal's explanation names.
RUNNER_UPS = 3

PHASES = ("sweep", "snapshot", "solve", "write")
PHASE_LABELS = {"sweep": "清理过期", "snapshot": "读取快照", "solve": "求解", "write": "写入派单"}
# Why a planned proposal was not written (``Skipped.code``), for people.
SKIP_LABELS = {
    "project_changed": "项目在求解期间已变化", "lead_not_written": "主办单位未能派出，协办随之跳过",
    "unit_not_found": "成员单位不存在", "unit_suspended": "成员单位已暂停",
    "unit_cap_reached": "成员单位在办项目已达上限", "resource_not_found": "资源不存在",
    "resource_not_of_unit": "资源不属于该单位", "resource_not_published": "资源已下架",
    "resource_full": "资源名额或工时已满", "unit_is_lead": "该单位已是主办单位", "already_helper": "该单位已是协办单位",
    "no_location": "项目及所在社区均无坐标",
    # runs recorded before teams were proposed in full
    "team_not_written": "多单位项目只派主办单位",
}


@dataclass(frozen=True)
class Scope:
    community: str | None = None
    street: str | None = None

    def __post_init__(self) -> None:
        if self.community and self.street:
            raise InvalidInput("只能指定一个范围：社区或街道", code="invalid_scope")

    def __str__(self) -> str:
        if self.community:
            return f"community:{self.community}"
        if self.street:
            return f"street:{self.street}"
        return "county"


# the whole county: a run's scope when none is given
COUNTY = Scope()


class Proposal(BaseModel):
    project: str
    project_id: int
    unit_id: int
    resource_id: int
    score: float
    # a team project (units_required > 1) gets its lead (主办) and its helpers (协办)
    role: AssignmentRole = AssignmentRole.LEAD
    assignment_id: int | None = None
    # the score by term, and the next units (the lead's; see matching.explain)
    breakdown: dict[str, float] = Field(default_factory=dict)
    runner_ups: list[matching.RunnerUp] = Field(default_factory=list)


class Skipped(BaseModel):
    project: str
    code: str


class Expiring(BaseModel):
    """A pending claim or offer the sweep would expire (``--dry-run``)."""

    project: str
    project_id: int
    unit_id: int
    kind: str
    expires_at: dt.datetime


class DeclinedPair(BaseModel):
    """A project and a unit that declined it: the engine never pairs them again."""

    project: str
    project_id: int
    unit_id: int


class BatchSummary(BaseModel):
    """What a run did (or, with ``dry_run``, would do); ``--json`` prints this."""

    run_id: int | None = None
    scope: str
    seed: int
    dry_run: bool
    expired: int = 0
    closed_unrated: int = 0
    projects: int = 0
    resources: int = 0
    objective: float = 0.0
    bound: float = 0.0
    gap: float = 0.0
    status: str = "optimal"
    proposed: list[Proposal] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    unmatched: dict[str, int] = Field(default_factory=dict)
    # what the sweep did (or would do): expired, closed_unrated, and (real runs) time_limits
    sweep: dict[str, Any] = Field(default_factory=dict)
    # seconds per phase, in PHASES order
    phases: dict[str, float] = Field(default_factory=dict)
    unmatched_projects: list[matching.Unassigned] = Field(default_factory=list)
    supply_gap: list[matching.SupplyGapRow] = Field(default_factory=list)
    # the communities of the projects the run looked at: who may read its record
    communities: list[str] = Field(default_factory=list)
    # --dry-run only: what the sweep would expire; pairs left out because the unit declined
    expiring: list[Expiring] = Field(default_factory=list)
    declined: list[DeclinedPair] = Field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        by_code: dict[str, int] = {}
        for s in self.skipped:
            by_code[s.code] = by_code.get(s.code, 0) + 1
        return {
            "expired": self.expired, "closed_unrated": self.closed_unrated, "projects": self.projects,
            "resources": self.resources, "proposed": len(self.proposed),
            "helpers": sum(1 for p in self.proposed if p.role is AssignmentRole.HELPER), "skipped": by_code,
            "unmatched": self.unmatched,
        }


class Progress:
    """What a run tells as it goes: each phase's start and end, and the write phase's count.

    This one tells nothing; the command line shows a live display at a terminal and log lines
    otherwise (``catalog.cli``)."""

    def start(self, phase: str) -> None:
        """``phase`` (one of PHASES) begins."""

    def done(self, phase: str, seconds: float, note: str = "") -> None:
        """``phase`` ended after ``seconds``; ``note`` says what it did, in a few words."""

    def step(self, done: int, total: int) -> None:
        """The write phase has handled ``done`` of ``total`` proposals."""

