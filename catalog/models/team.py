"""Who takes a project: claims, offers and batch proposals (assignments), a unit declining or
giving work back, and the team of a lead (主办) and helpers (协办) (catalog.lists.team)."""

from __future__ import annotations

import datetime as dt

from pydantic import computed_field

from catalog.enums import AssignmentKind, AssignmentRole, AssignmentStatus, DeclineReason, ProjectStatus
from catalog.models.common import Id, Input, ListQuery, Record, ShortText, _ReasonWithNote


class ReasonIn(_ReasonWithNote):
    """Why a unit declines an offer or gives a project back."""

    reason: DeclineReason


class Assignment(Record):
    id: int
    project_id: int
    unit_id: int
    resource_id: int | None
    kind: AssignmentKind
    role: AssignmentRole
    status: AssignmentStatus
    reason_code: str | None
    note: str | None
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    # the secretary's confirmation of a batch proposal (migration 0007); None for claims and offers
    confirmed_at: dt.datetime | None = None
    confirmed_by: str | None = None


class TeamMember(Record):
    """A unit on a project's team now: the lead (主办) and the helpers (协办), live or done."""

    assignment_id: int
    unit_id: int
    unit_name: str
    role: AssignmentRole
    kind: AssignmentKind
    status: AssignmentStatus
    created_at: dt.datetime
    expires_at: dt.datetime | None
    answered_at: dt.datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def role_label(self) -> str:
        return self.role.label

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str:
        return self.status.label_for(self.kind)


class AssignmentFilter(ListQuery):
    status: AssignmentStatus | None = None


class UnitAssignment(Assignment):
    """One of a unit's claims or offers, with the project it is about."""

    project_number: str
    project_title: str
    project_status: ProjectStatus


class UnitAssignmentPage(Record):
    items: list[UnitAssignment]
    next_cursor: str | None


class ClaimIn(Input):
    resource_id: Id | None = None


class DirectIn(Input):
    unit_id: Id
    resource_id: Id | None = None


class ReassignIn(DirectIn):
    """改派: the unit (and resource) the project goes to instead, and why."""

    note: ShortText | None = None
