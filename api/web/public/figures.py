"""数据公示: the map and the charts for anyone, counts only (no single need, no drafts), for the
county or any street or community; cached with the public board."""

from __future__ import annotations

from catalog import scoped
from catalog.models import Figures

from ..kit import View, page
from ..pictures.figures import area_choices, asked_area, pictures


@page("/public/figures", public=True, template="charts/figures.html", nav="数据公示", order=25)
async def public_figures(v: View) -> dict:
    community, street = asked_area(v)

    async def load() -> Figures:
        scope = await scoped.chart_scope(v.db, None, community=community, street=street)
        return await scoped.figures(v.db, None, scope)

    data = await v.cached("board", f"figures?c={community or ''}&s={street or ''}", load)
    f = Figures.model_validate(data)
    return {"f": f, "pics": pictures(f), "choices": await area_choices(v, None), "here": "/public/figures"}
