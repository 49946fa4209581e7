"""公示 and the overview: pages for everyone. No personal data is ever shown here."""

from __future__ import annotations

from catalog import scoped, stats
from catalog.models import ProjectFilter, PublicProjectPage

from .core import View, page

_LIST_NAMES = {"need": "需求清单", "resource": "资源清单", "project": "项目清单", "unit": "成员单位"}


async def board_page(v: View, f: ProjectFilter) -> PublicProjectPage:
    """A page of the public board, through the cache the API's board shares."""
    key = "projects?" + f.model_dump_json(exclude_defaults=True)
    data = await v.cached("board", key, lambda: scoped.public_projects(v.db, f))
    return PublicProjectPage.model_validate(data)


@page("/", public=True, template="public/overview.html", nav="首页", order=0)
async def overview(v: View) -> dict:
    counts = await stats.status_counts(v.db)
    recent = await board_page(v, ProjectFilter(limit=15))
    lists = [(_LIST_NAMES[key], [c for c in counts[key] if c.count]) for key in ("need", "resource", "project", "unit")]
    return {"lists": lists, "recent": recent.items}
