"""Pages for people, in Chinese: server-rendered Jinja2 templates from the aiohttp app.

Where things are
================

A package per role, as the templates are (``templates/<role>/``), each with a module per task
(its ``__init__`` lists them and says where the next page goes):

* ``secretary/`` 社区书记, ``unit/`` 成员单位, ``admin/`` 街道/联盟管理员: the staff's pages;
* ``public/``: pages for everyone (公示, 排行, 数据公示); ``resident/``: 点单 and 结单;
  ``auth/``: login, logout, the account page;
* ``kit/``: what every page shares and no page of its own (declaring a page, the view, forms,
  cookies, rendering and error pages, names for codes);
* ``pictures/``: the SVG pictures (charts, the map) and what the figures pages share.

How to add a page
=================

1. **A module in its role's package** (``secretary/needs.py``, ``unit/offers.py`` …). Every
   module under this package is imported at start-up and registers its own pages; nothing else
   to edit.
2. **Declare each page** with :func:`~api.web.kit.pages.page`::

       from catalog import scoped
       from catalog.enums import Role
       from catalog.models import NeedFilter, RejectIn
       from ..kit import View, page

       SEC = (Role.SECRETARY,)

       @page("/secretary/needs", roles=SEC, template="secretary/needs.html", nav="需求审核", order=10, home=True)
       async def needs(v: View) -> dict:
           f = v.query(NeedFilter, status="pending")              # query string → the API's filter model
           return {"page": await scoped.list_needs(v.db, v.me, f)}  # the same scoped call as the API

       @page("/secretary/needs/{need_id}/reject", method="POST", roles=SEC, template="secretary/need.html")
       async def reject(v: View):
           data, form = v.validate(RejectIn)                      # Chinese errors per field, values kept
           if data is None:
               return {"need": ..., "form": form}                 # show the form again (status 200)
           await scoped.reject_need(v.db, v.me, v.id("need_id"), data)
           return v.redirect("/secretary/needs", "已驳回")          # POST/redirect/GET with a flash

   - ``roles``: who may open it (404/403 like the API: a page calls the same ``catalog.scoped``
     functions with ``v.me``, so it never shows what its user may not see). ``public=True``: no
     login. ``nav``: label in the top bar for those roles, ordered by ``order``. ``home=True``:
     where the role lands after login.
   - Paths: ``/secretary/…``, ``/unit/…``, ``/admin/…`` per role; ``/public/…`` and ``/need``,
     ``/closing/{token}`` for everyone. Logs show a path parameter's value only if
     ``api/logsafe.py`` declares it harmless (ids, codes, numbers); any other, like ``token``,
     is logged as ``{name}``.
   - Handlers return a dict for ``template`` or a response (``v.redirect``, ``v.back``).
     A domain error raised by a ``scoped`` call becomes a Chinese error page (404/403/409);
     on a form, catch ``DomainError`` and ``form.fail(exc.message)`` to show it above the form.
   - Every POST is CSRF-checked before the handler runs; a successful POST invalidates the
     public board's cache (``invalidates=`` to change that).
   - ``v.id("need_id")`` (numeric path ids, 404 otherwise), ``v.query(Model, **fixed)``,
     ``v.validate(Model, lists=…, datetimes=…, messages=…, extra=…)``, ``v.flash(msg, kind)``,
     ``v.cached(group, key, load)``, ``v.address`` (for rate limits).
3. **Templates** in ``templates/<role>/name.html``, extending ``base.html``::

       {% extends "base.html" %}
       {% import "_form.html" as f with context %}
       {% block title %}需求审核{% endblock %}
       {% block content %}
       <form method="post" class="form">{{ f.csrf() }}
         {{ f.field(form, "title", "标题", required=True) }}
         {{ f.select(form, "reason", "驳回理由", options=RejectReason.labels().items()) }}
         {{ f.textarea(form, "note", "说明") }}
         {{ f.errors(form) }}<button class="btn primary">提交</button></form>
       {{ f.pager(page.next_cursor) }}
       {% endblock %}

   Filters: ``|dt`` (date and time, Beijing time), ``|date``, ``|label`` (an enum's Chinese
   word; ``value|label(ProjectStatus)`` for a raw value), ``|yuan``, ``terms|score_terms(total)``
   (a score's terms rounded so that they add up to the total shown). Globals: every enum of
   ``catalog.enums`` by name. Status badges: ``<span class="badge s-{{ p.status }}">``.
4. **Static files** in ``static/`` (``/static/site.css``, ``/static/site.js``): hand-written, no
   CDN, no build step. Buttons that change something important get ``data-confirm="确定…？"``.
   Inline ``<script>`` is refused by the Content-Security-Policy; put scripts in ``static/``.
5. **Tests**: ``tests/web/`` — aiohttp test client for each page (forms, permissions, errors)
   and one real-browser story (``tests/web/test_browser.py``).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from catalog import enums

from .kit import pages, render, serving, terms
from .kit.serving import page_middleware

__all__ = ["install", "page_middleware"]

HERE = Path(__file__).resolve().parent


def _load_modules() -> None:
    """Import every module below this package: each registers the pages it declares."""
    for info in pkgutil.walk_packages([str(HERE)], prefix=f"{__name__}."):
        importlib.import_module(info.name)


def environment(app: web.Application) -> jinja2.Environment:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(dt=render.fmt_time, date=render.fmt_date, label=render.label,
                       yuan=lambda v: "" if v is None else f"{float(v):.2f} 元", score_terms=terms.shown_terms)
    env.globals.update({name: obj for name, obj in vars(enums).items()
                        if isinstance(obj, type) and issubclass(obj, enums.Labelled) and obj is not enums.Labelled})
    return env


async def _favicon(request: web.Request) -> web.FileResponse:
    """Browsers ask for /favicon.ico whatever the page links; the pages link the SVG too."""
    return web.FileResponse(HERE / "static" / "favicon.ico",
                            headers={"Content-Type": "image/x-icon", "Cache-Control": "public, max-age=86400"})


def install(app: web.Application, pool_key: web.AppKey, cache_key: web.AppKey) -> None:
    """Mount every page, the static files and the templates on ``app``.

    Add :data:`page_middleware` to the app's middlewares, inside the error middleware.
    """
    _load_modules()
    app[serving.KEYS] = serving.Keys(pool=pool_key, cache=cache_key)
    environment(app)
    app.router.add_static("/static/", HERE / "static", name="static", append_version=False)
    app.router.add_get("/favicon.ico", _favicon)
    for route in pages.PAGES:
        handler = serving.make_handler(route)
        if route.method == "GET":  # and HEAD: link checkers and link previews ask with HEAD
            app.router.add_get(route.path, handler)
        else:
            app.router.add_route(route.method, route.path, handler)
