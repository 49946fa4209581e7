"""公示 and the overview: pages for everyone. No personal data is ever shown here."""

from __future__ import annotations

from catalog import scoped
from catalog.enums import ProjectStatus
from catalog.models import (
    LeagueQuery,
    LeagueTable,
    ProjectFilter,
    PublicProject,
    PublicProjectPage,
)

from ...routes.public import league_page
from ..kit import View, names, page

_LIST_NAMES = {"need": "需求清单", "resource": "资源清单", "project": "项目清单", "unit": "成员单位"}


async def board_page(v: View, f: ProjectFilter) -> PublicProjectPage:
    """A page of the public board, through the cache the API's board shares."""
    key = "projects?" + f.model_dump_json(exclude_defaults=True)
    data = await v.cached("board", key, lambda: scoped.public_projects(v.db, f))
    return PublicProjectPage.model_validate(data)


@page("/", public=True, template="public/overview.html", nav="首页", order=0)
async def overview(v: View) -> dict:
    counts = await scoped.status_counts(v.db)
    recent = await board_page(v, ProjectFilter(limit=15))
    lists = [(_LIST_NAMES[key], [c for c in counts[key] if c.count]) for key in ("need", "resource", "project", "unit")]
    return {"lists": lists, "recent": recent.items}


PUBLIC_STATUSES = [ProjectStatus.PUBLISHED, ProjectStatus.CLAIMING, ProjectStatus.DISPATCHED, ProjectStatus.ACCEPTED,
                   ProjectStatus.IN_PROGRESS, ProjectStatus.AWAITING_CLOSE, ProjectStatus.CLOSED, ProjectStatus.RATED]


@page("/public", public=True, template="public/board.html", nav="项目公示", order=10)
async def board(v: View) -> dict:
    f = v.query(ProjectFilter)
    f = f.model_copy(update={"limit": min(f.limit, 20)})
    return {
        "page": await board_page(v, f), "filter": f,
        "communities": await names.community_choices(v),
        "statuses": [(s.value, s.label) for s in PUBLIC_STATUSES],
    }


@page("/public/projects/{number}", public=True, template="public/project.html")
async def project(v: View) -> dict:
    number = v.text("number")
    data = await v.cached("board", f"project:{number}", lambda: scoped.public_project(v.db, number))
    return {"p": PublicProject.model_validate(data)}


@page("/public/units", public=True, template="public/units.html", nav="单位排行", order=20)
async def league(v: View) -> dict:
    f = v.query(LeagueQuery)
    data = await league_page(v.cached, v.db, f.model_copy(update={"limit": min(f.limit, 50)}))
    return {"table": LeagueTable.model_validate(data)}
