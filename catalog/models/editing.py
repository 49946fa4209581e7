"""The administrators' desk over member units: a unit's details as they correct them, and the list
of units with their live work against the cap (catalog.lists.editing)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from catalog.enums import UnitStatus, UnitType
from catalog.models.common import Code, Input, ListQuery, Name, Record
from catalog.models.directory import UnitView
from catalog.models.phones import ContactPhone


class UnitEditIn(Input):
    """A unit's details as the administrator corrects them; the cap is always stated."""

    name: Name
    unit_type: UnitType
    contact_name: Name
    contact_phone: ContactPhone
    home_area: Code
    active_cap: Annotated[int, Field(ge=1, le=1000)]


class UnitListFilter(ListQuery):
    unit_type: UnitType | None = None
    status: UnitStatus | None = None
    name: Name | None = None


class UnitRow(UnitView):
    """A unit in the administrator's list, with its live work against the cap."""

    live: int
    resources_pending: int


class UnitRowPage(Record):
    items: list[UnitRow]
    next_cursor: str | None
