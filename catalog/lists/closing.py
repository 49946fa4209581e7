"""The end of a project: the lead's completion (执行中 → 待结单) with its single-use closing link,
the resident's closing and rating through that link (已结单, 已评价), and the sweep's closing of
what the resident left unanswered (未评价).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import asyncpg

from catalog.enums import CreditKind, LimitStep, Urgency
from catalog.errors import Conflict, Forbidden
from catalog.lists.steps import (
    AS,
    PS,
    HelpersEnd,
    assignment_step,
    end_helpers,
    from_states,
    live_lead,
    project_step,
    require_owner,
)
from catalog.models import Actor, ClosingIn, ClosingLink, Completion, CompletionIn, Project
from catalog.oversight import credit, supervision
from catalog.storage.settings import get_settings
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, illegal, record_history, transaction


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


async def complete_project(db: Db, project_id: int, unit_id: int, data: CompletionIn, actor: Actor) -> Completion:
    """执行中 → 待结单. Returns the single-use closing token for the resident's link.

    Only its hash is stored: the token itself exists in this return value and the link sent.
    """
    token = secrets.token_urlsafe(32)
    async with transaction(db) as conn:
        lead = await live_lead(conn, project_id, status=AS.ACTIVE, action="complete")
        require_owner(lead, unit_id)
        allowed = from_states("complete")
        row = await conn.fetchrow(
            q("project_complete"), project_id, data.note, data.beneficiaries_served, data.hours_spent,
            allowed, PS.AWAITING_CLOSE.value,
        )
        if row is None:
            current = await conn.fetchrow(q("project_get"), project_id)
            raise illegal("project", project_id, "complete", current["status"], allowed)
        await record_history(conn, "project", project_id, row["from_status"], PS.AWAITING_CLOSE.value, actor)
        await assignment_step(conn, lead, [AS.ACTIVE], AS.COMPLETED, actor)
        await conn.execute(q("closing_token_insert"), project_id, _token_hash(token), get_settings().closing_days)
        # the 办结 deadline the sweep runs: the project plan's end when set, else the category's limit
        deadline = row["window_end"]
        if deadline is None:
            deadline = row["accepted_at"] + await supervision.effective_limit(
                conn, row["category_code"], LimitStep.DONE, Urgency(row["urgency"]))
        on_time = row["completed_at"] <= deadline
        # active helpers finish with the lead and are credited as it is; pending ones are withdrawn
        helpers = await end_helpers(conn, project_id, actor, HelpersEnd.COMPLETED)
        finished = [unit_id] + [h["unit_id"] for h in helpers if h["status"] == AS.COMPLETED]
        for u in finished:
            await credit.append(conn, u, project_id, CreditKind.FINISHED)
            await credit.append(
                conn, u, project_id, CreditKind.FINISHED_ON_TIME if on_time else CreditKind.FINISHED_LATE
            )
    return Completion(project=Project.model_validate(dict(row)), closing_token=token)


def _token_digest(token: object) -> bytes:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise Forbidden("结单链接无效", code="token_invalid")
    return _token_hash(token)


def _unusable(state: asyncpg.Record | None) -> Forbidden | Conflict:
    """Why a link cannot be used: it names nothing, was used, or ran out."""
    if state is None:
        return Forbidden("结单链接无效", code="token_invalid")
    if state["used_at"] is not None:
        return Conflict("该结单链接已使用", code="token_used")
    return Conflict("结单链接已过期", code="token_expired")


async def closing_link(db: Db, token: str) -> ClosingLink:
    """The project a closing link is for, read without using the link.

    A link that cannot be used raises what using it would (``token_invalid``, ``token_used``,
    ``token_expired``), so the resident learns it before filling in the rating.
    """
    digest = _token_digest(token)
    async with connection(db) as conn:
        state = await conn.fetchrow(q("closing_link_get"), digest)
    if state is None or state["used_at"] is not None or state["expired"]:
        raise _unusable(state)
    return ClosingLink(project_number=state["number"], expires_at=state["expires_at"])


async def close_by_resident(db: Db, token: str, data: ClosingIn) -> Project:
    """结单 and 评价 through the link: 待结单 → 已结单 → 已评价, once; the rating never changes."""
    digest = _token_digest(token)
    resident = Actor(role="resident", ref="link")
    async with transaction(db) as conn:
        project_id = await conn.fetchval(q("closing_token_use"), digest)
        if project_id is None:
            raise _unusable(await conn.fetchrow(q("closing_token_state"), digest))
        lead = await conn.fetchrow(q("assignment_lead_for_progress"), project_id)
        await project_step(conn, project_id, "close", PS.CLOSED, resident, data.outcome.value)
        row = await project_step(conn, project_id, "rate", PS.RATED, resident, f"score_{data.score}")
        await conn.fetchrow(
            q("rating_insert"), project_id, lead["unit_id"], data.outcome.value, data.score, data.comment
        )
        await credit.append(conn, lead["unit_id"], project_id, CreditKind.RATING, data.score)
    return Project.model_validate(dict(row))


# --- what time does on its own ---------------------------------------------------------------


async def close_unrated(db: Db, now: dt.datetime | None = None) -> list[int]:
    """Projects whose resident did not answer in time close as 未评价 (never as satisfied)."""
    now = now or dt.datetime.now(dt.UTC)
    async with transaction(db) as conn:
        rows = await conn.fetch(q("projects_close_unrated"), now, from_states("close"), PS.CLOSED.value)
        ids = [r["id"] for r in rows]
        if ids:
            await conn.execute(
                q("history_append_many"), "project", [str(i) for i in ids], [r["from_status"] for r in rows],
                PS.CLOSED.value, "system:sweep", "not_rated", None,
            )
    return ids
