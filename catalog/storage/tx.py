"""The few moves every command makes: open one transaction, take a guarded step, write history.

A command is one transaction. It either commits every row it meant to write, or raises a
:class:`~catalog.errors.DomainError` and leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

import asyncpg

from catalog.errors import Conflict, NotFound, translated
from catalog.storage.sql import q

# an alias by declaration: asyncpg has no type information, and mypy takes a union of unknowns for a variable
Db: TypeAlias = asyncpg.Pool | asyncpg.Connection


@asynccontextmanager
async def transaction(db: Db) -> AsyncIterator[asyncpg.Connection]:
    """One transaction on a pooled or given connection; driver errors become domain errors."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn, conn.transaction():
            with translated():
                yield conn
    else:
        async with db.transaction():
            with translated():
                yield db


@asynccontextmanager
async def connection(db: Db) -> AsyncIterator[asyncpg.Connection]:
    """A connection for reads, without an explicit transaction."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            yield conn
    else:
        yield db


async def record_history(
    conn: asyncpg.Connection,
    entity: str,
    entity_id: int | str,
    from_status: str | None,
    to_status: str,
    actor: object,
    reason_code: str | None = None,
    note: str | None = None,
) -> None:
    await conn.execute(
        q("history_append"), entity, str(entity_id), from_status, to_status, str(actor), reason_code, note
    )


async def guarded_step(
    conn: asyncpg.Connection,
    *,
    entity: str,
    query: str,
    entity_id: int,
    args: Iterable[Any],
    get_query: str,
    action: str,
    allowed: Iterable[str],
) -> asyncpg.Record:
    """Run a guarded ``UPDATE … WHERE status = ANY(allowed) RETURNING``.

    No row back means the entity is missing or not in an allowed status; we read it only then,
    to say which, and never decide on a value read before the write.
    """
    row = await conn.fetchrow(q(query), entity_id, *args)
    if row is not None:
        return row
    current = await conn.fetchrow(q(get_query), entity_id)
    if current is None:
        raise NotFound(f"{_NOUN.get(entity, entity)}不存在", code=f"{entity}_not_found", details={"id": entity_id})
    raise illegal(entity, entity_id, action, current["status"], allowed)


def illegal(entity: str, entity_id: int, action: str, status: str, allowed: Iterable[str]) -> Conflict:
    from catalog import enums

    labels = {
        "need": enums.NeedStatus,
        "project": enums.ProjectStatus,
        "resource": enums.ResourceStatus,
        "assignment": enums.AssignmentStatus,
    }.get(entity)
    shown = labels(status).label if labels else status
    return Conflict(
        f"{_NOUN.get(entity, entity)}当前状态为“{shown}”，不能执行此操作",
        code="illegal_transition",
        details={"id": entity_id, "action": action, "status": status, "allowed_from": sorted(allowed)},
    )


_NOUN = {"need": "需求", "project": "项目", "resource": "资源", "assignment": "认领/派单", "unit": "成员单位"}
