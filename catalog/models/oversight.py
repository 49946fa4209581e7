"""Oversight: unit credit and its ledger, the league table, and the sweep's result
(catalog.oversight)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints

from catalog.enums import Grade, UnitType
from catalog.models.common import PAGE_MAX, Input, Record


class CreditScore(Record):
    unit_id: int
    score: float
    grade: Grade
    response_rate: float | None
    solve_rate: float | None
    satisfaction: float | None
    events: int


class CreditLedgerEntry(Record):
    id: int
    unit_id: int
    project_id: int | None
    kind: str
    value: int | None
    created_at: dt.datetime


class CreditLedger(Record):
    score: CreditScore
    items: list[CreditLedgerEntry]
    next_cursor: str | None


class LeagueRow(Record):
    rank: int
    unit_id: int
    unit_name: str
    unit_type: UnitType
    score: float
    grade: Grade
    finished: int


class LeagueQuery(Input):
    """A page of the league table: ``cursor`` is the rank the previous page ended at."""

    cursor: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,7}$")] | None = None
    limit: Annotated[int, Field(ge=1, le=1_000_000)] = 50

    @property
    def page_size(self) -> int:
        return min(self.limit, PAGE_MAX)

    @property
    def after(self) -> int:
        return int(self.cursor) if self.cursor is not None else 0


class LeagueTable(Record):
    """Units by rank; a page of it carries ``total`` and the cursor of the next page."""

    items: list[LeagueRow]
    total: int = 0
    next_cursor: str | None = None

    @classmethod
    def page(cls, table: LeagueTable | dict, q: LeagueQuery) -> LeagueTable:
        """One page of a whole table (the table itself or its cached JSON form)."""
        rows = table.items if isinstance(table, LeagueTable) else table["items"]
        end = q.after + q.page_size
        return cls(items=rows[q.after:end], total=len(rows), next_cursor=str(end) if end < len(rows) else None)


class SweepResult(Record):
    expired: int
    closed_unrated: int
