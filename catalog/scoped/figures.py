"""Figures (the map and the charts) as one reader sees them: a secretary their community, a
street admin their street or one of its communities, the alliance administrator and the public
the county or any street or community (the public: counts only). The rules are
:func:`catalog.oversight.charts.scope_for`'s; every figure is read for a scope it handed out."""

from __future__ import annotations

from catalog.models import Principal
from catalog.oversight import charts
from catalog.oversight.charts import AreaName, ChartScope, Figures
from catalog.storage.tx import Db


async def chart_scope(db: Db, p: Principal | None, *, community: str | None = None,
                      street: str | None = None) -> ChartScope:
    """The scope asked for, checked: outside the reader's scope 404, a role without figures 403;
    nothing asked: all the reader may see."""
    return await charts.scope_for(db, p, community=community, street=street)


async def figures(db: Db, p: Principal | None, scope: ChartScope) -> Figures:
    """The map and every chart of a scope from :func:`chart_scope` (the same reader's)."""
    return await charts.figures(db, p, scope)


async def chart_areas(db: Db) -> list[AreaName]:
    """Streets and communities (code, name, parent), for pickers and titles: public."""
    return await charts.area_names(db)
