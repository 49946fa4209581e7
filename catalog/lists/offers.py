"""Whether a unit may be offered a project: one rule for both writers of offers.

:func:`catalog.lists.work.direct_project` (定向派单, and the one-by-one batch writer through it)
and :func:`catalog.batch.bulk.decide` (the batch job's set-based writer) read what the rule needs
under their own locks, ask :func:`offer_refusal`, and turn its reason code into their own outcome:
``direct_project`` raises the domain error :func:`catalog.lists.steps.refused` makes of it,
``decide`` skips the proposal with the code.

Pure: plain values in, ``None`` or a reason code out, no database. The checks come in a fixed
order and the first that fails names the refusal, so both writers refuse a pair for the same
reason: the unit, then the resource, then the project, then the unit's place on the project,
then the resource's capacity.

The project statuses an offer starts from and the one it leads to come from the transition table
(``catalog.enums.PROJECT_TRANSITIONS``): :data:`OFFER_FROM` and :data:`OFFERED` are what the
guarded UPDATEs get as parameters.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from catalog.enums import PROJECT_TRANSITIONS, AssignmentRole, ProjectStatus, ResourceStatus, UnitStatus

OFFER = "offer"  # the step's name in the transition table
OFFER_FROM = PROJECT_TRANSITIONS[OFFER]
OFFERED = ProjectStatus.DISPATCHED


def unit_refusal(status: str | None, cap: int, live: int) -> str | None:
    """A unit takes one more piece of work only when it exists, is active and is under its cap.

    ``status``: the unit's, ``None`` when there is no such unit; ``live``: its live work now,
    counted after its row was locked (less what the step itself already counts, if anything).
    """
    if status is None:
        return "unit_not_found"
    if status != UnitStatus.ACTIVE:
        return "unit_suspended"
    if live >= cap:
        return "unit_cap_reached"
    return None


def resource_refusal(
    unit_id: int, resource_id: int | None, owner: int | None, status: str | None,
) -> str | None:
    """The resource named for the work, if any, must exist, be the unit's own and be published.

    ``resource_id`` ``None``: the step names no resource, nothing to check; ``status`` ``None``
    with a ``resource_id``: there is no such resource.
    """
    if resource_id is None:
        return None
    if status is None:
        return "resource_not_found"
    if owner != unit_id:
        return "resource_not_of_unit"
    if status != ResourceStatus.PUBLISHED:
        return "resource_not_published"
    return None


def offer_refusal(
    *,
    unit_id: int,
    unit_status: str | None,
    unit_cap: int,
    unit_live: int,
    project_status: str | None,
    open_from: Collection[str] = OFFER_FROM,
    resource_id: int | None = None,
    resource_unit_id: int | None = None,
    resource_status: str | None = None,
    on_project: str | None = None,
    project_hours: Decimal = Decimal(0),
    resource_live: int = 0,
    resource_live_hours: Decimal = Decimal(0),
    capacity_projects: int | None = None,
    capacity_hours: Decimal | None = None,
) -> str | None:
    """Why the unit may not be offered the project now (a reason code), or ``None``: it may.

    * the unit (:func:`unit_refusal`): ``unit_status`` (``None``: no such unit), ``unit_cap`` and
      ``unit_live``, its live work now;
    * the resource (:func:`resource_refusal`): ``resource_id`` with its ``resource_unit_id`` and
      ``resource_status``;
    * the project: ``project_status`` (``None``: no such project) must be one of ``open_from``,
      :data:`OFFER_FROM` for a lead's offer (``project_not_found``, ``illegal_transition``);
    * ``on_project``: the role the unit already holds on the project (``unit_is_lead``,
      ``already_helper``);
    * the resource's capacity, only where the writer gives it (``capacity_projects``,
      ``capacity_hours``; ``None``: not checked): its live work ``resource_live`` and
      ``resource_live_hours`` plus this project's ``project_hours`` may not go over it
      (``resource_full``). The batch job gives it, so that a resource filled between its snapshot
      and its write is not over-booked; ``direct_project`` does not.
    """
    code = unit_refusal(unit_status, unit_cap, unit_live) or resource_refusal(
        unit_id, resource_id, resource_unit_id, resource_status
    )
    if code is not None:
        return code
    if project_status is None:
        return "project_not_found"
    if project_status not in open_from:
        return "illegal_transition"
    if on_project is not None:
        return "unit_is_lead" if on_project == AssignmentRole.LEAD else "already_helper"
    if (capacity_projects is not None and resource_live >= capacity_projects) or (
        capacity_hours is not None and resource_live_hours + project_hours > capacity_hours
    ):
        return "resource_full"
    return None
