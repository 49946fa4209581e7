"""The charts of the figures pages (数据): demand against supply by category, projects by stage
week by week, time to claim and to close, residents' ratings by unit. Each is a :class:`Picture`
with its title, summary and table, drawn from the figures of one scope."""

from __future__ import annotations

from catalog.models import CategoryBalance, ChartScope, Distribution, UnitSatisfaction, WeekCount
from catalog.scoped import STATUS_PHASES

from .svg import Picture, Series, Table, bars, columns

PHASE_COLOURS = {"draft": "#9aa5b1", "open": "#0b5cad", "working": "#e8a317", "closing": "#7048e8",
                 "done": "#2b8a3e", "cancelled": "#c92a2a"}
STAR_COLOURS = ["#c92a2a", "#e8590c", "#f2b705", "#74b816", "#2b8a3e"]
DEMAND, SUPPLY = "#d9480f", "#0b5cad"
HALF, FULL = 560, 960  # drawing widths of a chart in half a row and in a whole row of the page



def demand_supply_chart(rows: list[CategoryBalance], scope: ChartScope, pid: str = "demand-supply") -> Picture:
    labels = [r.name for r in rows]
    table = Table(["类别", "需求（件）", "待承接项目", "资源（项）", "资源可承接项目", "资源可提供工时"],
                  [[r.name, r.needs, r.open_projects, r.resources, r.capacity_projects, r.capacity_hours]
                   for r in rows],
                  {1, 2, 3, 4, 5})
    needs, res = sum(r.needs for r in rows), sum(r.resources for r in rows)
    gaps = [r.name for r in rows if r.needs and not r.resources]
    desc = (f"{scope.name}各类别的需求件数与服务本区域的资源项数。共有需求 {needs} 件，资源 {res} 项。"
            + (f"有需求而无资源的类别：{'、'.join(gaps)}。" if gaps else ""))
    return bars(pid, "需求与资源对比（按类别）", desc, labels,
                [Series("needs", "需求（件）", DEMAND, [r.needs for r in rows]),
                 Series("resources", "资源（项）", SUPPLY, [r.resources for r in rows])], table=table, width=HALF)


def status_chart(weeks: list[WeekCount], scope: ChartScope, pid: str = "status-weeks") -> Picture:
    phases = [k for k in STATUS_PHASES if weeks and k in weeks[0].counts] or [k for k in STATUS_PHASES]
    labels = [f"{w.week_start.month}/{w.week_start.day}" for w in weeks]
    series = [Series(k, STATUS_PHASES[k][0], PHASE_COLOURS[k], [w.counts.get(k, 0) for w in weeks]) for k in phases]
    last = weeks[-1].counts if weeks else {}
    desc = (f"{scope.name}最近 {len(weeks)} 周每周末各阶段的项目数（本周按当前）。"
            + ("本周：" + "，".join(f"{STATUS_PHASES[k][0]} {last.get(k, 0)} 个" for k in phases) + "。"
               if weeks else ""))
    table = Table(["周（起始日）", *[s.name for s in series], "合计"],
                  [[f"{w.week_start:%Y-%m-%d}", *[w.counts.get(k, 0) for k in phases], sum(w.counts.values())]
                   for w in weeks], set(range(1, len(series) + 2)))
    pic = columns(pid, "项目状态变化（按周）", desc, labels, series, unit=" 个", table=table, width=HALF)
    pic.note = "按周统计，每列为该周结束时（本周为此刻）各阶段的项目数。" + \
        "阶段：" + "；".join(f"{name}＝{'、'.join(s.label for s in members)}" for name, members in
                           (STATUS_PHASES[k] for k in phases) if len(members) > 1) + "。"
    return pic


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} 小时"
    return f"{seconds / 86400:.1f} 天"


def duration_chart(d: Distribution, scope: ChartScope, pid: str, colour: str) -> Picture:
    labels = [b.label for b in d.bins]
    desc = (f"{scope.name}{d.title}所用时间的分布，共 {d.total} 个项目；"
            f"中位数 {_hours(d.median_s)}，九成项目在 {_hours(d.p90_s)} 以内。" if d.total else
            f"{scope.name}暂无{d.title}的项目。")
    table = Table(["用时", "项目数"], [[b.label, b.count] for b in d.bins], {1})
    pic = columns(pid, f"{d.title}用时", desc, labels,
                  [Series("projects", "项目数", colour, [b.count for b in d.bins])],
                  unit=" 个", table=table, width=HALF, height=220)
    if d.total:
        pic.note = f"共 {d.total} 个项目，中位数 {_hours(d.median_s)}，90% 在 {_hours(d.p90_s)} 以内。"
    return pic


def satisfaction_chart(rows: list[UnitSatisfaction], scope: ChartScope, pid: str = "satisfaction") -> Picture:
    labels = [r.unit_name for r in rows]
    series = [Series(f"s{i}", f"{i} 星", STAR_COLOURS[i - 1], [r.scores[i - 1] for r in rows]) for i in range(1, 6)]
    table = Table(["单位", "评价数", "平均分", "1 星", "2 星", "3 星", "4 星", "5 星"],
                  [[r.unit_name, r.ratings, f"{r.average:.2f}", *r.scores] for r in rows], set(range(1, 8)))
    desc = (f"{scope.name}居民对各成员单位的评价（1–5 星），按平均分排列，共 {len(rows)} 个单位。"
            + (f"最高：{rows[0].unit_name}，平均 {rows[0].average:.2f} 分。" if rows else ""))
    return bars(pid, "居民满意度（按单位）", desc, labels, series, stacked=True,
                totals=[f"平均 {r.average:.2f} 分 · {r.ratings} 条" for r in rows], unit=" 条", table=table, width=FULL)
