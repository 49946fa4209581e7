"""Declared endpoints: one list that both the router and the OpenAPI document are built from.

A handler receives a :class:`Call` with the caller (already authenticated unless the endpoint
is public), the parsed body and query models and the path ids (read as the pages read them,
:mod:`api.context`, and checked before anything else), calls one ``catalog.scoped`` function and
returns a pydantic model; parsing, authentication, idempotency and serialising happen here, once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ValidationError

from catalog import scoped
from catalog.errors import InvalidInput, Unauthenticated
from catalog.models import Principal
from catalog.storage.runtime import json_ready

from .context import RequestContext, path_id, path_text
from .headers import PUBLIC_BOARD

PREFIX = "/api/v1"


@dataclass(kw_only=True)
class Call(RequestContext):
    """An API request: the shared context, and the body and query as the endpoint's models."""

    body: Any
    query: Any


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # below PREFIX
    handler: Handler
    summary: str
    tag: str
    public: bool = False
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    idempotent: bool = False
    errors: tuple[int, ...] = field(default_factory=tuple)
    # cached groups a successful call may change; writes change the public board by default
    invalidates: tuple[str, ...] | None = None

    @property
    def stale_after(self) -> tuple[str, ...]:
        if self.invalidates is not None:
            return self.invalidates
        return () if self.method == "GET" else WRITE_INVALIDATES

    @property
    def full_path(self) -> str:
        return PREFIX + self.path

    @property
    def body_required(self) -> bool:
        """Whether the body may be left out: an empty body reads as ``{}``."""
        if self.body is None:
            return False
        try:
            self.body.model_validate_json(b"{}", strict=True)
        except ValidationError:
            return True
        return False

    @property
    def id_params(self) -> list[str]:
        return [p for p in _params(self.path) if p.endswith("_id")]

    def error_statuses(self) -> list[int]:
        out = {413, 503}
        if not self.public:
            out |= {401, 403}
        if _params(self.path):
            out.add(404)
        if self.body is not None:
            out |= {400, 422}
        if self.query is not None:
            out.add(422)
        if self.idempotent:
            out.add(422)
        if self.method != "GET" and not self.public:
            out.add(409)
        out |= set(self.errors)
        return sorted(out)


def _params(path: str) -> list[str]:
    return re.findall(r"\{([a-z_]+)\}", path)


ENDPOINTS: list[Endpoint] = []


def endpoint(method: str, path: str, *, summary: str, tag: str, **kw: Any) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        ENDPOINTS.append(Endpoint(method, path, fn, summary, tag, **kw))
        return fn

    return wrap


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def authenticate(request: web.Request, db: asyncpg.Pool) -> tuple[Principal, str]:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("请先登录", code="unauthenticated")
    token = token.strip()
    return await scoped.principal_for_token(db, token), token


async def _body(request: web.Request, model: type[BaseModel]) -> tuple[BaseModel, bytes]:
    """The body as ``model``; an empty body is ``{}``.

    Strict: a JSON value of the type the OpenAPI document names, not one pydantic could convert
    (``0`` for ``false``, ``"3"`` for ``3``); forms, which only send text, are read leniently.
    """
    raw = await request.read()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):  # nesting deeper than the parser's stack is malformed too
        raise web.HTTPBadRequest(reason="malformed JSON") from None
    try:
        text = json.dumps(_whole_numbers(data), allow_nan=False)
    except (ValueError, RecursionError):  # NaN, Infinity: no JSON value
        raise web.HTTPBadRequest(reason="malformed JSON") from None
    return model.model_validate_json(text, strict=True), raw


def _whole_numbers(data: Any) -> Any:
    """JSON has one kind of number: ``5.0`` is the integer 5, as JSON Schema reads it too."""
    if isinstance(data, float) and data.is_integer():
        return int(data)
    if isinstance(data, list):
        return [_whole_numbers(v) for v in data]
    if isinstance(data, dict):
        return {k: _whole_numbers(v) for k, v in data.items()}
    return data


def _check_path(ep: Endpoint, request: web.Request) -> None:
    """Every path parameter, before the caller is asked who they are: ids must be ids, the rest
    printable. Anything else is a path that names nothing: 404."""
    for name in request.match_info:
        if name in ep.id_params:
            path_id(request, name)
        else:
            path_text(request, name)


MAX_IDEMPOTENCY_KEY = 200
# visible ASCII: what an HTTP header carries unchanged (spaces around a value are dropped in transit)
IDEMPOTENCY_KEY_PATTERN = f"^[!-~]{{1,{MAX_IDEMPOTENCY_KEY}}}$"


def _usable_key(key: str) -> bool:
    return re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key) is not None


# Groups of cached data that any successful write may change. Only the board changes through
# the API: every command on a project, a unit or a closing link can move it.
WRITE_INVALIDATES = ("board",)


def make_handler(ep: Endpoint, pool_key: web.AppKey,
                 cache_key: web.AppKey) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        db = request.app[pool_key]
        cache = request.app.get(cache_key)
        _check_path(ep, request)
        principal, token = (None, None) if ep.public else await authenticate(request, db)
        query = ep.query.model_validate(dict(request.query)) if ep.query is not None else None
        if ep.query is None and request.query:
            raise InvalidInput("该接口不接受查询参数", code="unknown_query", details={"params": sorted(request.query)})
        body, raw = (None, b"")
        if ep.body is not None:
            body, raw = await _body(request, ep.body)
        call = Call(request=request, db=db, principal=principal, token=token, cache=cache, body=body, query=query)
        key = request.headers.get("Idempotency-Key") if ep.idempotent else None
        if key is not None and not _usable_key(key):
            # refused before the command runs: a key that cannot be stored must not leave a record
            # behind and an error, inviting a retry that makes a second one
            raise InvalidInput("Idempotency-Key 须为 1 到 200 个可见 ASCII 字符（不含空格）",
                               code="invalid_idempotency_key", details={"pattern": IDEMPOTENCY_KEY_PATTERN})
        if key is None:
            return _respond(ep, await _run(ep, call))
        owner = principal.username if principal else f"public:{request.remote}"
        digest = hashlib.sha256(f"{ep.method} {request.path}\n".encode() + raw).digest()
        async with scoped.idempotency.exclusive(db, owner, key):
            stored = await scoped.idempotency.replay(db, owner, key, digest)
            if stored is not None:
                status, data = stored
                response = web.Response(text=dumps(data), status=status, content_type="application/json")
                response.headers["Idempotent-Replayed"] = "true"
                return response
            data = await _run(ep, call)
            if data is not None:
                await scoped.idempotency.remember(db, owner, key, digest, ep.status, data)
            return _respond(ep, data)

    handle.__name__ = ep.handler.__name__
    return handle


async def _run(ep: Endpoint, call: Call) -> Any:
    """Run the handler; its result as JSON-ready data (None for no content)."""
    result = await ep.handler(call)
    if ep.stale_after and call.cache is not None:
        await call.cache.invalidate(*ep.stale_after)
    return None if result is None else json_ready(result)


def _respond(ep: Endpoint, data: Any) -> web.Response:
    if data is None:
        return web.Response(status=204)
    response = web.Response(text=dumps(data), status=ep.status, content_type="application/json")
    if ep.public and ep.method == "GET":  # the public board: nothing personal, the same for everyone
        response.headers["Cache-Control"] = PUBLIC_BOARD
    return response
