"""Rendering: a template with what every page shows (who is signed in, the navigation, flash
messages, the CSRF value), error pages in Chinese, and the template filters for times and labels."""

from __future__ import annotations

import datetime as dt
import logging
from enum import Enum
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from catalog.local_time import LOCAL_TIME

from ...errors import REQUEST_ID
from .cookies import FLASH_OUT, csrf_token, read_flashes
from .pages import PRINCIPAL, nav_for, nav_here

log = logging.getLogger("sandan.web")


def render(request: web.Request, template: str, context: dict[str, Any], *, status: int = 200) -> web.Response:
    principal = request.get(PRINCIPAL)
    flashes = read_flashes(request) + [(k, m) for k, m in request.get(FLASH_OUT, [])]
    request[FLASH_OUT] = []  # shown now; nothing left to carry to the next page
    nav = nav_for(principal)
    base = {
        "me": principal,
        "nav": nav,
        "nav_here": nav_here(nav, request.path),
        "flashes": flashes,
        "csrf_token": csrf_token(request),
        "current_path": request.path,
        "request": request,
        "request_id": request.get(REQUEST_ID, ""),
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)
    if principal is not None:  # pages for staff may hold personal data: never keep them in a cache
        response.headers["Cache-Control"] = "no-store"
    return response


_TITLES = {400: "请求有误", 403: "无权访问", 404: "页面不存在", 405: "不支持的操作", 409: "操作未能完成",
           413: "提交内容过大", 422: "输入不符合要求", 429: "操作过于频繁", 500: "服务器内部错误",
           503: "服务暂不可用"}
_MESSAGES = {400: "请求格式有误。", 403: "当前账号无权访问此页面。", 404: "您访问的页面不存在，或您无权查看。",
             405: "该页面不支持此操作。", 413: "提交的内容过大。", 422: "输入不符合要求。",
             429: "操作过于频繁，请稍后再试。", 500: "服务器出了问题，我们已记录，请稍后再试。",
             503: "数据库暂不可用，请稍后再试。"}


def error_page(request: web.Request, status: int, message: str | None = None) -> web.Response:
    context = {"status": status, "title": _TITLES.get(status, "出错了"),
               "message": message or _MESSAGES.get(status, "请求未能完成。"),
               "login_link": status in (401, 403)}
    try:
        return render(request, "errors/error.html", context, status=status)
    except Exception:  # a broken template must not hide the original error
        log.exception("error page failed to render [request_id=%s]", request.get(REQUEST_ID))
        return web.Response(text=f"{context['title']}：{context['message']}", status=status,
                            content_type="text/plain")


# --- template filters ------------------------------------------------------------------------


def fmt_time(value: dt.datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TIME)
        return value.strftime(fmt)
    return value.strftime("%Y-%m-%d")  # a date


def fmt_date(value: Any) -> str:
    return fmt_time(value, "%Y-%m-%d")


def label(value: Any, enum: type[Enum] | None = None) -> str:
    """The Chinese label of an enum member, or of a raw value given its enum class."""
    if enum is not None and not isinstance(value, enum):
        try:
            value = enum(value)
        except ValueError:
            return str(value)
    return getattr(value, "label", str(value))
