"""Figures for the pictures: the map of needs and resources, and the charts, for one scope.

Every function reads a :class:`ChartScope`, which :func:`scope_for` builds from the reader's
:class:`~catalog.models.Principal` with the rules of :mod:`catalog.people.access`: a secretary sees their
community, a street admin their street, the alliance administrator the county; the public sees
counts for any area but never a single need. Figures are counts and durations; no query returns
a resident's name, phone or the words of a need, and a need's point is exact only for the
secretary of its community (everyone else gets :func:`~catalog.people.access.blur_point`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from catalog.enums import ProjectStatus, Role
from catalog.errors import Forbidden, NotFound
from catalog.local_time import LOCAL_TIME
from catalog.models import Principal
from catalog.models.charts import (
    AreaName,
    Bin,
    CategoryBalance,
    CategoryName,
    ChartScope,
    Distribution,
    Durations,
    Figures,
    MapArea,
    MapData,
    MapNeed,
    MapResource,
    UnitSatisfaction,
    WeekCount,
)
from catalog.people import access
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

# Who gets figures at all: the public (None) and these roles. A grid worker reads only the needs
# of their own grid and a unit only projects; a community's figures are not theirs to browse.
READERS = frozenset({Role.SECRETARY, Role.STREET_ADMIN})


# --- scope -----------------------------------------------------------------------------------


async def area_names(db: Db) -> list[AreaName]:
    """Streets and communities (code, name, parent), for pickers and titles."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("chart_areas"))
    return [AreaName.model_validate(dict(r)) for r in rows]


async def scope_for(db: Db, p: Principal | None, *, community: str | None = None,
                    street: str | None = None) -> ChartScope:
    """The scope a reader asks for, checked: what lies outside the reader's scope does not exist
    for them (``NotFound``), and roles without figures are refused (``Forbidden``).

    Without ``community`` or ``street`` the reader gets all they may see: their community, their
    street, or (alliance administrator and the public) the county.
    """
    if p is not None and p.role not in READERS:
        raise Forbidden("当前账号无权查看统计图表", code="forbidden")
    areas = {a.code: a for a in await area_names(db)}
    allowed = None if p is None else p.communities
    public = p is None

    def visible(codes: tuple[str, ...]) -> bool:
        return allowed is None or set(codes) <= set(allowed)

    if community:
        a = areas.get(community)
        if a is None or a.level != "community" or not visible((community,)):
            raise NotFound("社区不存在", code="area_not_found", details={"code": community})
        return ChartScope(kind="community", code=community, name=a.name, communities=(community,), public=public)
    if street:
        a = areas.get(street)
        codes = tuple(sorted(c.code for c in areas.values() if c.level == "community" and c.parent_code == street))
        if a is None or a.level != "street" or not visible(codes):
            raise NotFound("街道不存在", code="area_not_found", details={"code": street})
        return ChartScope(kind="street", code=street, name=a.name, communities=codes, public=public)
    if allowed is None:
        return ChartScope(kind="county", code=None, name="全县", communities=None, public=public)
    assert p is not None
    if p.role is Role.SECRETARY and p.community_code:
        a = areas.get(p.community_code)
        return ChartScope(kind="community", code=p.community_code, name=a.name if a else p.community_code,
                          communities=tuple(allowed), public=False)
    a = areas.get(p.street_code or "")
    return ChartScope(kind="street", code=p.street_code, name=a.name if a else (p.street_code or ""),
                      communities=tuple(allowed), public=False)


def _codes(scope: ChartScope) -> list[str] | None:
    return None if scope.communities is None else list(scope.communities)


async def _categories(conn) -> dict[str, CategoryName]:
    return {r["code"]: CategoryName.model_validate(dict(r)) for r in await conn.fetch(q("chart_categories"))}


# --- demand and supply -----------------------------------------------------------------------


