"""The history of a need, project, resource, unit or assignment, for those who may read the thing."""

from __future__ import annotations

from catalog.errors import NotFound
from catalog.lists import projects
from catalog.models import HistoryEntry, Principal
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

from .needs import readable_need
from .projects import project_access
from .resources import get_resource
from .units import get_unit


async def history(db: Db, p: Principal, entity: str, entity_id: int) -> list[HistoryEntry]:
    """The history of an entity the caller may read; 404 for anything else."""
    if entity == "need":
        await readable_need(db, p, entity_id)
    elif entity == "project":
        await project_access(db, p, entity_id)
    elif entity == "resource":
        await get_resource(db, p, entity_id)
    elif entity == "unit":
        await get_unit(db, p, entity_id)
    elif entity == "assignment":
        async with connection(db) as conn:
            row = await conn.fetchrow(q("assignment_get_scoped"), entity_id)
        if row is None:
            raise NotFound("认领/派单不存在", code="assignment_not_found", details={"id": entity_id})
        await project_access(db, p, row["project_id"])
    else:
        raise NotFound("没有这种记录", code="unknown_entity", details={"entity": entity})
    return await projects.history_of(db, entity, entity_id)
