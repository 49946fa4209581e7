"""A cache for read-mostly data: categories, areas and the public board (公示).

In memory by default; in Redis when ``SANDAN_REDIS_URL`` is set, so several workers share it.
Entries live ``ttl`` seconds at most. A write invalidates a whole group at once by bumping the
group's version, which is part of every key: old entries are never read again and simply
expire. With the in-memory backend a write in one worker process cannot reach another's cache;
the TTL bounds how stale that can be.

The cache is an optimisation only: if the backend fails, the value is loaded from PostgreSQL
and the failure is logged, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiocache import Cache
from aiocache.serializers import JsonSerializer
from pydantic import BaseModel

log = logging.getLogger(__name__)

DEFAULT_TTL = 60


def json_ready(value: Any) -> Any:
    """Models (or lists of them) as the plain JSON data that is cached and sent."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [json_ready(v) for v in value]
    return value


def _counter(raw: Any) -> int:
    return int(raw) if raw is not None else 0


class ReadCache:
    def __init__(self, redis_url: str | None = None, *, ttl: int = DEFAULT_TTL, namespace: str = "sandan"):
        self.ttl = ttl
        if redis_url:
            self.backend = Cache.from_url(redis_url)
            self.backend.namespace = namespace
        else:
            self.backend = Cache(Cache.MEMORY, serializer=JsonSerializer(), namespace=namespace)
        self.kind = "redis" if redis_url else "memory"

    async def get_or_load(self, group: str, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """The cached JSON-ready value of ``key`` in ``group``, loading and storing it on a miss."""
        try:
            # a counter is stored raw by increment(), not through the serializer
            version = await self.backend.get(f"v:{group}", loads_fn=_counter)
            full = f"{group}:{version}:{key}"
            hit = await self.backend.get(full)
        except Exception as exc:  # the cache is never a reason to fail a request
            log.warning("cache read failed (%s): %r", self.kind, exc)
            return json_ready(await load())
        if hit is not None:
            return hit
        value = json_ready(await load())
        try:
            await self.backend.set(full, value, ttl=self.ttl)
        except Exception as exc:
            log.warning("cache write failed (%s): %r", self.kind, exc)
        return value

    async def invalidate(self, *groups: str) -> None:
        for group in groups:
            try:
                await self.backend.increment(f"v:{group}")
            except Exception as exc:
                log.warning("cache invalidation failed (%s): %r", self.kind, exc)

    async def close(self) -> None:
        await self.backend.close()