async def demand_supply(db: Db, scope: ChartScope) -> list[CategoryBalance]:
    """Demand against supply per first-level category, in the categories' own order.

    Categories with neither needs nor resources in the scope are left out.
    """
    codes = _codes(scope)
    async with connection(db) as conn:
        cats = await _categories(conn)
        demand = await conn.fetch(q("chart_demand_by_category"), codes)
        supply = await conn.fetch(q("chart_supply_by_category"), codes)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def top(code: str) -> str:
        c = cats.get(code)
        return c.parent_code if c is not None and c.parent_code else code

    for r in demand:
        t = totals[top(r["category_code"])]
        t["needs"] += r["needs"]
        t["open_projects"] += r["open_projects"]
    for r in supply:
        t = totals[top(r["category_code"])]
        t["resources"] += r["resources"]
        t["capacity_projects"] += r["capacity_projects"]
        t["capacity_hours"] += r["capacity_hours"]
    order = sorted(totals, key=lambda c: (cats[c].sort_order, c) if c in cats else (0, c))
    return [
        CategoryBalance(code=c, name=cats[c].name if c in cats else c, needs=totals[c]["needs"],
                        open_projects=totals[c]["open_projects"], resources=totals[c]["resources"],
                        capacity_projects=totals[c]["capacity_projects"],
                        capacity_hours=totals[c]["capacity_hours"])
        for c in order
    ]


# --- projects by status over time ------------------------------------------------------------

# The lifecycle read in five phases (plus 已撤单): ten statuses are too many colours for one bar.
STATUS_PHASES: dict[str, tuple[str, tuple[ProjectStatus, ...]]] = {
    "draft": ("草拟", (ProjectStatus.DRAFT,)),
    "open": ("待承接", (ProjectStatus.PUBLISHED, ProjectStatus.CLAIMING, ProjectStatus.DISPATCHED)),
    "working": ("办理中", (ProjectStatus.ACCEPTED, ProjectStatus.IN_PROGRESS)),
    "closing": ("待结单", (ProjectStatus.AWAITING_CLOSE,)),
    "done": ("已办结", (ProjectStatus.CLOSED, ProjectStatus.RATED)),
    "cancelled": ("已撤单", (ProjectStatus.CANCELLED,)),
}
_PHASE_OF = {s.value: key for key, (_, members) in STATUS_PHASES.items() for s in members}


