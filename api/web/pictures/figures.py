"""What the three figures pages (社区数据, 数据图表, 数据公示) share: the pictures of one scope's
figures, the streets and communities a reader may pick, and the area asked for.

The pages read the figures through ``catalog.scoped`` with the reader, so a secretary gets their
community, a street admin their street (or one of its communities), the alliance administrator
the county (or any street or community), and the public counts only: no single need, no drafts.
"""

from __future__ import annotations

from catalog import scoped
from catalog.models import Figures, Principal

from ..kit import View
from .charts import demand_supply_chart, duration_chart, satisfaction_chart, status_chart
from .maps import draw_map
from .svg import Picture


def pictures(f: Figures) -> dict[str, Picture]:
    return {
        "map": draw_map(f.map),
        "balance": demand_supply_chart(f.balance, f.scope),
        "weeks": status_chart(f.weeks, f.scope),
        "claim": duration_chart(f.durations.claim, f.scope, "time-to-claim", "#0b5cad"),
        "close": duration_chart(f.durations.close, f.scope, "time-to-close", "#2b8a3e"),
        "satisfaction": satisfaction_chart(f.satisfaction, f.scope),
    }


async def area_choices(v: View, p: Principal | None) -> dict:
    """Streets and communities the reader may pick, as (code, name) pairs."""
    areas = await scoped.chart_areas(v.db)
    allowed = None if p is None else p.communities
    comms = [a for a in areas if a.level == "community" and (allowed is None or a.code in allowed)]
    parents = {a.parent_code for a in comms}
    streets = [a for a in areas if a.level == "street" and a.code in parents]
    return {"streets": [(a.code, a.name) for a in streets], "communities": [(a.code, a.name) for a in comms]}


def asked_area(v: View) -> tuple[str | None, str | None]:
    """(community, street) from the query string; a community asked for wins over a street."""
    community = v.request.query.get("community", "").strip() or None
    street = v.request.query.get("street", "").strip() or None
    return community, (None if community else street)
