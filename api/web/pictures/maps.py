"""The map of needs and resources (需求与资源地图), drawn as SVG from WGS-84 coordinates.

No tiles, no online map service: the map is the scope's own points on a plain background, in a
local flat projection (kilometres east and north of the points' middle; over a county the error
is far below what a dot shows), with a scale bar and a north arrow. Staff see each need as a dot
coloured by where it stands; the public sees one circle per community sized by its needs.
"""

from __future__ import annotations

import math

from catalog.enums import ServiceMode, Urgency
from catalog.models import MapData, MapNeed
from catalog.scoped import MAP_STATES

from .svg import FRAME, INK, MUTED, Picture, Shape, Table, circle, line, num, rect, text, text_width

STATE_COLOURS = {"pending": "#7048e8", "accepted": "#0b5cad", "waiting": "#d9480f", "working": "#e8a317",
                 "done": "#2b8a3e"}
RESOURCE_COLOUR = "#0c8599"
COMMUNITY_COLOUR = "#b42318"
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320  # at the equator; times cos(latitude)
WIDTH = 800
MARGIN = 36


class Projection:
    """Degrees → pixels: a local equirectangular projection fitted into the picture."""

    def __init__(self, points: list[tuple[float, float]]):
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        self.lat0 = (min(lats) + max(lats)) / 2
        self.lon0 = (min(lons) + max(lons)) / 2
        self.kx = KM_PER_DEG_LON * math.cos(math.radians(self.lat0))
        xs = [(lon - self.lon0) * self.kx for lon in lons]
        ys = [(lat - self.lat0) * KM_PER_DEG_LAT for lat in lats]
        # at least 1.5 km across, so one community's few points do not fill the frame
        span_x = max(max(xs) - min(xs), 1.5)
        span_y = max(max(ys) - min(ys), 1.5)
        self.cx, self.cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        inner_w = WIDTH - 2 * MARGIN
        self.height = int(min(max(inner_w * span_y / span_x, 300), 620)) + 2 * MARGIN
        inner_h = self.height - 2 * MARGIN
        self.scale = min(inner_w / (span_x * 1.08), inner_h / (span_y * 1.08))  # pixels per km

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        x = (lon - self.lon0) * self.kx
        y = (lat - self.lat0) * KM_PER_DEG_LAT
        return WIDTH / 2 + (x - self.cx) * self.scale, self.height / 2 - (y - self.cy) * self.scale


def _scale_bar(proj: Projection) -> list[Shape]:
    """A bar of a round length (100 m … 50 km) about a sixth of the map's width."""
    want = (WIDTH / 6) / proj.scale
    km = next((k for k in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if k >= want * 0.6), 100)
    px = km * proj.scale
    x0, y0 = 16.0, proj.height - 16.0
    label = f"{int(km * 1000)} 米" if km < 1 else f"{km:g} 公里"
    return [rect(x0 - 6, y0 - 24, px + 12, 32, "#fff", **{"fill-opacity": ".85"}),
            line(x0, y0, x0 + px, y0, INK, 2.5),
            line(x0, y0 - 6, x0, y0 + 1, INK, 2), line(x0 + px, y0 - 6, x0 + px, y0 + 1, INK, 2),
            text(x0 + px / 2, y0 - 8, label, anchor="middle", size=12, **{"data-scale-km": f"{km:g}"})]


def _north(proj: Projection) -> list[Shape]:
    x, y = WIDTH - 26.0, 22.0
    return [Shape("path", {"d": f"M{num(x)} {num(y - 12)} L{num(x + 7)} {num(y + 8)} L{num(x)} {num(y + 3)} "
                                f"L{num(x - 7)} {num(y + 8)} Z", "fill": INK}),
            text(x, y + 24, "北", anchor="middle", size=12, weight="600")]


def _spread(needs: list[MapNeed], proj: Projection) -> list[tuple[MapNeed, float, float]]:
    """Needs sharing one spot (drawn at a grid's centre, or blurred to the same 100 m) are laid
    out on a small spiral around it, so each stays visible and countable."""
    seen: dict[tuple[int, int], int] = {}
    out = []
    for n in needs:
        x, y = proj.xy(n.lat, n.lon)
        key = (round(x), round(y))
        k = seen.get(key, 0)
        seen[key] = k + 1
        if k:
            angle = k * 2.39996  # the golden angle: points fill the disc evenly
            radius = 5.0 * math.sqrt(k)
            x, y = x + radius * math.cos(angle), y + radius * math.sin(angle)
        out.append((n, x, y))
    return out


