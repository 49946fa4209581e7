"""What every schema builds on: the shared field types, ``Input`` and ``Record``, who acts
(``Actor``) and who calls (``Principal``), list paging (``ListQuery``), a reason with its note,
and the history every list keeps.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from catalog.enums import Role
from catalog.shapes import NON_BLANK, Text, int_pattern, rules, when

Code = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{1,32}$")]
CategoryCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]{1,63}$")]
# Lengths count the text as sent; what is stored has no whitespace around it (catalog.shapes).
Name = Annotated[str, Text(100)]
ShortText = Annotated[str, Text(2000, blank=True)]
LongText = Annotated[str, Text(5000, blank=True)]
Tag = Annotated[str, Text(30)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Id = Annotated[int, Field(gt=0, lt=2**63)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, from_attributes=True)


class Actor(Input):
    """Who does something; recorded in history as ``role:ref``."""

    role: Role
    ref: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "-"

    def __str__(self) -> str:
        return f"{self.role.value}:{self.ref}"


SYSTEM = Actor(role=Role.SYSTEM, ref="sweep")


class _ReasonWithNote(Input):
    """A reason code from a closed list; ``other`` needs a note saying what it is."""

    model_config = ConfigDict(json_schema_extra=rules(when(
        "reason", "other", {"required": ["note"], "properties": {"note": {"type": "string", "pattern": NON_BLANK}}})))

    note: ShortText | None = None

    @model_validator(mode="after")
    def _note_for_other(self) -> _ReasonWithNote:
        if getattr(self, "reason", None) == "other" and not self.note:
            raise ValueError("选择“其他原因”时须说明理由")
        return self


class HistoryEntry(Record):
    id: int
    entity: str
    entity_id: str
    from_status: str | None
    to_status: str
    actor: str
    reason_code: str | None
    note: str | None
    at: dt.datetime


class _AccountScope(Record):
    """Who an account is and where it may act; shared by the stored account and the caller."""

    username: str
    display_name: str
    role: Role
    community_code: str | None
    grid_code: str | None
    street_code: str | None
    unit_id: int | None


class Principal(_AccountScope):
    """Who is calling, resolved from a bearer token on every request.

    ``communities`` is the set of communities whose needs and projects the account may read:
    one for a secretary or grid worker, the street's for a street admin, ``None`` (all) for the
    alliance administrator, empty for units and the batch job.
    """

    account_id: int
    communities: tuple[str, ...] | None

    @property
    def actor(self) -> Actor:
        return Actor(role=self.role, ref=self.username)


PAGE_MAX = 100


class ListQuery(Input):
    """Paging shared by every list: an opaque cursor, a page size (capped at 100), a direction."""

    # an id: a number past bigint names no row and must not reach the database
    cursor: Annotated[str, StringConstraints(pattern=f"^{int_pattern(0, 2**63 - 1)}$")] | None = None
    limit: Annotated[int, Field(ge=1, le=1_000_000)] = 50
    sort: Annotated[str, StringConstraints(pattern=r"^(newest|oldest)$")] = "newest"

    @property
    def page_size(self) -> int:
        return min(self.limit, PAGE_MAX)

    @property
    def after(self) -> int | None:
        return int(self.cursor) if self.cursor is not None else None

    @property
    def ascending(self) -> bool:
        return self.sort == "oldest"


class NoteIn(Input):
    note: ShortText | None = None
