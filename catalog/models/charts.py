"""Figures for the pictures, one scope at a time: the map of needs and resources, and the charts
(catalog.oversight.charts). Counts and durations only: no resident's name, phone or words."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from catalog.enums import Urgency


class Figure(BaseModel):
    model_config = ConfigDict(frozen=True)


class ChartScope(Figure):
    """Whose figures: the communities counted (``None``: the whole county) and their name."""

    kind: Literal["county", "street", "community"]
    code: str | None
    name: str
    communities: tuple[str, ...] | None
    public: bool


class AreaName(Figure):
    code: str
    level: str
    name: str
    parent_code: str | None


class CategoryName(Figure):
    code: str
    name: str
    parent_code: str | None
    sort_order: int


class CategoryBalance(Figure):
    """One first-level category: what is asked for and what is on offer in the scope."""

    code: str
    name: str
    needs: int  # needs recorded (not rejected or withdrawn)
    open_projects: int  # projects waiting for a unit (已发布, 认领中, 已派单)
    resources: int  # published resources serving the scope
    capacity_projects: int  # how many projects those resources say they can take on
    capacity_hours: int


class WeekCount(Figure):
    week_start: dt.date  # a Monday, Beijing time
    at: dt.datetime  # the moment counted: the week's end, or now for the current week
    counts: dict[str, int]  # phase → projects


class Bin(Figure):
    label: str
    low_s: float
    count: int


class Distribution(Figure):
    title: str
    bins: list[Bin]
    total: int
    median_s: float | None
    p90_s: float | None


class Durations(Figure):
    claim: Distribution  # publishing → a unit took it on
    close: Distribution  # publishing → 结单


class UnitSatisfaction(Figure):
    unit_id: int
    unit_name: str
    ratings: int
    average: float
    scores: list[int]  # how many ratings gave 1, 2, 3, 4, 5 stars


class MapArea(Figure):
    code: str
    level: str
    name: str
    parent_code: str | None
    lat: float | None
    lon: float | None


class MapNeed(Figure):
    number: str
    category: str
    community_code: str
    urgency: Urgency
    state: str
    lat: float
    lon: float
    own_point: bool  # False: drawn at its grid's (or community's) centre, having no point of its own


class MapResource(Figure):
    id: int
    title: str
    unit_name: str
    category: str
    mode: str
    centre_lat: float | None
    centre_lon: float | None
    radius_km: float | None
    communities: list[str]  # communities of the scope it lists by name


class MapData(Figure):
    scope: ChartScope
    areas: list[MapArea]
    needs: list[MapNeed]  # empty for the public: they get ``totals`` only
    totals: dict[str, dict[str, int]]  # community → state → needs
    resources: list[MapResource]
    exact: bool  # needs at their own points, or blurred to about 100 m
    truncated: bool  # more needs than drawn (the newest are drawn)
    unplaced: int  # needs with neither a point nor a located grid or community


class Figures(BaseModel):
    """Everything a figures page draws, loaded at once (and cached as one piece for the public)."""

    scope: ChartScope
    balance: list[CategoryBalance]
    weeks: list[WeekCount]
    durations: Durations
    satisfaction: list[UnitSatisfaction]
    map: MapData
