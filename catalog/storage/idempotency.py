"""Stored first answers to creating requests sent with an ``Idempotency-Key``.

A client that lost the answer to a POST may send it again with the same key and gets the same
answer back instead of a second record; the same key with a different request is refused,
since it is almost certainly a client bug.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from catalog.errors import Conflict, InvalidInput
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection


@asynccontextmanager
async def exclusive(db: Db, owner: str, key: str) -> AsyncIterator[None]:
    """Only one request with this key runs at a time; a duplicate arriving meanwhile is refused
    (409) rather than run twice. The lock lives on its own connection for the request's length."""
    async with connection(db) as conn:
        if not await conn.fetchval(q("idempotency_try_lock"), owner, key):
            raise Conflict("相同 Idempotency-Key 的请求正在处理，请稍后重试", code="idempotency_in_progress",
                           details={"key": key})
        try:
            yield
        finally:
            await conn.execute(q("idempotency_unlock"), owner, key)


async def replay(db: Db, owner: str, key: str, request_hash: bytes) -> tuple[int, Any] | None:
    """The stored (status, body) for this key, None if new; ``InvalidInput`` on a different request."""
    async with connection(db) as conn:
        row = await conn.fetchrow(q("idempotency_get"), owner, key)
    if row is None:
        return None
    if bytes(row["request_hash"]) != request_hash:
        raise InvalidInput("该 Idempotency-Key 已用于另一个请求", code="idempotency_key_reused",
                           details={"key": key})
    return row["status"], row["body"]


async def remember(db: Db, owner: str, key: str, request_hash: bytes, status: int, body: Any) -> None:
    async with connection(db) as conn:
        await conn.execute(q("idempotency_put"), owner, key, request_hash, status, body)
