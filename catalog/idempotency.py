"""Stored first answers to creating requests sent with an ``Idempotency-Key``.

A client that lost the answer to a POST may send it again with the same key and gets the same
answer back instead of a second record; the same key with a different request is refused,
since it is almost certainly a client bug.
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidInput
from .sql import q
from .tx import Db, connection


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
