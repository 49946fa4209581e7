"""Read-only figures for overview pages and health checks."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from catalog.enums import NeedStatus, ProjectStatus, ResourceStatus, UnitStatus
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

_LABELS = {"need": NeedStatus, "project": ProjectStatus, "resource": ResourceStatus, "unit": UnitStatus}


class StatusCount(BaseModel):
    status: str
    label: str
    count: int


class PublicProject(BaseModel):
    number: str
    title: str
    status: str
    status_label: str
    category_name: str
    community_name: str


async def status_counts(db: Db) -> dict[str, list[StatusCount]]:
    """Per list (need, project, resource, unit), every status in lifecycle order with its count."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("stats_status_counts"))
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        found[r["list"]][r["status"]] = r["n"]
    return {
        name: [StatusCount(status=s.value, label=s.label, count=found[name].get(s.value, 0)) for s in enum]
        for name, enum in _LABELS.items()
    }


async def recent_public_projects(db: Db, limit: int = 20) -> list[PublicProject]:
    async with connection(db) as conn:
        rows = await conn.fetch(q("stats_recent_public_projects"), limit)
    return [
        PublicProject(
            number=r["number"], title=r["title"], status=r["status"],
            status_label=ProjectStatus(r["status"]).label, category_name=r["category_name"],
            community_name=r["community_name"],
        )
        for r in rows
    ]


async def ping(db: Db) -> None:
    async with connection(db) as conn:
        await conn.fetchval(q("stats_ping"))
