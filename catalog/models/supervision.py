"""督办 and time limits: the supervision list and its items, warnings (预警), notes, and the limits
per category as administrators set them (catalog.oversight.supervision)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from catalog.enums import LimitStep, SupervisionResolution, Urgency
from catalog.models.common import Code, Id, Input, ListQuery, Record
from catalog.oversight.limits import MAX_LIMIT, MIN_LIMIT, Alert
from catalog.shapes import Numeric, Text, decimal_schema, rules


class SupervisionFilter(ListQuery):
    state: Literal["open", "resolved"] | None = "open"
    step: LimitStep | None = None
    community: Code | None = None
    street: Code | None = None
    unit_id: Id | None = None


class AlertFilter(ListQuery):
    level: Literal["blue", "yellow", "red"] | None = None
    step: LimitStep | None = None
    community: Code | None = None
    street: Code | None = None
    unit_id: Id | None = None


class SupervisionNote(Record):
    id: int
    author: str
    body: str
    created_at: dt.datetime


class SupervisionItem(Record):
    """One overdue step on the supervision list."""

    id: int
    step: LimitStep
    step_label: str
    level: Alert = Alert.RED
    level_label: str = Alert.RED.label
    subject: Literal["need", "project"]
    subject_id: int
    number: str
    title: str
    subject_status: str
    subject_status_label: str
    community_code: str
    community_name: str
    street_code: str
    unit_id: int | None
    unit_name: str | None
    started_at: dt.datetime
    deadline: dt.datetime
    raised_at: dt.datetime
    credited: bool
    resolved_at: dt.datetime | None
    resolution: SupervisionResolution | None
    resolution_label: str | None
    resolved_by: str | None
    notes: list[SupervisionNote]


class SupervisionPage(Record):
    items: list[SupervisionItem]
    next_cursor: str | None


class AlertView(Record):
    """A running clock at a colour (预警), as of the last sweep."""

    id: int
    subject: Literal["need", "project"]
    subject_id: int
    number: str
    title: str
    subject_status: str
    subject_status_label: str
    step: LimitStep
    step_label: str
    level: Alert
    level_label: str
    community_code: str
    community_name: str
    street_code: str
    unit_id: int | None
    unit_name: str | None
    started_at: dt.datetime
    deadline: dt.datetime
    level_since: dt.datetime


class AlertPage(Record):
    items: list[AlertView]
    next_cursor: str | None


class ProjectAlert(Record):
    """The colour a project's running clock has reached (as of the last sweep)."""

    project_id: int
    step: LimitStep
    step_label: str
    level: Alert
    level_label: str
    deadline: dt.datetime
    level_since: dt.datetime
    unit_id: int | None


class SupervisionNoteIn(Input):
    """督办意见; ``resolve`` also closes the item (办结督办)."""

    note: Annotated[str, Text(500)]
    resolve: bool = False

def _hours(limit: dt.timedelta) -> Decimal:
    return Decimal(int(limit.total_seconds()) // 60) / 60


# whole minutes with at most two decimals of an hour: multiples of 0.05 h (3 minutes)
_MINUTES = Decimal("0.05")


def _limit_schema(step: LimitStep) -> dict[str, Any]:
    return {"properties": {"step": {"const": step.value},
                           "hours": decimal_schema(_hours(MIN_LIMIT), _hours(MAX_LIMIT[step]), _MINUTES)}}


class TimeLimitIn(Input):
    """One limit: a step, an urgency and how many hours (whole minutes, e.g. 0.5 or 36), at
    least a quarter of an hour and at most the step's ceiling."""

    model_config = ConfigDict(json_schema_extra=rules({"anyOf": [_limit_schema(s) for s in LimitStep]}))

    step: LimitStep
    urgency: Urgency
    # the model's own check below says which bound a limit breaks, in words
    hours: Annotated[Decimal, Numeric(2, str(_hours(MIN_LIMIT)), str(max(_hours(m) for m in MAX_LIMIT.values())),
                                      quantum=_MINUTES, checked=False)]

    @model_validator(mode="after")
    def _bounds(self) -> TimeLimitIn:
        minutes = self.hours * 60
        label = f"{self.step.label}时限（{self.urgency.label}）"
        if self.hours <= 0:
            raise PydanticCustomError("limit_not_positive", "{what}须大于0小时", {"what": label})
        if minutes != minutes.to_integral_value():
            raise PydanticCustomError("limit_not_whole_minutes", "{what}须为整分钟数", {"what": label})
        if dt.timedelta(minutes=int(minutes)) < MIN_LIMIT:
            raise PydanticCustomError("limit_too_short", "{what}不能少于{least}分钟",
                                      {"what": label, "least": int(MIN_LIMIT.total_seconds() // 60)})
        most = MAX_LIMIT[self.step]
        if dt.timedelta(minutes=int(minutes)) > most:
            raise PydanticCustomError("limit_too_long", "{what}不能超过{days}天",
                                      {"what": label, "days": most.days})
        return self

    @property
    def minutes(self) -> int:
        return int(self.hours * 60)


class TimeLimitsIn(Input):
    """A category's own limits; what is left out follows the top-level category, then the default.

    PUT replaces the category's overrides as a whole: an empty list returns it to the defaults.
    """

    model_config = ConfigDict(json_schema_extra=rules(*(
        {"properties": {"limits": {"contains": {"required": ["step", "urgency"], "properties": {
            "step": {"const": step.value}, "urgency": {"const": urgency.value}}}, "minContains": 0, "maxContains": 1}}}
        for step in LimitStep for urgency in Urgency)))

    limits: list[TimeLimitIn] = Field(max_length=len(LimitStep) * len(Urgency))

    @field_validator("limits")
    @classmethod
    def _unique(cls, v: list[TimeLimitIn]) -> list[TimeLimitIn]:
        seen: set[tuple[str, str]] = set()
        for item in v:
            key = (item.step.value, item.urgency.value)
            if key in seen:
                raise PydanticCustomError("duplicate_limit", "同一环节和紧急程度的时限重复：{step}（{urgency}）",
                                          {"step": item.step.label, "urgency": item.urgency.label})
            seen.add(key)
        return v


class TimeLimit(Record):
    step: LimitStep
    step_label: str
    urgency: Urgency
    urgency_label: str
    hours: float
    source: Literal["category", "parent", "default"]
    source_label: str


class CategoryTimeLimits(Record):
    category_code: str
    category_name: str
    parent_code: str | None
    limits: list[TimeLimit]
