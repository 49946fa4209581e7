"""Names for codes (categories, areas), read through the cache the API's directory shares."""

from __future__ import annotations

from catalog import scoped
from catalog.models import Area, Category

from .view import View


async def categories(v: View) -> list[Category]:
    data = await v.cached("directory", "categories", lambda: scoped.list_categories(v.db))
    return [Category.model_validate(c) for c in data]


async def areas(v: View) -> list[Area]:
    data = await v.cached("directory", "areas", lambda: scoped.list_areas(v.db))
    return [Area.model_validate(a) for a in data]


async def category_names(v: View) -> dict[str, str]:
    """``code → 名称``; a subcategory reads as ``父类 · 子类``."""
    cats = await categories(v)
    top = {c.code: c.name for c in cats if c.parent_code is None}
    return {c.code: (f"{top[c.parent_code]} · {c.name}" if c.parent_code in top else c.name) for c in cats}


async def category_choices(v: View) -> list[tuple[str, str]]:
    """Open subcategories for a select box, grouped by their parent's order."""
    cats = [c for c in await categories(v) if c.retired_at is None]
    names = await category_names(v)
    order = {c.code: (c.sort_order, c.code) for c in cats if c.parent_code is None}
    subs = [c for c in cats if c.parent_code is not None and c.parent_code in order]
    subs.sort(key=lambda c: (order[c.parent_code], c.sort_order, c.code))  # type: ignore[index]
    return [(c.code, names[c.code]) for c in subs]


async def area_names(v: View) -> dict[str, str]:
    return {a.code: a.name for a in await areas(v)}


async def community_choices(v: View, within: set[str] | None = None) -> list[tuple[str, str]]:
    """Communities as ``街道 · 社区`` for a select box (optionally only those in ``within``)."""
    all_ = await areas(v)
    streets = {a.code: a.name for a in all_ if a.level.value == "street"}
    out = [(a.code, f"{streets.get(a.parent_code or '', '')} · {a.name}".strip(" ·"))
           for a in all_ if a.level.value == "community" and (within is None or a.code in within)]
    return sorted(out, key=lambda x: x[0])


async def grid_choices(v: View) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for a in await areas(v):
        if a.level.value == "grid" and a.parent_code:
            out.setdefault(a.parent_code, []).append((a.code, a.name))
    return out
