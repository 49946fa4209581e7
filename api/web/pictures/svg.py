"""Pictures as plain SVG drawn on the server: no JavaScript, no web font, nothing from the internet.

A :class:`Picture` is a list of shapes (rect, circle, line, text, and groups of them) plus what
makes it readable without the picture: a Chinese title and summary (``<title>``, ``<desc>``), a
legend and a table of the same numbers. ``templates/charts/_picture.html`` renders it; every
value goes through Jinja's escaping.

The builders here are pure functions of numbers and labels (bars in rows, columns in a row); the
map (:mod:`.maps`) draws with the same shapes. Each drawn mark carries ``data-series``,
``data-label`` and ``data-value`` so tests, and people inspecting a page, can read it back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Colours readable on white and told apart by most colour-blind readers; text labels carry the
# meaning too, never the colour alone.
INK, MUTED, GRID, FRAME = "#1f2933", "#616e7c", "#e4e7eb", "#bcccdc"


def num(value: float) -> str:
    """A coordinate for an attribute: one decimal, no trailing zero."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass
class Shape:
    kind: str  # rect, circle, line, text, path, g
    attrs: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the text of a <text>
    tip: str = ""  # a <title>: what a pointer shows on hover
    children: list[Shape] = field(default_factory=list)  # for "g"

    @property
    def attributes(self) -> list[tuple[str, str]]:
        return [(k, num(v) if isinstance(v, float) else str(v)) for k, v in self.attrs.items() if v is not None]


def rect(x: float, y: float, w: float, h: float, fill: str, tip: str = "", **attrs: Any) -> Shape:
    return Shape("rect", {"x": float(x), "y": float(y), "width": float(max(w, 0)), "height": float(max(h, 0)),
                          "fill": fill, **attrs}, tip=tip)


def circle(cx: float, cy: float, r: float, fill: str, tip: str = "", **attrs: Any) -> Shape:
    return Shape("circle", {"cx": float(cx), "cy": float(cy), "r": float(r), "fill": fill, **attrs}, tip=tip)


def line(x1: float, y1: float, x2: float, y2: float, stroke: str = GRID, width: float = 1, **attrs: Any) -> Shape:
    return Shape("line", {"x1": float(x1), "y1": float(y1), "x2": float(x2), "y2": float(y2), "stroke": stroke,
                          "stroke-width": float(width), **attrs})


def text(x: float, y: float, content: str, *, anchor: str = "start", size: float = 12, fill: str = INK,
         weight: str | None = None, **attrs: Any) -> Shape:
    return Shape("text", {"x": float(x), "y": float(y), "text-anchor": anchor, "font-size": float(size),
                          "fill": fill, "font-weight": weight, **attrs}, text=content)


@dataclass
class Table:
    """The numbers behind a picture, for screen readers and for those who prefer reading."""

    headers: list[str]
    rows: list[list[Any]]
    numeric: set[int] = field(default_factory=set)  # columns aligned right


@dataclass
class Picture:
    id: str  # unique on the page: ids of the title, the summary and the clip path derive from it
    title: str
    desc: str  # one or two sentences that say what the picture shows
    width: int
    height: int
    shapes: list[Shape]
    legend: list[tuple[str, str, str]]  # (kind: box|dot|ring|line|area, colour, label)
    table: Table
    empty: bool = False
    note: str = ""  # a line under the picture (how it was drawn, what is left out)
    clip: tuple[float, float, float, float] | None = None  # x, y, w, h of the clip rectangle


def nice_max(value: float, ticks: int = 5, *, whole: bool = True) -> tuple[float, float]:
    """An axis end at or above ``value`` and its step, both round numbers (1, 2, 2.5 or 5 × 10ⁿ).

    ``whole``: the values are counts, so no step is below 1.
    """
    if value <= 0:
        return (float(ticks), 1.0) if whole else (1.0, 0.2)
    raw = value / ticks
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10)
                if m * mag >= raw and not (whole and not float(m * mag).is_integer()))
    if whole and step < 1:
        step = 1.0
    return round(step * math.ceil(value / step - 1e-9), 10), step


