"""What every page shares: registration, the staff session, CSRF, flash messages, forms, errors.

See the package docstring (``api/web/__init__.py``) for how to add a page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy
from pydantic import BaseModel, ValidationError

from catalog import scoped
from catalog.people.accounts import RateLimited, Unauthenticated
from catalog.enums import Role
from catalog.errors import DomainError
from catalog.local_time import LOCAL_TIME
from catalog.models import Principal, ReasonIn
from catalog.shapes import BEYOND_SCHEMA

from ..context import RequestContext
from ..errors import DB_UNAVAILABLE, REQUEST_ID, logged_path, status_for
from ..headers import PUBLIC_PAGE

log = logging.getLogger("sandan.web")

SESSION_COOKIE = "sandan_session"
CSRF_COOKIE = "sandan_csrf"
FLASH_COOKIE = "sandan_flash"
CSRF_FIELD = "_csrf"


@dataclass(frozen=True)
class Keys:
    """Where the app keeps the pool and the cache (the app factory owns both keys)."""

    pool: web.AppKey
    cache: web.AppKey


KEYS = web.AppKey("web_keys", Keys)
PRINCIPAL = web.RequestKey("web_principal", Principal)
_FLASH_OUT = web.RequestKey("web_flash_out", list)
_COOKIES_OUT = web.RequestKey("web_cookies_out", dict)


# --- registration ----------------------------------------------------------------------------

Handler = Callable[["View"], Awaitable[Any]]


@dataclass(frozen=True)
class PageRoute:
    method: str
    path: str
    handler: Handler
    template: str | None
    roles: frozenset[Role] | None  # None: any signed-in account (or anyone, when public)
    public: bool
    nav: str | None
    order: int
    home: bool
    invalidates: tuple[str, ...]

    def allows(self, principal: Principal | None) -> bool:
        if self.public:
            return True
        if principal is None:
            return False
        return self.roles is None or principal.role in self.roles


PAGES: list[PageRoute] = []


def page(path: str, *, method: str = "GET", template: str | None = None, roles: Iterable[Role] | None = None,
         public: bool = False, nav: str | None = None, order: int = 100, home: bool = False,
         invalidates: tuple[str, ...] | None = None) -> Callable[[Handler], Handler]:
    """Declare a page. The handler gets a :class:`View` and returns a dict for ``template``
    or a response (``v.redirect(...)`` after a POST).

    ``public``: no login needed. ``roles``: the roles that may open it (default: any signed-in
    account). ``nav``: its label in the navigation bar of those who may open it, by ``order``.
    ``home``: where these roles land after login. ``invalidates``: cache groups a successful POST
    may change (default: the public board, as for the API's writes).
    """
    def wrap(fn: Handler) -> Handler:
        PAGES.append(PageRoute(
            method=method.upper(), path=path, handler=fn, template=template,
            roles=frozenset(roles) if roles is not None else None, public=public, nav=nav, order=order,
            home=home, invalidates=invalidates if invalidates is not None else
            (() if method.upper() == "GET" else ("board",)),
        ))
        return fn

    return wrap


def nav_for(principal: Principal | None) -> list[tuple[str, str]]:
    routes = [r for r in PAGES if r.nav and r.method == "GET" and "{" not in r.path and r.allows(principal)]
    if principal is not None:  # staff see their own pages before the public ones
        routes.sort(key=lambda r: (r.public, r.order, r.path))
    else:
        routes.sort(key=lambda r: (r.order, r.path))
    return [(r.nav, r.path) for r in routes]  # type: ignore[misc]


def nav_here(nav: list[tuple[str, str]], path: str) -> str | None:
    """The navigation entry the page at ``path`` belongs to: the longest entry that is the path
    or one of its parents (``/public/units`` is 单位排行, not also 项目公示 at ``/public``)."""
    found = [p for _, p in nav if path == p or (p != "/" and path.startswith(p + "/"))]
    return max(found, key=len) if found else None


def home_for(principal: Principal) -> str:
    for r in sorted(PAGES, key=lambda r: r.order):
        if r.home and r.method == "GET" and not r.public and r.allows(principal):
            return r.path
    return "/account"


# --- forms -----------------------------------------------------------------------------------


@dataclass
class Form:
    """What the user typed and what is wrong with it, field by field, for the template."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)  # errors about the form as a whole

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    def values_of(self, name: str) -> list[str]:
        """A multi-valued field (checkboxes, multiple select) as a list of strings."""
        v = self.values.get(name, [])
        return [str(x) for x in (v if isinstance(v, list) else [v])]

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    def fail(self, message: str, name: str = "") -> Form:
        """Add an error, to a field or (no name) to the whole form; returns the form."""
        if name:
            self.errors[name] = message
        else:
            self.general.append(message)
        return self


# Errors that say how much a field may hold; a field's own message ("请选择…", "请填写…") would hide it.
_LIMITS = frozenset({"string_too_long", "too_long"})


def _zh(err: dict[str, Any]) -> str:
    """A pydantic error in words a secretary or a resident understands."""
    t, ctx = err["type"], err.get("ctx") or {}
    if t == "missing":
        return "请填写此项"
    if t == "string_too_short":
        return "请填写此项" if ctx.get("min_length", 1) <= 1 else f"至少填写 {ctx['min_length']} 个字"
    if t == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字"
    if t == "too_short":
        return f"请至少选择 {ctx.get('min_length', 1)} 项"
    if t == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if t == "string_pattern_mismatch":
        return "格式不正确"
    if t in ("int_parsing", "int_from_float", "int_type"):
        return "请填写整数"
    if t in ("float_parsing", "decimal_parsing", "float_type", "decimal_type"):
        return "请填写数字"
    if t == "decimal_max_places":
        return f"最多 {ctx.get('decimal_places')} 位小数"
    if t == "decimal_max_digits":
        return "数字位数过多"
    bounds = {"greater_than": "须大于 {}", "greater_than_equal": "不能小于 {}", "less_than": "须小于 {}",
              "less_than_equal": "不能大于 {}"}
    if t in bounds:
        return bounds[t].format(next(iter(ctx.values()), ""))
    if t in ("enum", "literal_error"):
        return "请从列表中选择"
    if t.startswith("date_") or t == "date_type":
        return "日期须写作 YYYY-MM-DD，如 2024-05-01"
    if t.startswith("datetime_") or t.startswith("timezone_"):
        return "时间格式应为 2024-05-01 09:00"
    if t == "value_error":
        msg = str(err.get("msg", ""))
        return msg.removeprefix("Value error, ")
    if t in BEYOND_SCHEMA:  # rules across fields, each with its own words
        return str(err.get("msg", ""))
    if t == "extra_forbidden":
        return "不应填写此项"
    return "填写有误"


def parse_form(model: type[BaseModel], data: MultiDictProxy | dict, *, lists: Iterable[str] = (),
               datetimes: Iterable[str] = (), messages: dict[str, str] | None = None,
               extra: dict[str, Any] | None = None) -> tuple[Any, Form]:
    """Validate form fields into ``model``; ``(model or None, Form)``.

    Only the model's fields are read (the CSRF field and buttons are ignored); an empty text box
    counts as not filled in, so the model's default applies. ``lists``: fields sent several
    times (checkboxes). ``datetimes``: ``<input type=datetime-local>`` fields, read as local
    time. ``messages``: a field's own message instead of the generic one (e.g. "choose a
    category"), but never for a length limit: text too long always says how long it may be.
    ``extra``: values the page supplies itself (e.g. the community of the signed-in secretary).
    """
    lists, datetimes, messages = set(lists), set(datetimes), messages or {}
    getall = data.getall if isinstance(data, MultiDictProxy) else (lambda k, d=(): (
        data[k] if isinstance(data.get(k), list) else [data[k]]) if k in data else list(d))
    values: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    for name in model.model_fields:
        if name in lists:
            got = [str(x).strip() for x in getall(name, []) if str(x).strip()]
            values[name] = got
            if got:
                clean[name] = got
            continue
        raw = data.get(name)
        if raw is None or not isinstance(raw, str):
            continue
        values[name] = raw
        text = raw.strip()
        if not text:
            continue
        if name in datetimes:
            text = _local_datetime(text)
        clean[name] = text
    clean.update(extra or {})
    form = Form(values=values)
    try:
        return model.model_validate(clean), form
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_input=False):
            loc = [str(p) for p in err["loc"]]
            name = loc[0] if loc else ""
            message = (None if err["type"] in _LIMITS else messages.get(name)) or _zh(err)
            if name and name in model.model_fields and name not in (extra or {}):
                form.errors.setdefault(name, message)
            else:
                form.general.append(message)
        return None, form


