"""One error middleware and one JSON envelope: ``{"error": {"code", "message", "details"}}``.

Domain errors map to status codes by class; a lost database becomes 503 (never 500); anything
unexpected is logged with the request id and answered with a bare 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import asyncpg
from aiohttp import web
from pydantic import ValidationError

from catalog.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, RateLimited, Unauthenticated

from . import logsafe

log = logging.getLogger(__name__)

REQUEST_ID = web.RequestKey("request_id", str)
MAX_BODY_BYTES = 1024 * 1024

_STATUS_BY_CLASS: list[tuple[type[DomainError], int]] = [
    (Unauthenticated, 401),
    (RateLimited, 429),
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 422),
]

_HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "invalid_input", 429: "rate_limited", 503: "unavailable",
}

_HTTP_MESSAGES = {
    400: "请求格式错误", 401: "请先登录", 403: "无权访问", 404: "找不到请求的资源",
    405: "不支持的请求方法", 413: "请求内容过大", 415: "请求内容类型不支持", 422: "输入不符合要求",
    429: "请求过于频繁，请稍后再试", 503: "服务暂不可用，请稍后再试",
}

# Errors that mean "the database is not there right now", as opposed to a bug.
DB_UNAVAILABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.CrashShutdownError,  # another server process crashed and the server is resetting
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    # A pooled connection caught between the server's last message and its socket closing (seen
    # when the postmaster is killed: idle backends say FATAL and go) refuses the next query so.
    asyncpg.InternalClientError,
)


def logged_path(request: web.Request) -> str:
    """The request path as logs may show it: built from the route, never copied (api.logsafe)."""
    return logsafe.route_path(request)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def envelope(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message, "details": details or {}}},
                             status=status, dumps=_dumps)


def status_for(exc: DomainError) -> int:
    for cls, status in _STATUS_BY_CLASS:
        if isinstance(exc, cls):
            return status
    return 400


def validation_details(exc: ValidationError) -> dict[str, Any]:
    return {
        "errors": [
            {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
    }


@web.middleware
async def body_limit_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Refuse an oversized body on every route, whether or not the handler reads it."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
    if request.body_exists and request.content_length is None:
        await request.read()  # chunked: aiohttp stops at client_max_size with 413
    return await handler(request)


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Outermost: gives every request an id and every failure the envelope."""
    rid = request.headers.get("X-Request-Id", "")
    if not (0 < len(rid) <= 64 and rid.isprintable()):
        rid = uuid.uuid4().hex
    request[REQUEST_ID] = rid
    response = await _answer(request, handler)
    response.headers["X-Request-Id"] = rid
    return response


async def _answer(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as exc:
        response = envelope(status_for(exc), exc.code, exc.message, exc.details)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        elif isinstance(exc, Unauthenticated):
            response.headers["WWW-Authenticate"] = 'Bearer realm="sandan"'
        return response
    except ValidationError as exc:
        return envelope(422, "invalid_input", "输入不符合要求", validation_details(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        response = envelope(exc.status, code, _HTTP_MESSAGES.get(exc.status, exc.reason))
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in exc.headers:
                response.headers[header] = exc.headers[header]
        return response
    except DB_UNAVAILABLE as exc:
        log.warning("database unavailable during %s %s [%s]: %r", request.method, logged_path(request),
                    request.get(REQUEST_ID), exc)
        response = envelope(503, "database_unavailable", "数据库暂不可用，请稍后再试")
        response.headers["Retry-After"] = "5"
        return response
    except Exception:
        rid = request.get(REQUEST_ID)
        log.exception("unhandled error in %s %s [request_id=%s]", request.method, logged_path(request), rid)
        return envelope(500, "internal_error", "服务器内部错误", {"request_id": rid})


MIDDLEWARES = [error_middleware, body_limit_middleware]
