"""What every handler gets, for the JSON API (:class:`api.routing.Call`) and the pages
(:class:`api.web.kit.view.View`) alike: the request, the pool, the caller, the cache, and the
path parameters, read one way.

A path id is ASCII digits naming a record, 1 … 2**63−1 (a PostgreSQL ``bigint``); anything else
names nothing: 404. Any other path parameter must be printable text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import web

from catalog.models import Principal
from catalog.storage.runtime import ReadCache

MAX_ID = 2**63 - 1


def parse_id(text: str) -> int | None:
    """A record id as a path or a form writes it; None for anything that is not one."""
    # ASCII only: str.isdigit() also accepts "²" (int() refuses it) and the Arabic-Indic digit one,
    # U+0661 (int() reads 1)
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def path_id(request: web.Request, name: str) -> int:
    """The numeric path parameter ``name``; 404 when it is not an id."""
    value = parse_id(request.match_info[name])
    if value is None:
        raise web.HTTPNotFound()
    return value


def path_text(request: web.Request, name: str) -> str:
    """A text path parameter; NUL and control characters cannot name a record: 404."""
    text = request.match_info[name]
    if not text.isprintable():
        raise web.HTTPNotFound()
    return text


@dataclass(kw_only=True)
class RequestContext:
    """One request as a handler sees it: who asks (already resolved), where the data is."""

    request: web.Request
    db: asyncpg.Pool
    principal: Principal | None
    token: str | None = None
    cache: ReadCache | None = None

    @property
    def me(self) -> Principal:
        assert self.principal is not None
        return self.principal

    @property
    def address(self) -> str:
        """The client's address (for rate limits)."""
        return self.request.remote or "unknown"

    def id(self, name: str) -> int:
        """A numeric path parameter; anything else names nothing (404)."""
        return path_id(self.request, name)

    def text(self, name: str) -> str:
        return path_text(self.request, name)

    async def cached(self, group: str, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """Read-mostly data through the shared cache (JSON-ready data), or straight from ``load``."""
        if self.cache is None:
            return await load()
        return await self.cache.get_or_load(group, key, load)