def text_width(s: str, size: float = 12) -> float:
    """About how wide ``s`` is drawn: a Chinese character is square, a Latin one about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in s)


def _tick_label(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


@dataclass
class Series:
    key: str
    name: str
    colour: str
    values: list[float]


EMPTY_TEXT = "暂无数据"


def _empty(pid: str, title: str, desc: str, legend, table: Table, width: int = 720, height: int = 120) -> Picture:
    shapes = [rect(0.5, 0.5, width - 1, height - 1, "#fff", stroke=FRAME),
              text(width / 2, height / 2 + 5, EMPTY_TEXT, anchor="middle", size=14, fill=MUTED)]
    return Picture(pid, title, desc, width, height, shapes, legend, table, empty=True)


def bars(pid: str, title: str, desc: str, labels: list[str], series: list[Series], *, stacked: bool = False,
         unit: str = "", totals: list[str] | None = None, table: Table | None = None, width: int = 720,
         whole: bool = True) -> Picture:
    """Horizontal bars, one row per label: side by side per series, or stacked into one bar.

    ``totals``: the text at the end of each row (stacked) instead of the sum.
    """
    table = table or Table(["", *[s.name for s in series]],
                           [[lab, *[_tick_label(s.values[i]) for s in series]] for i, lab in enumerate(labels)],
                           set(range(1, len(series) + 1)))
    legend = [("box", s.colour, s.name) for s in series]
    if not labels or all(v == 0 for s in series for v in s.values):
        return _empty(pid, title, desc, legend, table, width)
    label_w = min(260.0, 16 + max(text_width(lab) for lab in labels))
    right = max(40.0, 12 + max(text_width(t, 11) for t in totals)) if totals else 40.0
    left, top, axis_h = label_w, 8, 26
    bar_h = 18 if stacked else 13
    row_h = (bar_h if stacked else bar_h * len(series)) + 12
    plot_w = max(width - left - right, 120)
    height = top + row_h * len(labels) + axis_h
    peak = max((sum(s.values[i] for s in series) if stacked else max(s.values[i] for s in series))
               for i in range(len(labels)))
    end, step = nice_max(peak, whole=whole)
    scale = plot_w / end
    shapes: list[Shape] = []
    t = 0.0
    while t <= end + 1e-9:
        x = left + t * scale
        shapes.append(line(x, top, x, height - axis_h, GRID))
        shapes.append(text(x, height - 8, _tick_label(t), anchor="middle", size=11, fill=MUTED))
        t += step
    for i, lab in enumerate(labels):
        y0 = top + i * row_h + 6
        shapes.append(text(left - 8, y0 + (bar_h if stacked else bar_h * len(series)) / 2 + 4, lab, anchor="end"))
        x = float(left)
        for j, s in enumerate(series):
            v = s.values[i]
            w = v * scale
            y = y0 if stacked else y0 + j * bar_h
            tip = f"{lab} · {s.name}：{_tick_label(v)}{unit}"
            shapes.append(rect(x, y, w, bar_h - (0 if stacked else 2), s.colour, tip,
                               **{"data-series": s.key, "data-label": lab, "data-value": _tick_label(v)}))
            if not stacked:
                shapes.append(text(left + w + 4, y + bar_h - 4, _tick_label(v), size=11, fill=MUTED))
            else:
                x += w
        if stacked:
            total = totals[i] if totals else _tick_label(sum(s.values[i] for s in series))
            shapes.append(text(x + 4, y0 + bar_h - 4, total, size=11, fill=MUTED))
    shapes.append(line(left, top, left, height - axis_h, FRAME))
    return Picture(pid, title, desc, width, height, shapes, legend, table)


def columns(pid: str, title: str, desc: str, labels: list[str], series: list[Series], *, unit: str = "",
            table: Table | None = None, width: int = 720, height: int = 260) -> Picture:
    """Vertical columns, one per label, the series stacked (one series: a plain histogram)."""
    table = table or Table(["", *[s.name for s in series]] + (["合计"] if len(series) > 1 else []),
                           [[lab, *[_tick_label(s.values[i]) for s in series]]
                            + ([_tick_label(sum(s.values[i] for s in series))] if len(series) > 1 else [])
                            for i, lab in enumerate(labels)],
                           set(range(1, len(series) + 2)))
    legend = [("box", s.colour, s.name) for s in series] if len(series) > 1 else []
    if not labels or all(v == 0 for s in series for v in s.values):
        return _empty(pid, title, desc, legend, table, width)
    left, right, top, bottom = 44, 12, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(sum(s.values[i] for s in series) for i in range(len(labels)))
    end, step = nice_max(peak)
    scale = plot_h / end
    slot = plot_w / len(labels)
    col_w = max(4.0, min(56.0, slot * 0.7))
    every = max(1, math.ceil(len(labels) * 46 / plot_w))  # label every n-th column when crowded
    shapes: list[Shape] = []
    t = 0.0
    while t <= end + 1e-9:
        y = top + plot_h - t * scale
        shapes.append(line(left, y, width - right, y, GRID))
        shapes.append(text(left - 6, y + 4, _tick_label(t), anchor="end", size=11, fill=MUTED))
        t += step
    for i, lab in enumerate(labels):
        x = left + i * slot + (slot - col_w) / 2
        y = float(top + plot_h)
        for s in series:
            v = s.values[i]
            h = v * scale
            y -= h
            shapes.append(rect(x, y, col_w, h, s.colour, f"{lab} · {s.name}：{_tick_label(v)}{unit}",
                               **{"data-series": s.key, "data-label": lab, "data-value": _tick_label(v)}))
        total = sum(s.values[i] for s in series)
        if total:
            shapes.append(text(x + col_w / 2, y - 4, _tick_label(total), anchor="middle", size=11, fill=MUTED))
        if i % every == 0:
            shapes.append(text(x + col_w / 2, top + plot_h + 16, lab, anchor="middle", size=11))
    shapes.append(line(left, top + plot_h, width - right, top + plot_h, FRAME))
    return Picture(pid, title, desc, width, height, shapes, legend, table)
