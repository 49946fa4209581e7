"""协办 as one principal sees it: the secretary asks a unit to help on a project of their community
or takes an unanswered request back; the unit answers its helper proposal or gives the role back."""

from __future__ import annotations

from catalog.lists import team
from catalog.models import Assignment, DirectIn, NoteIn, Principal, ReasonIn
from catalog.storage.tx import Db

from .projects import as_unit, managed_project


async def add_helper(db: Db, p: Principal, project_id: int, data: DirectIn) -> Assignment:
    """The secretary of the project's community asks one more unit to help (协办邀请)."""
    await managed_project(db, p, project_id)
    return await team.add_helper(db, project_id, data.unit_id, p.actor, data.resource_id)


async def withdraw_helper(db: Db, p: Principal, project_id: int, unit_id: int, data: NoteIn) -> Assignment:
    """The secretary takes back a helper proposal its unit has not answered."""
    await managed_project(db, p, project_id)
    return await team.withdraw_helper(db, project_id, unit_id, p.actor, data.note)


async def accept_helper(db: Db, p: Principal, project_id: int) -> Assignment:
    unit = await as_unit(db, p, project_id, owner_only=False)
    return await team.accept_helper(db, project_id, unit, p.actor)


async def decline_helper(db: Db, p: Principal, project_id: int, data: ReasonIn) -> Assignment:
    unit = await as_unit(db, p, project_id, owner_only=False)
    return await team.decline_helper(db, project_id, unit, data, p.actor)


async def give_back_helper(db: Db, p: Principal, project_id: int, data: ReasonIn) -> Assignment:
    unit = await as_unit(db, p, project_id, owner_only=False)
    return await team.give_back_helper(db, project_id, unit, data, p.actor)
