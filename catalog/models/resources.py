"""资源清单: a unit's listed resources and their weekly openings (catalog.lists.resources)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from catalog.enums import FeeType, ResourceStatus, ServiceMode
from catalog.models.common import CategoryCode, Code, Id, Input, Lat, ListQuery, Lon, LongText, Name, Record, Tag
from catalog.shapes import Day, Numeric, absent, all_or_none, given, rules, when

ClockTime = Annotated[str, StringConstraints(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")]


class WeeklySlot(Input):
    """A weekly opening: ISO weekday (1 = Monday) and a time range ``HH:MM``; start before end."""

    weekday: Annotated[int, Field(ge=1, le=7)]
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _order(self) -> WeeklySlot:
        if self.start >= self.end:
            raise PydanticCustomError("slot_order", "开始时间应早于结束时间")
        return self


class ResourceIn(Input):
    """A unit's resource: a monthly capacity in projects or hours (or both); a service area of
    communities, or a circle (centre and radius, all three); a fee only when low-cost; valid_to
    not before valid_from."""

    model_config = ConfigDict(json_schema_extra=rules(
        {"anyOf": [given("capacity_projects"), given("capacity_hours")]},
        all_or_none("centre_lat", "centre_lon", "radius_km"),
        {"anyOf": [{"required": ["area_communities"], "properties": {"area_communities": {"minItems": 1}}},
                   given("radius_km")]},
        when("fee_type", FeeType.LOW_COST.value, given("fee_amount"), absent("fee_amount")),
    ))

    unit_id: Id
    title: Name
    content: LongText = ""
    category_code: CategoryCode
    skills: list[Tag] = Field(default_factory=list, max_length=20)
    capacity_projects: Annotated[int, Field(gt=0, le=10000)] | None = None
    capacity_hours: Annotated[int, Field(gt=0, le=100000)] | None = None
    area_communities: list[Code] = Field(default_factory=list, max_length=200)
    centre_lat: Lat | None = None
    centre_lon: Lon | None = None
    radius_km: Annotated[float, Field(gt=0, le=500)] | None = None
    availability: list[WeeklySlot] = Field(default_factory=list, max_length=50)
    valid_from: Day | None = None
    valid_to: Day | None = None
    mode: ServiceMode
    fee_type: FeeType = FeeType.FREE
    fee_amount: Annotated[Decimal, Numeric(2, "0", "99999999.99")] | None = None
    target_groups: list[Tag] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _rules(self) -> ResourceIn:
        if self.capacity_projects is None and self.capacity_hours is None:
            raise ValueError("须填写每月可承接项目数或每月服务时长 (capacity_projects or capacity_hours)")
        centre = (self.centre_lat, self.centre_lon, self.radius_km)
        if any(v is not None for v in centre) and any(v is None for v in centre):
            raise ValueError("服务半径须同时填写中心纬度、经度和半径")
        if not self.area_communities and self.radius_km is None:
            raise ValueError("须填写服务社区或服务半径 (area_communities or centre and radius)")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise PydanticCustomError("date_order", "有效期开始日期晚于结束日期")
        if (self.fee_type is FeeType.LOW_COST) != (self.fee_amount is not None):
            raise ValueError("低偿服务须填写收费金额，免费服务不填")
        return self


class Resource(Record):
    id: int
    unit_id: int
    title: str
    content: str
    category_code: str
    skills: list[str]
    capacity_projects: int | None
    capacity_hours: int | None
    area_communities: list[str]
    centre_lat: float | None
    centre_lon: float | None
    radius_km: float | None
    availability: list[dict[str, Any]]
    valid_from: dt.date | None
    valid_to: dt.date | None
    mode: ServiceMode
    fee_type: FeeType
    fee_amount: Decimal | None
    target_groups: list[str]
    status: ResourceStatus
    created_at: dt.datetime
    updated_at: dt.datetime


class ResourceFilter(ListQuery):
    unit_id: Id | None = None
    category: CategoryCode | None = None
    status: ResourceStatus | None = None


class ResourcePage(Record):
    items: list[Resource]
    next_cursor: str | None