def draw_map(data: MapData, pid: str = "map") -> Picture:
    """The scope's map; the public variant (no needs in ``data``) shows counts per community."""
    scope = data.scope
    public = scope.public
    title = f"{scope.name}需求与资源地图"
    communities = [a for a in data.areas if a.level == "community"]
    names = {a.code: a.name for a in communities}
    res_by_community: dict[str, int] = {}
    for r in data.resources:
        for c in r.communities:
            res_by_community[c] = res_by_community.get(c, 0) + 1
    headers = ["社区", *MAP_STATES.values(), "需求合计", "服务本社区的资源"]
    rows = []
    for a in communities:
        t = data.totals.get(a.code, {k: 0 for k in MAP_STATES})
        served = sum(1 for r in data.resources if a.code in r.communities or _covers(r, a.lat, a.lon))
        rows.append([a.name, *[t.get(k, 0) for k in MAP_STATES], sum(t.values()), served])
    table = Table(headers, rows, set(range(1, len(headers))))
    legend: list[tuple[str, str, str]] = []
    if not public:
        legend += [("dot", STATE_COLOURS[k], f"需求 · {label}") for k, label in MAP_STATES.items()]
        legend.append(("ring", INK, "紧急需求（黑色外圈）"))
    else:
        legend.append(("dot", COMMUNITY_COLOUR, "社区需求数（圆越大需求越多）"))
    legend += [("square", COMMUNITY_COLOUR, "社区中心"), ("diamond", MUTED, "网格中心"),
               ("area", RESOURCE_COLOUR, "资源服务范围（半径）")]

    located = [(a.lat, a.lon) for a in data.areas if a.lat is not None and a.lon is not None]
    located += [(n.lat, n.lon) for n in data.needs]
    total_needs = sum(sum(t.values()) for t in data.totals.values())
    desc = (f"{scope.name}共有需求 {total_needs} 件，服务本区域的已发布资源 {len(data.resources)} 项。"
            + ("图中每个圆代表一个社区，大小表示需求数量，不显示单条需求的位置。" if public else
               f"图中每个点是一条需求，颜色表示办理状态，共绘出 {len(data.needs)} 条。"))
    if not located:
        shapes: list[Shape] = [rect(0.5, 0.5, WIDTH - 1, 159, "#fff", stroke=FRAME),
                               text(WIDTH / 2, 85, "暂无带坐标的社区或需求", anchor="middle", size=14, fill=MUTED)]
        return Picture(pid, title, desc, WIDTH, 160, shapes, legend, table, empty=True)

    proj = Projection(located)
    h = proj.height
    shapes = [rect(0.5, 0.5, WIDTH - 1, h - 1, "#f8fafc", stroke=FRAME)]
    # resource circles first, under everything, clipped to the frame
    areas_g = Shape("g", {"clip-path": f"url(#{pid}-clip)"})
    for r in data.resources:
        if r.centre_lat is None or r.centre_lon is None or r.radius_km is None:
            continue
        x, y = proj.xy(r.centre_lat, r.centre_lon)
        tip = f"{r.title}（{r.unit_name}）· {r.category} · {ServiceMode(r.mode).label} · 服务半径 {r.radius_km:g} 公里"
        areas_g.children.append(circle(x, y, r.radius_km * proj.scale, RESOURCE_COLOUR, tip, **{
            "fill-opacity": ".06", "stroke": RESOURCE_COLOUR, "stroke-opacity": ".6", "stroke-dasharray": "5 4",
            "data-resource": r.id, "data-radius-km": f"{r.radius_km:g}"}))
        areas_g.children.append(rect(x - 4, y - 4, 8, 8, RESOURCE_COLOUR, tip,
                                     transform=f"rotate(45 {num(x)} {num(y)})", **{"data-resource-centre": r.id}))
    shapes.append(areas_g)
    # grid centres
    for a in data.areas:
        if a.level != "grid" or a.lat is None or a.lon is None:
            continue
        x, y = proj.xy(a.lat, a.lon)
        shapes.append(rect(x - 3.5, y - 3.5, 7, 7, MUTED, f"{a.name}（{names.get(a.parent_code or '', '')}）",
                           transform=f"rotate(45 {num(x)} {num(y)})", **{"fill-opacity": ".7", "data-grid": a.code}))
    # needs, or (public) one circle per community
    if public:
        biggest = max([sum(t.values()) for t in data.totals.values()] + [1])
        for a in communities:
            if a.lat is None or a.lon is None:
                continue
            t = data.totals.get(a.code, {})
            n = sum(t.values())
            if not n:
                continue
            x, y = proj.xy(a.lat, a.lon)
            detail = "，".join(f"{MAP_STATES[k]} {v}" for k, v in t.items() if v)
            shapes.append(circle(x, y, 6 + 24 * math.sqrt(n / biggest), COMMUNITY_COLOUR,
                                 f"{a.name}：需求 {n} 件（{detail}）",
                                 **{"fill-opacity": ".35", "stroke": COMMUNITY_COLOUR, "data-community": a.code,
                                    "data-needs": n}))
    else:
        for need, x, y in _spread(data.needs, proj):
            urgent = need.urgency is Urgency.URGENT
            tip = (f"{need.number} · {need.category} · {MAP_STATES[need.state]} · {need.urgency.label}"
                   + ("" if need.own_point else " · 按所在网格中心显示"))
            shapes.append(circle(x, y, 4.5, STATE_COLOURS[need.state], tip, **{
                "stroke": INK if urgent else "#fff", "stroke-width": "2" if urgent else "1",
                "data-need": need.number, "data-state": need.state, "data-urgent": "1" if urgent else None}))
    # community centres and names on top
    for a in communities:
        if a.lat is None or a.lon is None:
            continue
        x, y = proj.xy(a.lat, a.lon)
        t = data.totals.get(a.code, {})
        label = a.name
        extra = []
        if sum(t.values()):
            extra.append(f"需求 {sum(t.values())}")
        if res_by_community.get(a.code):
            extra.append(f"资源 {res_by_community[a.code]}")
        shapes.append(rect(x - 5, y - 5, 10, 10, "#fff", a.name, stroke=COMMUNITY_COLOUR,
                           **{"stroke-width": "2.5", "data-community-centre": a.code}))
        counts = " · ".join(extra)
        lx, anchor = _label_x(x, max(text_width(label, 13), text_width(counts, 11)))
        shapes.append(text(lx, y - 7, label, anchor=anchor, size=13, weight="700", stroke="#fff", **{
            "stroke-width": "3", "paint-order": "stroke"}))
        if extra:
            shapes.append(text(lx, y + 9, counts, anchor=anchor, size=11, fill=MUTED, stroke="#fff", **{
                "stroke-width": "3", "paint-order": "stroke"}))
    shapes += _scale_bar(proj)
    shapes += _north(proj)
    notes = []
    if not public and not data.exact:
        notes.append("需求位置已模糊到约 100 米。")
    if not public and any(not n.own_point for n in data.needs):
        notes.append("没有坐标的需求画在所在网格（或社区）中心附近。")
    if data.truncated:
        notes.append(f"需求较多，只画出最新的 {len(data.needs)} 条。")
    if data.unplaced:
        notes.append(f"另有 {data.unplaced} 条需求及其网格、社区都没有坐标，未画出。")
    if any(r.centre_lat is None for r in data.resources):
        notes.append("按社区名单服务的资源不画范围，计入社区名旁的“资源”数。")
    return Picture(pid, title, desc, WIDTH, h, shapes, legend, table, note=" ".join(notes),
                   clip=(1.0, 1.0, WIDTH - 2.0, h - 2.0))


def _label_x(x: float, width: float) -> tuple[float, str]:
    """Where a community's name goes beside its centre at ``x``, and its anchor: to the right,
    or to the left where it would run past the map's right edge (the picture cuts it there)."""
    gap, edge = 9.0, 4.0
    if x + gap + width <= WIDTH - edge:
        return x + gap, "start"
    if x - gap - width >= edge:
        return x - gap, "end"
    return max(edge, WIDTH - edge - width), "start"


def _covers(r, lat: float | None, lon: float | None) -> bool:
    """Whether a resource's service circle reaches a community's centre (as the SQL decides)."""
    if r.radius_km is None or r.centre_lat is None or r.centre_lon is None or lat is None or lon is None:
        return False
    dx = (lon - r.centre_lon) * math.cos(math.radians((lat + r.centre_lat) / 2))
    return 111.2 * math.hypot(lat - r.centre_lat, dx) <= r.radius_km