async def status_by_week(db: Db, scope: ChartScope, *, weeks: int = 12,
                         now: dt.datetime | None = None) -> list[WeekCount]:
    """Projects per phase (:data:`STATUS_PHASES`) at the end of each of the last ``weeks`` weeks.

    The current week is counted as it stands now. The public never sees drafts.
    """
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(LOCAL_TIME).date()
    monday = today - dt.timedelta(days=today.weekday())
    starts = [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    ends = [min(dt.datetime.combine(s + dt.timedelta(days=7), dt.time(), LOCAL_TIME), now) for s in starts]
    async with connection(db) as conn:
        rows = await conn.fetch(q("chart_project_status_at"), _codes(scope), ends)
    counts: list[dict[str, int]] = [{k: 0 for k in STATUS_PHASES} for _ in starts]
    for r in rows:
        counts[r["week"] - 1][_PHASE_OF[r["status"]]] += r["n"]
    if scope.public:
        for c in counts:
            c.pop("draft")
    return [WeekCount(week_start=s, at=e, counts=c) for s, e, c in zip(starts, ends, counts, strict=True)]


# --- time to claim and to close --------------------------------------------------------------

HOUR, DAY = 3600.0, 86400.0
CLAIM_BINS = ((0.0, "1小时内"), (HOUR, "1–6小时"), (6 * HOUR, "6–24小时"), (DAY, "1–2天"),
              (2 * DAY, "2–3天"), (3 * DAY, "3–7天"), (7 * DAY, "7天以上"))
CLOSE_BINS = ((0.0, "1天内"), (DAY, "1–3天"), (3 * DAY, "3–7天"), (7 * DAY, "7–14天"),
              (14 * DAY, "14–30天"), (30 * DAY, "30天以上"))


async def durations(db: Db, scope: ChartScope) -> Durations:
    """How long projects of the scope waited for a unit, and how long until 结单."""
    codes = _codes(scope)
    async with connection(db) as conn:
        rows = await conn.fetch(q("chart_duration_bins"), codes, [b[0] for b in CLAIM_BINS],
                                [b[0] for b in CLOSE_BINS])
        stats = await conn.fetchrow(q("chart_duration_stats"), codes)
    found = {(r["kind"], r["bin"]): r["n"] for r in rows}

    def dist(kind: str, title: str, edges) -> Distribution:
        bins = [Bin(label=label, low_s=low, count=found.get((kind, i), 0)) for i, (low, label) in enumerate(edges, 1)]
        return Distribution(title=title, bins=bins, total=sum(b.count for b in bins),
                            median_s=stats[f"{kind}_median"], p90_s=stats[f"{kind}_p90"])

    return Durations(claim=dist("claim", "从发布到单位接单", CLAIM_BINS),
                     close=dist("close", "从发布到结单", CLOSE_BINS))


# --- satisfaction by unit --------------------------------------------------------------------


async def satisfaction(db: Db, scope: ChartScope, *, limit: int = 20) -> list[UnitSatisfaction]:
    """Residents' ratings per unit for the scope's projects, best average first (``limit`` units)."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("chart_satisfaction_by_unit"), _codes(scope), limit)
    return [UnitSatisfaction(unit_id=r["unit_id"], unit_name=r["unit_name"], ratings=r["ratings"],
                             average=r["average"], scores=[r[f"s{i}"] for i in range(1, 6)]) for r in rows]


# --- the map ---------------------------------------------------------------------------------

# Where a need stands, in the words a secretary uses; a merged need follows its project.
MAP_STATES: dict[str, str] = {
    "pending": "待审核", "accepted": "待立项", "waiting": "待承接", "working": "办理中", "done": "已办结",
}


def need_state(status: str, project_status: str | None) -> str:
    if status in ("pending", "accepted"):
        return status
    if project_status in ("draft", "published", "claiming", "dispatched"):
        return "waiting"
    if project_status in ("accepted", "in_progress"):
        return "working"
    return "done"


async def map_data(db: Db, p: Principal | None, scope: ChartScope, *, limit: int = 3000) -> MapData:
    """The scope's communities, grids, needs and the resources serving it, for the map.

    The public gets no single need, only counts per community. Staff get each need as a dot; the
    point is exact for the secretary of its community and blurred for everyone else.
    """
    codes = _codes(scope)
    async with connection(db) as conn:
        cats = await _categories(conn)
        areas = [MapArea.model_validate(dict(r)) for r in await conn.fetch(q("chart_map_areas"), codes)]
        totals_rows = await conn.fetch(q("chart_map_need_totals"), codes)
        resource_rows = await conn.fetch(q("chart_map_resources"), codes)
        need_rows = [] if p is None else await conn.fetch(q("chart_map_needs"), codes, limit + 1)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {k: 0 for k in MAP_STATES})
    for r in totals_rows:
        totals[r["community_code"]][r["state"]] += r["n"]
    where = {a.code: (a.lat, a.lon) for a in areas if a.lat is not None and a.lon is not None}
    in_scope = {a.code for a in areas if a.level == "community"}

    def cat_name(code: str) -> str:
        c = cats.get(code)
        if c is None:
            return code
        parent = cats.get(c.parent_code or "")
        return f"{parent.name} · {c.name}" if parent else c.name

    needs: list[MapNeed] = []
    unplaced = 0
    exact = p is not None and p.role is Role.SECRETARY
    for r in need_rows[:limit]:
        own = r["lat"] is not None and r["lon"] is not None
        point = (r["lat"], r["lon"]) if own else where.get(r["grid_code"] or "") or where.get(r["community_code"])
        if point is None:
            unplaced += 1
            continue
        if own and not (exact and r["community_code"] == p.community_code):  # type: ignore[union-attr]
            point = access.blur_point(*point)
        needs.append(MapNeed(number=r["number"], category=cat_name(r["category_code"]),
                             community_code=r["community_code"], urgency=r["urgency"],
                             state=need_state(r["status"], r["project_status"]),
                             lat=point[0], lon=point[1], own_point=own))
    resources = [
        MapResource(id=r["id"], title=r["title"], unit_name=r["unit_name"], category=cat_name(r["category_code"]),
                    mode=r["mode"], centre_lat=r["centre_lat"], centre_lon=r["centre_lon"], radius_km=r["radius_km"],
                    communities=[c for c in r["area_communities"] if c in in_scope])
        for r in resource_rows
    ]
    return MapData(scope=scope, areas=areas, needs=needs, totals=dict(totals), resources=resources,
                   exact=exact, truncated=len(need_rows) > limit, unplaced=unplaced)


# --- one page's worth ------------------------------------------------------------------------


async def figures(db: Db, p: Principal | None, scope: ChartScope) -> Figures:
    """The map and every chart for ``scope`` (which :func:`scope_for` gave this reader)."""
    return Figures(scope=scope, balance=await demand_supply(db, scope), weeks=await status_by_week(db, scope),
                   durations=await durations(db, scope), satisfaction=await satisfaction(db, scope),
                   map=await map_data(db, p, scope))
