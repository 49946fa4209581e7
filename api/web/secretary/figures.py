"""社区书记 · 社区数据: the community's map and charts (:mod:`api.web.pictures`), then its figures
as plain tables (统计表).

Counts by status, time to claim and to close, satisfaction, and needs and projects by category,
all worked out from the same scoped lists the other pages read, for a period the reader picks
(``?days=``). The same figures go into the page as JSON (``data-figures``) for anything that
wants to read them. The old address ``/secretary/stats`` sends the reader to the tables there.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from catalog import scoped
from catalog.enums import NeedStatus, ProjectStatus
from catalog.local_time import LOCAL_TIME

from ..kit import View, local_path, names, page
from ..pictures.figures import pictures
from .closing import score_of
from .common import SEC, all_needs, all_projects, fmt_span, hours

PERIODS = [("30", "近 30 天"), ("90", "近 90 天"), ("365", "近一年"), ("", "全部")]
SATISFIED_FROM = 4  # 4 and 5 stars count as 满意


@dataclass(frozen=True)
class Span:
    """A duration figure over several projects, in hours."""

    name: str
    count: int
    mean: float | None
    median: float | None
    longest: float | None

    @classmethod
    def of(cls, name: str, values: list[float]) -> Span:
        if not values:
            return cls(name, 0, None, None, None)
        return cls(name, len(values), statistics.fmean(values), statistics.median(values), max(values))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


FIGURES = "/secretary/figures"
TABLES = "tables"  # the anchor of the tables on the 社区数据 page


@page("/secretary/stats", roles=SEC)
async def old_stats(v: View) -> web.Response:
    """The tables had a page of their own; they are on 社区数据 now (bookmarks keep working)."""
    days = v.request.query.get("days")
    query = "" if days is None else "?" + urlencode({"days": days})
    return web.Response(status=301, headers={"Location": local_path(f"{FIGURES}{query}#{TABLES}")})


@page(FIGURES, roles=SEC, template="secretary/figures.html", nav="社区数据", order=60)
async def secretary_figures(v: View) -> dict:
    """社区数据: the map and the charts, then the tables (统计表)."""
    scope = await scoped.chart_scope(v.db, v.me)
    f = await scoped.figures(v.db, v.me, scope)
    return {"f": f, "pics": pictures(f), "choices": None, "here": FIGURES} | await stats_tables(v)


async def stats_tables(v: View) -> dict:
    """The context of the tables for the reader's community over the period asked for."""
    period = v.request.query.get("days", "90")
    if period not in {p for p, _ in PERIODS}:
        period = "90"
    since = None
    if period:
        since = (dt.datetime.now(LOCAL_TIME) - dt.timedelta(days=int(period))).date()
    needs = await all_needs(v, created_from=since)
    projects = await all_projects(v, created_from=since)

    need_counts = Counter(n.status for n in needs)
    project_counts = Counter(p.status for p in projects)
    claim = [hours(p.accepted_at - p.published_at) for p in projects if p.accepted_at and p.published_at]
    work = [hours(p.completed_at - p.accepted_at) for p in projects if p.completed_at and p.accepted_at]
    close = [hours(p.closed_at - p.completed_at) for p in projects
             if p.closed_at and p.completed_at and p.status in (ProjectStatus.CLOSED, ProjectStatus.RATED)]
    whole = [hours(p.completed_at - p.published_at) for p in projects if p.completed_at and p.published_at]
    spans = [Span.of("发布→接单", claim),  # type: ignore[arg-type]
             Span.of("接单→办结", work),  # type: ignore[arg-type]
             Span.of("办结→结单", close),  # type: ignore[arg-type]
             Span.of("发布→办结", whole)]  # type: ignore[arg-type]

    scores = [s for s in (score_of(p) for p in projects) if s is not None]
    unrated = sum(1 for p in projects if p.status is ProjectStatus.CLOSED and p.status_reason == "not_rated")
    satisfied = sum(1 for s in scores if s >= SATISFIED_FROM)
    satisfaction: dict[str, Any] = {
        "rated": len(scores), "unrated": unrated,
        "mean": statistics.fmean(scores) if scores else None,
        "satisfied": satisfied, "satisfied_share": _share(satisfied, len(scores)),
        "rated_share": _share(len(scores), len(scores) + unrated),
        "by_score": [(s, scores.count(s)) for s in range(5, 0, -1)],
    }

    cats = await names.category_names(v)
    by_cat: dict[str, list[int]] = {}
    for n in needs:
        by_cat.setdefault(n.category_code, [0, 0, 0])[0] += 1
    for p in projects:
        row = by_cat.setdefault(p.category_code, [0, 0, 0])
        row[1] += 1
        row[2] += p.status in (ProjectStatus.CLOSED, ProjectStatus.RATED)
    categories = sorted(((cats.get(c, c), needs_n, projects_n, finished_n)
                         for c, (needs_n, projects_n, finished_n) in by_cat.items()), key=lambda r: (-r[1], r[0]))

    data = {  # the same figures for a chart: plain JSON, hours as numbers
        "period_days": int(period) if period else None,
        "needs_by_status": {s.value: need_counts.get(s, 0) for s in NeedStatus},
        "projects_by_status": {s.value: project_counts.get(s, 0) for s in ProjectStatus},
        "durations_hours": [asdict(s) for s in spans],
        "satisfaction": {k: v_ for k, v_ in satisfaction.items() if k != "by_score"}
        | {"by_score": dict(satisfaction["by_score"])},
        "by_category": [{"category": c, "needs": n, "projects": p, "finished": f} for c, n, p, f in categories],
    }
    return {
        "period": period, "periods": PERIODS, "since": since,
        "need_counts": [(s, need_counts.get(s, 0)) for s in NeedStatus], "need_total": len(needs),
        "project_counts": [(s, project_counts.get(s, 0)) for s in ProjectStatus], "project_total": len(projects),
        "spans": spans, "span": fmt_span, "satisfaction": satisfaction, "categories": categories,
        "figures_json": json.dumps(data, ensure_ascii=False), "tables_anchor": TABLES,
    }
