"""The directory: areas (区县、街道、社区、网格), categories and member units (catalog.lists.directory)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from catalog.enums import AreaLevel, UnitStatus, UnitType
from catalog.models.common import CategoryCode, Code, Input, Lat, ListQuery, Lon, Name, Record
from catalog.models.phones import ContactPhone
from catalog.shapes import Text, absent, given, rules, when


class AreaIn(Input):
    """An area; only a district has no parent."""

    model_config = ConfigDict(json_schema_extra=rules(
        when("level", AreaLevel.DISTRICT.value, absent("parent_code"), given("parent_code"))))

    code: Code
    level: AreaLevel
    name: Name
    parent_code: Code | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    households: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None

    @model_validator(mode="after")
    def _root(self) -> AreaIn:
        if (self.level is AreaLevel.DISTRICT) != (self.parent_code is None):
            raise ValueError("只有区县没有上级区域 (only a district has no parent)")
        return self


class Area(Record):
    code: str
    level: AreaLevel
    name: str
    parent_code: str | None
    lat: float | None
    lon: float | None
    households: int | None


class CategoryIn(Input):
    code: CategoryCode
    name: Annotated[str, Text(50)]
    parent_code: CategoryCode | None = None
    sort_order: Annotated[int, Field(ge=-(2**31), le=2**31 - 1)] = 0


class Category(Record):
    code: str
    level: int
    name: str
    parent_code: str | None
    sort_order: int
    retired_at: dt.datetime | None


class UnitIn(Input):
    name: Name
    unit_type: UnitType
    contact_name: Name
    contact_phone: ContactPhone
    home_area: Code
    active_cap: Annotated[int, Field(ge=1, le=1000)] | None = None


class Unit(Record):
    id: int
    name: str
    unit_type: UnitType
    contact_name: str
    contact_phone: str
    home_area: str
    home_street: str | None = Field(description="所属街道（由所属区域得出；空：县级单位，只归联盟管理员管理）")
    status: UnitStatus
    active_cap: int
    created_at: dt.datetime


class UnitFilter(ListQuery):
    unit_type: UnitType | None = None


class UnitView(Unit):
    personal_data: str


class UnitPage(Record):
    items: list[UnitView]
    next_cursor: str | None
