"""公示: the public board. No personal data leaves these endpoints."""

from __future__ import annotations

from catalog import scoped
from catalog.models import LeagueQuery, LeagueTable, ProjectFilter, PublicProject, PublicProjectPage

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


@endpoint("GET", "/public/units", summary="成员单位信用排行榜（分页，按名次）", tag="public", public=True,
          query=LeagueQuery, response=LeagueTable)
async def league(c: Call) -> LeagueTable:
    # the whole ranking is cached once; each page is a slice of it
    table = await c.cached("board", "league", lambda: scoped.league_table(c.db))
    return LeagueTable.page(table, c.query)
