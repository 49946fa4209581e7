"""What needs no account: the public board (公示) and the league table, the overview's counts,
the resident's need form (点单) and closing link (结单). No personal data leaves these."""

from __future__ import annotations

import asyncpg

from catalog.enums import ProjectStatus, Role, SourceChannel
from catalog.errors import NotFound
from catalog.lists import closing, needs
from catalog.models import (
    Actor,
    ClosingIn,
    ClosingPage,
    LeagueRow,
    LeagueTable,
    NeedIn,
    NeedReceipt,
    ProjectFilter,
    PublicNeedIn,
    PublicProgress,
    PublicProject,
    PublicProjectPage,
)
from catalog.oversight import credit, stats
from catalog.oversight.stats import StatusCount
from catalog.people import access, accounts
from catalog.storage.paging import next_cursor
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, transaction


def _public(row: asyncpg.Record, names: list[str], progress: list[PublicProgress] | None = None) -> PublicProject:
    data = dict(row)
    data["status_label"] = ProjectStatus(row["status"]).label
    data["title"] = access.scrub(row["title"], names)
    shown = [e.model_copy(update={"body": access.scrub(e.body, names)}) for e in progress or []]
    return PublicProject(**data, progress=shown)


async def _requester_names(conn: asyncpg.Connection, project_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for r in await conn.fetch(q("requester_names_of_projects"), project_ids):
        names.setdefault(r["project_id"], []).append(r["requester_name"])
    return names


async def public_projects(db: Db, f: ProjectFilter) -> PublicProjectPage:
    open_ = sorted(access.OPEN_TO_ALL)
    async with connection(db) as conn:
        rows = await conn.fetch(
            q("public_project_page"), open_, f.community, f.street, f.category,
            f.status.value if f.status else None, f.after, f.ascending, f.page_size, None,
            f.urgency.value if f.urgency else None, f.created_from, f.created_to,
        )
        names = await _requester_names(conn, [r["id"] for r in rows])
    return PublicProjectPage(items=[_public(r, names.get(r["id"], [])) for r in rows],
                             next_cursor=next_cursor(rows, f.page_size))


async def public_project(db: Db, number: str) -> PublicProject:
    async with connection(db) as conn:
        row = await conn.fetchrow(
            q("public_project_page"), sorted(access.OPEN_TO_ALL), None, None, None, None, None, False, 1, number,
            None, None, None,
        )
        if row is None:
            raise NotFound("项目不存在或未公示", code="project_not_found", details={"number": number})
        progress = [PublicProgress.model_validate(dict(r))
                    for r in await conn.fetch(q("public_progress_of_project"), number)]
        names = await _requester_names(conn, [row["id"]])
    return _public(row, names.get(row["id"], []), progress)


async def league_table(db: Db) -> LeagueTable:
    """Active units ranked by credit score, then by finished projects."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("league_units"))
    scores = await credit.scores(db, [r["id"] for r in rows])
    ranked = sorted(rows, key=lambda r: (-scores[r["id"]].score, -r["finished"], r["id"]))
    return LeagueTable(total=len(ranked), items=[
        LeagueRow(rank=i, unit_id=r["id"], unit_name=r["name"], unit_type=r["unit_type"],
                  score=scores[r["id"]].score, grade=scores[r["id"]].grade, finished=r["finished"])
        for i, r in enumerate(ranked, 1)
    ])


async def status_counts(db: Db) -> dict[str, list[StatusCount]]:
    """Per list (need, project, resource, unit), every status with its count: the overview page."""
    return await stats.status_counts(db)


# --- the resident: 点单 and 结单 ------------------------------------------------------------------


async def closing_page(db: Db, token: str) -> ClosingPage:
    """What a resident's closing link is for, shown before they rate: the project as the public
    board shows it (no one's name) and until when the link works. An unusable link raises."""
    link = await closing.closing_link(db, token)
    return ClosingPage(project=await public_project(db, link.project_number), expires_at=link.expires_at)


async def close_by_resident(db: Db, token: str, data: ClosingIn) -> PublicProject:
    project = await closing.close_by_resident(db, token, data)
    return await public_project(db, project.number)


PUBLIC_FORM_LIMIT = 5
PUBLIC_FORM_WINDOW_SECONDS = 600


async def submit_public_need(db: Db, data: PublicNeedIn, address: str) -> NeedReceipt:
    """点单 by a resident through the public form: rate limited per address, no account."""
    need_in = NeedIn(**data.model_dump(), source_channel=SourceChannel.ONLINE)
    # the slot and the need commit together: a refused submission does not count
    async with transaction(db) as conn:
        await accounts.take_rate_slot(conn, "need_form", address, limit=PUBLIC_FORM_LIMIT,
                                      window_seconds=PUBLIC_FORM_WINDOW_SECONDS, message="提交过于频繁，请稍后再试")
        need = await needs.submit_need(conn, need_in, Actor(role=Role.RESIDENT, ref="form"))
    return NeedReceipt(number=need.number, status=need.status, status_label=need.status.label)
