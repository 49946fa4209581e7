"""街道/联盟管理员 · 数据图表: the map and the charts for the street (or one of its communities), or
for the alliance administrator the county (or any street or community)."""

from __future__ import annotations

from catalog import scoped
from catalog.enums import Role

from ..kit import View, page
from ..pictures.figures import area_choices, asked_area, pictures


@page("/admin/figures", roles=(Role.STREET_ADMIN,), template="charts/figures.html", nav="数据图表", order=60)
async def admin_figures(v: View) -> dict:
    community, street = asked_area(v)
    scope = await scoped.chart_scope(v.db, v.me, community=community, street=street)
    f = await scoped.figures(v.db, v.me, scope)
    return {"f": f, "pics": pictures(f), "choices": await area_choices(v, v.me), "here": "/admin/figures"}
