"""The read cache: hits, invalidation on writes, in memory and on the machine's Redis when reachable."""

from __future__ import annotations

import socket
import uuid

import pytest

from catalog.enums import ProjectStatus
from catalog.storage.cache import ReadCache
from tests.factories import make_project

API = "/api/v1"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


BACKENDS = ["memory"] + (["redis://127.0.0.1:6379/0"] if _redis_up() else [])


@pytest.mark.parametrize("backend", BACKENDS)
async def test_cache_serves_hits_and_forgets_a_group_on_invalidation(backend):
    cache = ReadCache(None if backend == "memory" else backend, ttl=30, namespace=f"sandan-test-{uuid.uuid4().hex}")
    loads = []

    async def load():
        loads.append(1)
        return {"items": [{"title": "助老服务", "n": len(loads)}]}

    try:
        first = await cache.get_or_load("board", "projects", load)
        again = await cache.get_or_load("board", "projects", load)
        assert first == again == {"items": [{"title": "助老服务", "n": 1}]} and len(loads) == 1
        await cache.invalidate("directory")  # another group: the board stays cached
        assert (await cache.get_or_load("board", "projects", load))["items"][0]["n"] == 1
        await cache.invalidate("board")
        assert (await cache.get_or_load("board", "projects", load))["items"][0]["n"] == 2
    finally:
        await cache.close()


async def test_a_broken_cache_backend_falls_back_to_the_database_value():
    cache = ReadCache("redis://127.0.0.1:1/0", namespace="unreachable")  # nothing listens on port 1
    try:
        assert await cache.get_or_load("board", "k", _value) == {"ok": True}
    finally:
        await cache.close()


async def _value():
    return {"ok": True}


async def test_public_board_is_cached_until_a_write_through_the_api(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED)
    board = await (await client.get(f"{API}/public/projects")).json()
    assert [p["title"] for p in board["items"]] == ["助老服务"]
    # a change behind the API's back is not seen while the entry lives …
    await db.execute("UPDATE projects SET title = '助老服务（已改名）' WHERE id = $1", built.id)
    cached = await (await client.get(f"{API}/public/projects")).json()
    assert [p["title"] for p in cached["items"]] == ["助老服务"]
    # … and any write through the API drops the board, so the next read is fresh
    r = await client.post(f"{API}/projects/{built.id}/claim", headers=cast.headers["unit_x"])
    assert r.status == 201
    fresh = await (await client.get(f"{API}/public/projects")).json()
    assert [(p["title"], p["status"]) for p in fresh["items"]] == [("助老服务（已改名）", "claiming")]
