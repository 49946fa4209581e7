"""项目清单: projects, their edits and cancellation, progress, completion and the resident's
closing link, the detail page and the public board (公示) (catalog.lists.projects)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, computed_field, model_validator
from pydantic_core import PydanticCustomError

from catalog.enums import CancelReason, DispatchMode, LimitStep, Outcome, ProjectStatus, Urgency
from catalog.models.common import (
    CategoryCode,
    Code,
    Id,
    Input,
    Lat,
    Lon,
    LongText,
    Name,
    Record,
    Tag,
    _ReasonWithNote,
)
from catalog.models.needs import NeedFilter, NeedView
from catalog.models.team import Assignment, TeamMember
from catalog.oversight.limits import Alert
from catalog.shapes import WS_CLASS, Moment, Numeric, Text, all_or_none, rules

Place = Annotated[str, Text(200, blank=True)]
UnitsRequired = Annotated[int, Field(ge=1, le=20)]
EstimatedHours = Annotated[Decimal, Numeric(1, "0", "10000", lo_open=True)]
Priority = Annotated[int, Field(ge=1, le=5)]
_PROJECT_TIMES = ("window_start", "window_end", "claim_deadline")
WINDOW_ORDER = "项目开始时间须早于结束时间"


def project_rule_broken(v: Any) -> str | None:
    """The rules across a project's fields, for a new project and for one as an edit leaves it.

    ``v`` has the fields as attributes; returns what is wrong, in words, or None.
    """
    if (v.lat is None) != (v.lon is None):
        return "经纬度须同时填写"
    if v.window_start and v.window_end and v.window_start >= v.window_end:
        return WINDOW_ORDER
    for name in _PROJECT_TIMES:
        value = getattr(v, name)
        if value is not None and value.tzinfo is None:
            return f"{name} 须带时区"
    return None


class ProjectIn(Input):
    """A project made by a community secretary from one or more accepted needs: lat and lon
    together or neither; window_start before window_end."""

    model_config = ConfigDict(json_schema_extra=rules(all_or_none("lat", "lon")))

    need_ids: list[Id] = Field(min_length=1, max_length=100, json_schema_extra={"uniqueItems": True})
    title: Name
    description: LongText = ""
    category_code: CategoryCode
    community_code: Code
    required_skills: list[Tag] = Field(default_factory=list, max_length=20)
    place: Place = ""
    lat: Lat | None = None
    lon: Lon | None = None
    window_start: Moment | None = None
    window_end: Moment | None = None
    units_required: UnitsRequired = 1
    estimated_hours: EstimatedHours
    priority: Priority = 3
    urgency: Urgency = Urgency.NORMAL
    dispatch_mode: DispatchMode = DispatchMode.CLAIM
    claim_deadline: Moment | None = None

    @model_validator(mode="after")
    def _rules(self) -> ProjectIn:
        if len(set(self.need_ids)) != len(self.need_ids):
            raise ValueError("需求编号重复")
        broken = project_rule_broken(self)
        if broken == WINDOW_ORDER:
            raise PydanticCustomError("window_order", WINDOW_ORDER)
        if broken:
            raise ValueError(broken)
        return self


class Project(Record):
    id: int
    number: str
    title: str
    description: str
    category_code: str
    community_code: str
    required_skills: list[str]
    place: str
    lat: float | None
    lon: float | None
    window_start: dt.datetime | None
    window_end: dt.datetime | None
    units_required: int
    estimated_hours: Decimal
    priority: int
    urgency: Urgency
    dispatch_mode: DispatchMode
    claim_deadline: dt.datetime | None
    status: ProjectStatus
    status_reason: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    accepted_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    completion_note: str | None
    beneficiaries_served: int | None
    hours_spent: Decimal | None
    # 时限预警 as of the last sweep (catalog.oversight.sweep), filled where a project is read by id
    alert_level: Alert | None = None
    alert_step: LimitStep | None = None
    alert_deadline: dt.datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def alert_label(self) -> str | None:
        return self.alert_level.label if self.alert_level is not None else None


class ProgressIn(Input):
    body: Annotated[str, Text(2000)]
    # the length checked on its own as well, so that a link far too long is told so
    photo_url: Annotated[str, StringConstraints(max_length=508,
                                                pattern=f"^https?://[^\x00{WS_CLASS}]{{1,500}}$")] | None = None


class ProgressEntry(Record):
    id: int
    project_id: int
    unit_id: int
    body: str
    photo_url: str | None
    created_at: dt.datetime


class CompletionIn(Input):
    note: Annotated[str, Text(2000)]
    beneficiaries_served: Annotated[int, Field(ge=0, le=100000)]
    hours_spent: Annotated[Decimal, Numeric(1, "0", "100000")]


class ClosingIn(Input):
    """What a resident submits through the closing link."""

    outcome: Outcome
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, Text(1000, blank=True)] = ""


class ClosingLink(Record):
    """A usable closing link: which project it closes, and until when."""

    project_number: str
    expires_at: dt.datetime


class Completion(Record):
    """A completed project and the single-use link token the resident closes it with."""

    project: Project
    closing_token: str


class ProjectFilter(NeedFilter):
    status: ProjectStatus | None = None  # type: ignore[assignment]


class ProjectDetail(Record):
    project: Project
    owner_unit_id: int | None
    personal_data: str
    needs: list[NeedView]
    assignments: list[Assignment]
    progress: list[ProgressEntry]
    # the lead first, then the helpers in the order they joined; empty while nobody holds it
    team: list[TeamMember] = Field(default_factory=list)


class ProjectPage(Record):
    items: list[Project]
    next_cursor: str | None


class PublicProgress(Record):
    body: str
    photo_url: str | None
    created_at: dt.datetime


class PublicProject(Record):
    """A project on the public board (公示): what was done where, by which unit; no one's name."""

    number: str
    title: str
    category_code: str
    category_name: str
    community_code: str
    community_name: str
    status: ProjectStatus
    status_label: str
    urgency: Urgency
    published_at: dt.datetime | None
    completed_at: dt.datetime | None
    beneficiaries_served: int | None
    unit_name: str | None
    progress: list[PublicProgress] = Field(default_factory=list)


