"""Serving pages: the handler wrapped around each page (session, permission, CSRF, rendering)
and the middleware that turns errors into Chinese pages and writes the cookies."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web
from pydantic import ValidationError

from catalog import scoped
from catalog.errors import DomainError, RateLimited, Unauthenticated

from ...errors import DB_UNAVAILABLE, REQUEST_ID, logged_path, status_for
from ...headers import PUBLIC_PAGE
from .cookies import COOKIES_OUT, CSRF_FIELD, FLASH_OUT, SESSION_COOKIE, csrf_ok, set_cookie, write_cookies
from .pages import PRINCIPAL, PageRoute
from .render import error_page, render
from .view import View

log = logging.getLogger("sandan.web")


@dataclass(frozen=True)
class Keys:
    """Where the app keeps the pool and the cache (the app factory owns both keys)."""

    pool: web.AppKey
    cache: web.AppKey


KEYS = web.AppKey("web_keys", Keys)


def is_page_request(request: web.Request) -> bool:
    """A page of ours, or an unknown address asked for by a browser (which gets HTML, not JSON)."""
    path = request.path
    if path.startswith("/api/") or path in ("/healthz", "/readyz", "/metrics"):
        return False
    if getattr(request.match_info.handler, "is_page", False):
        return True
    return "text/html" in request.headers.get("Accept", "")


@web.middleware
async def page_middleware(request: web.Request, handler) -> web.StreamResponse:
    """For pages (not the API): Chinese HTML error pages instead of JSON, and the cookies."""
    if not is_page_request(request):
        return await handler(request)
    request[FLASH_OUT] = []
    request[COOKIES_OUT] = {}
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_page(request, exc.status)
        for header in ("Allow", "Retry-After"):
            if header in exc.headers:
                response.headers[header] = exc.headers[header]
    except Unauthenticated:
        response = _to_login(request, "请先登录")
    except RateLimited as exc:
        response = error_page(request, 429, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
    except DomainError as exc:
        response = error_page(request, status_for(exc), exc.message)
    except ValidationError:
        response = error_page(request, 422, "请求参数不符合要求，请返回重新操作。")
    except DB_UNAVAILABLE as exc:
        log.warning("database unavailable during page %s %s [%s]: %r", request.method, logged_path(request),
                    request.get(REQUEST_ID), exc)
        response = error_page(request, 503)
        response.headers["Retry-After"] = "5"
    except Exception:
        log.exception("unhandled error in page %s %s [request_id=%s]", request.method, logged_path(request),
                      request.get(REQUEST_ID))
        response = error_page(request, 500)
    write_cookies(request, response)  # security and cache headers: api/headers.py, for every response
    return response


def _to_login(request: web.Request, message: str) -> web.Response:
    request[FLASH_OUT].append(["info", message])
    target = "/login"
    if request.method in ("GET", "HEAD") and request.path != "/login":
        target += "?next=" + quote(request.path_qs, safe="")
    return web.Response(status=303, headers={"Location": target})


def make_handler(route: PageRoute) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        keys = request.app[KEYS]
        db = request.app[keys.pool]
        cache = request.app.get(keys.cache)
        token = request.cookies.get(SESSION_COOKIE) or None
        principal = None
        if token:
            try:
                principal = await scoped.principal_for_token(db, token)
            except Unauthenticated:
                set_cookie(request, SESSION_COOKIE, None)
                token = None
                if not route.public:
                    return _to_login(request, "登录已过期，请重新登录")
        if principal is not None:
            request[PRINCIPAL] = principal
        if not route.public and principal is None:
            return _to_login(request, "请先登录")
        if not route.allows(principal):
            assert principal is not None
            return error_page(request, 403, f"当前账号（{principal.role.label} {principal.username}）无权访问此页面。")
        form = None
        if route.method == "POST":
            form = await request.post()
            sent = form.get(CSRF_FIELD)
            if not csrf_ok(request, sent if isinstance(sent, str) else None):
                return error_page(request, 403, "表单已失效（可能停留过久，或已在其他窗口退出或登录）。"
                                                "请返回、刷新页面后重新提交。")
        view = View(request=request, route=route, db=db, principal=principal, token=token, cache=cache, form_data=form)
        result = await route.handler(view)
        if route.invalidates and cache is not None:
            await cache.invalidate(*route.invalidates)
        if isinstance(result, web.StreamResponse):
            return result
        if route.template is None:
            raise TypeError(f"page {route.path} returned data but declares no template")
        response = render(request, route.template, result or {})
        if route.public and route.method == "GET" and principal is None:
            response.headers.setdefault("Cache-Control", PUBLIC_PAGE)  # the same for everyone signed out
        return response

    handle.__name__ = route.handler.__name__
    handle.is_page = True  # type: ignore[attr-defined]
    return handle