def _local_datetime(text: str) -> str:
    """``2024-05-01T09:30`` from a datetime-local box → the same wall-clock time in UTC+8."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return text  # the model says it is malformed
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TIME)
    return value.isoformat()


# --- the view a handler gets -----------------------------------------------------------------


@dataclass(kw_only=True)
class View(RequestContext):
    """One page request: the shared context (who asks, already resolved), the page, and the
    posted form (CSRF already checked)."""

    route: PageRoute
    form_data: MultiDictProxy | None = None

    def query(self, model: type[BaseModel], **fixed: Any) -> Any:
        """The query string as ``model`` (filters, paging); unknown or empty parameters are dropped."""
        data = {k: v for k, v in self.request.query.items() if k in model.model_fields and v.strip()}
        data.update(fixed)
        return model.model_validate(data)

    def validate(self, model: type[BaseModel], **kw: Any) -> tuple[Any, Form]:
        """The posted form as ``model``; see :func:`parse_form`."""
        return parse_form(model, self.form_data if self.form_data is not None else {}, **kw)

    async def reason_step(self, step: Callable[[ReasonIn], Awaitable[Any]], *, blank: str) -> tuple[Any, Form]:
        """A step that needs a reason (拒绝, 退单 …): the posted :class:`ReasonIn` and, if valid,
        ``step(reason)``. Returns the step's result (None if not taken) and the form to show
        again. A refused step is flashed (its form may be gone from the page: the work moved
        on); 其他原因 without a note is said at the note."""
        data, form = self.validate(ReasonIn, messages={"reason": blank})
        if data is not None:
            try:
                return await step(data), form
            except DomainError as exc:
                self.flash(exc.message, "error")
        elif form.general and "note" not in form.errors:
            form.errors["note"] = form.general.pop()
        return None, form

    def flash(self, message: str, kind: str = "ok") -> None:
        """A message for the next page shown (``ok``, ``error`` or ``info``)."""
        self.request[_FLASH_OUT].append([kind, message])

    def redirect(self, location: str, message: str | None = None, kind: str = "ok") -> web.Response:
        """303 to a page of ours (POST/redirect/GET), with an optional flash message."""
        if message:
            self.flash(message, kind)
        return web.Response(status=303, headers={"Location": local_path(location)})

    def back(self, fallback: str, message: str | None = None, kind: str = "ok") -> web.Response:
        """303 to the page the form was on (same site only), else ``fallback``."""
        referer = self.request.headers.get("Referer", "")
        parts = urlsplit(referer)
        target = fallback
        if referer and parts.netloc == self.request.host and parts.path.startswith("/"):
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.redirect(target, message, kind)

    def render(self, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> web.Response:
        return render(self.request, template, context or {}, status=status)


def local_path(location: str) -> str:
    """Only paths on this site: ``//evil.example`` and ``https://…`` become ``/``."""
    if not location.startswith("/") or location.startswith("//") or "\\" in location:
        return "/"
    return location


