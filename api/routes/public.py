"""公示: the public board. No personal data leaves these endpoints."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from catalog import scoped
from catalog.models import (
    LeagueQuery,
    LeagueTable,
    ProjectFilter,
    PublicProject,
    PublicProjectPage,
)
from catalog.scoped import Db

from ..routing import Call, endpoint


@endpoint("GET", "/public/projects", summary="项目公示（已发布及以后）", tag="public", public=True,
          query=ProjectFilter, response=PublicProjectPage)
async def projects(c: Call) -> PublicProjectPage:
    key = "projects?" + c.query.model_dump_json(exclude_defaults=True)
    return await c.cached("board", key, lambda: scoped.public_projects(c.db, c.query))


@endpoint("GET", "/public/projects/{number}", summary="公示项目详情与进展照片", tag="public", public=True,
          response=PublicProject)
async def project(c: Call) -> PublicProject:
    number = c.text("number")
    return await c.cached("board", f"project:{number}", lambda: scoped.public_project(c.db, number))


async def league_page(cached: Callable[[str, str, Callable[[], Awaitable[Any]]], Awaitable[Any]], db: Db,
                      q: LeagueQuery) -> Any:
    """A page of the league table through the board's cache (the API's and the pages' alike).

    The whole ranking (every active unit's credit) is cached once, its length on its own, and
    each page as served (first rank and size, however the query spelled them): a cached page is
    a few kilobytes to decode, not the whole table. A page past the end is answered, not cached."""

    async def whole() -> Any:
        return await cached("board", "league", lambda: scoped.league_table(db))

    async def count() -> int:
        table = await whole()
        return len(table.items if isinstance(table, LeagueTable) else table["items"])

    total = await cached("board", "league:total", count)
    if q.after and q.after >= total:
        return LeagueTable(items=[], total=total)

    async def load() -> LeagueTable:
        return LeagueTable.page(await whole(), q)

    return await cached("board", f"league@{q.after}+{q.page_size}", load)


@endpoint("GET", "/public/units", summary="成员单位信用排行榜（分页，按名次）", tag="public", public=True,
          query=LeagueQuery, response=LeagueTable)
async def league(c: Call) -> LeagueTable:
    return await league_page(c.cached, c.db, c.query)
