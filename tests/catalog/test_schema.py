"""The schema migrates from empty and every named query prepares against it."""

import asyncpg
import pytest

from catalog.storage.migrate import applied_versions, migrate
from catalog.storage.sql import migrations, queries


async def test_migrations_reach_head_from_empty(database_dsn):
    conn = await asyncpg.connect(database_dsn)
    try:
        assert await applied_versions(conn) == [n for n, _, _ in migrations()]
        # applying again is a no-op: forward-only, idempotent at head
        assert await migrate(conn) == []
    finally:
        await conn.close()


@pytest.mark.parametrize("name", sorted(queries()))
async def test_every_query_prepares(pool, name):
    async with pool.acquire() as conn:
        await conn.prepare(queries()[name])


async def test_seeded_categories_have_the_five_top_levels(db):
    rows = await db.fetch("SELECT name FROM categories WHERE level = 1 ORDER BY sort_order")
    assert [r["name"] for r in rows] == ["公共服务类", "公益慈善类", "就业创业类", "文体活动类", "人才服务类"]