# --- session, CSRF and flash cookies ---------------------------------------------------------


def _secure(request: web.Request) -> bool:
    """Cookies are Secure when the browser talks https to us or to the proxy in front of us."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_cookie(request: web.Request, name: str, value: str | None, *, max_age: int | None = None) -> None:
    """Queue a cookie for the response (``None`` deletes it); written by the middleware."""
    request[_COOKIES_OUT][name] = (value, max_age)


def csrf_token(request: web.Request) -> str:
    """The value every POST form must send back in ``_csrf``.

    With a session it is derived from the session token (which no other site can read); without
    one it is a random value kept in its own cookie (double submit).
    """
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        return hashlib.sha256(b"sandan-csrf\0" + token.encode("utf-8", "replace")).hexdigest()[:40]
    queued = request[_COOKIES_OUT].get(CSRF_COOKIE)
    nonce = queued[0] if queued else request.cookies.get(CSRF_COOKIE, "")
    if not (20 <= len(nonce) <= 64 and nonce.isascii() and nonce.isalnum()):
        nonce = secrets.token_hex(16)
        set_cookie(request, CSRF_COOKIE, nonce)
    return nonce


def _csrf_ok(request: web.Request, sent: str | None) -> bool:
    if not sent:
        return False
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        expected = csrf_token(request)
    else:
        expected = request.cookies.get(CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode("utf-8", "replace"))


def _read_flashes(request: web.Request) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    set_cookie(request, FLASH_COOKIE, None)
    try:
        items = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
        return [(str(k), str(m)) for k, m in items][:5]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return []


def _write_cookies(request: web.Request, response: web.StreamResponse) -> None:
    pending = request.get(_FLASH_OUT)
    if pending and response.status in (301, 302, 303, 307, 308):
        raw = base64.urlsafe_b64encode(json.dumps(pending, ensure_ascii=False).encode()).decode()
        request[_COOKIES_OUT][FLASH_COOKIE] = (raw, 60)
    secure = _secure(request)
    for name, (value, max_age) in request.get(_COOKIES_OUT, {}).items():
        if value is None:
            response.del_cookie(name, path="/")
        else:
            response.set_cookie(name, value, path="/", max_age=max_age, httponly=True, samesite="Lax", secure=secure)


# --- rendering -------------------------------------------------------------------------------


def render(request: web.Request, template: str, context: dict[str, Any], *, status: int = 200) -> web.Response:
    principal = request.get(PRINCIPAL)
    flashes = _read_flashes(request) + [(k, m) for k, m in request.get(_FLASH_OUT, [])]
    request[_FLASH_OUT] = []  # shown now; nothing left to carry to the next page
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


# --- the middleware and the handler wrapper --------------------------------------------------


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
    request[_FLASH_OUT] = []
    request[_COOKIES_OUT] = {}
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
    _write_cookies(request, response)  # security and cache headers: api/headers.py, for every response
    return response


def _to_login(request: web.Request, message: str) -> web.Response:
    request[_FLASH_OUT].append(["info", message])
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
            if not _csrf_ok(request, sent if isinstance(sent, str) else None):
                return error_page(request, 403, "表单已失效（可能停留过久，或已在其他窗口退出或登录）。请返回、刷新页面后重新提交。")
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


# --- template helpers ------------------------------------------------------------------------


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
