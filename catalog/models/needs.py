"""需求清单: needs as staff record them and as residents submit them (点单), their review and
their views (catalog.lists.needs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from catalog.enums import NeedStatus, RejectReason, SourceChannel, Urgency
from catalog.models.common import (
    CategoryCode,
    Code,
    Input,
    Lat,
    ListQuery,
    Lon,
    LongText,
    Name,
    Record,
    Tag,
    _ReasonWithNote,
)
from catalog.models.phones import MobilePhone
from catalog.shapes import Day, Text, all_or_none, rules


class NeedIn(Input):
    """A need recorded by staff: lat and lon together or neither; desired_to not before desired_from."""

    model_config = ConfigDict(json_schema_extra=rules(all_or_none("lat", "lon")))

    title: Name
    description: LongText = ""
    category_code: CategoryCode
    community_code: Code
    grid_code: Code | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    beneficiary_count: Annotated[int, Field(ge=1, le=100000)] = 1
    beneficiary_groups: list[Tag] = Field(default_factory=list, max_length=10)
    urgency: Urgency = Urgency.NORMAL
    desired_from: Day | None = None
    desired_to: Day | None = None
    source_channel: SourceChannel
    requester_name: Annotated[str, Text(50)]
    requester_phone: MobilePhone

    @model_validator(mode="after")
    def _rules(self) -> NeedIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("经纬度须同时填写")
        if self.desired_from and self.desired_to and self.desired_from > self.desired_to:
            raise PydanticCustomError("date_order", "期望开始日期晚于结束日期")
        return self


class Need(Record):
    id: int
    number: str
    title: str
    description: str
    category_code: str
    community_code: str
    grid_code: str | None
    lat: float | None
    lon: float | None
    beneficiary_count: int
    beneficiary_groups: list[str]
    urgency: Urgency
    desired_from: dt.date | None
    desired_to: dt.date | None
    source_channel: SourceChannel
    requester_name: str
    requester_phone: str
    status: NeedStatus
    status_reason: str | None
    project_id: int | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class RejectIn(_ReasonWithNote):
    reason: RejectReason


class NeedFilter(ListQuery):
    community: Code | None = None
    street: Code | None = None
    category: CategoryCode | None = None
    status: NeedStatus | None = None
    urgency: Urgency | None = None
    created_from: Day | None = Field(None, description="创建日期起（含），YYYY-MM-DD，按北京时间")
    created_to: Day | None = Field(None, description="创建日期止（含），YYYY-MM-DD，按北京时间")

    @model_validator(mode="after")
    def _range(self) -> NeedFilter:
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise PydanticCustomError("date_order", "开始日期（created_from）不能晚于结束日期（created_to）")
        return self


class NeedView(Need):
    """A need as one reader sees it: requester name and phone full or masked."""

    personal_data: str


class NeedPage(Record):
    items: list[NeedView]
    next_cursor: str | None


class PublicNeedIn(Input):
    """What a resident fills in on the public form (点单); the channel is always 线上."""

    title: Name
    description: LongText = ""
    category_code: CategoryCode
    community_code: Code
    grid_code: Code | None = None
    beneficiary_count: Annotated[int, Field(ge=1, le=1000)] = 1
    beneficiary_groups: list[Tag] = Field(default_factory=list, max_length=10)
    urgency: Urgency = Urgency.NORMAL
    desired_from: Day | None = None
    desired_to: Day | None = None
    requester_name: Annotated[str, Text(50)]
    requester_phone: MobilePhone


class NeedReceipt(Record):
    """What the resident gets back: the number to quote, nothing personal."""

    number: str
    status: NeedStatus
    status_label: str