class ClosingPage(Record):
    """What the resident sees behind a usable link: the project as the public board shows it."""

    project: PublicProject
    expires_at: dt.datetime


class PublicProjectPage(Record):
    items: list[PublicProject]
    next_cursor: str | None


class ProjectCancelIn(_ReasonWithNote):
    """撤单: a reason from :class:`CancelReason`; ``other`` needs a note saying what it is."""

    reason: CancelReason


class ProjectPatchIn(Input):
    """A partial edit of a project: only the fields sent change, each under :class:`ProjectIn`'s rules.

    A field left out keeps its value; ``null`` clears a field that may be empty (place
    coordinates, time window, claim deadline) and is refused for the others. The needs and the
    community are not edited here: a project's residents stay the ones it was made for.
    """

    model_config = ConfigDict(json_schema_extra=rules(
        {"if": {"required": ["lat", "lon"]}, "then": all_or_none("lat", "lon")}))

    title: Name = None  # type: ignore[assignment]
    description: LongText = None  # type: ignore[assignment]
    category_code: CategoryCode = None  # type: ignore[assignment]
    required_skills: list[Tag] = Field(default=None, max_length=20)  # type: ignore[arg-type]
    place: Place = None  # type: ignore[assignment]
    lat: Lat | None = None
    lon: Lon | None = None
    window_start: Moment | None = None
    window_end: Moment | None = None
    units_required: UnitsRequired = None  # type: ignore[assignment]
    estimated_hours: EstimatedHours = None  # type: ignore[assignment]
    priority: Priority = None  # type: ignore[assignment]
    urgency: Urgency = None  # type: ignore[assignment]
    dispatch_mode: DispatchMode = None  # type: ignore[assignment]
    claim_deadline: Moment | None = None

    # A default of None is never validated, so a field left out reads None; a field sent as null
    # is validated against its type, which refuses it unless the type allows None.

    @model_validator(mode="after")
    def _times_have_a_zone(self) -> ProjectPatchIn:
        for name in _PROJECT_TIMES:
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} 须带时区")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, with their new values."""
        return {name: getattr(self, name) for name in self.model_fields_set}
