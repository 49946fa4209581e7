"""公示: the public board. No personal data leaves these endpoints."""

from __future__ import annotations

from catalog import scoped
from catalog.models import LeagueTable, ProjectFilter, PublicProject, PublicProjectPage

from ..routing import Call, endpoint


@endpoint("GET", "/public/projects", summary="项目公示（已发布及以后）", tag="public", public=True,
          query=ProjectFilter, response=PublicProjectPage)
async def projects(c: Call) -> PublicProjectPage:
    return await scoped.public_projects(c.db, c.query)


@endpoint("GET", "/public/projects/{number}", summary="公示项目详情与进展照片", tag="public", public=True,
          response=PublicProject)
async def project(c: Call) -> PublicProject:
    return await scoped.public_project(c.db, c.text("number"))


@endpoint("GET", "/public/units", summary="成员单位信用排行榜", tag="public", public=True, response=LeagueTable)
async def league(c: Call) -> LeagueTable:
    return await scoped.league_table(c.db)
