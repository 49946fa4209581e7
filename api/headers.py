"""The headers every response carries, set in one place: the app's ``on_response_prepare``.

That hook runs for every response the app sends (pages, the API, static files, the router's own
404 and 405, errors), after the handler, so no route can forget them:

* **Caching.** ``Cache-Control: no-store`` unless the route declared something else, so every
  authenticated answer and every answer with personal data is never kept, by construction. The
  routes that declare otherwise carry nothing personal: the public board's API (``public,
  max-age=60``), the public pages for someone not signed in, static files, the API's
  documentation (``no-cache``: kept but checked again each time). A page for a signed-in
  account and anything under a path with a secret (``/closing/{token}``) is ``no-store``.
* **Framing, sniffing, referrers, content policy.** Nothing may frame us; content types are
  taken as sent; a closing link's address (its token) never leaves in a ``Referer``, other
  addresses only to ourselves; HTML gets :data:`PAGE_CSP` unless it set its own (the docs page),
  everything else the strictest policy.
* **Server.** ``sandan``, without the versions of Python and aiohttp.
"""

from __future__ import annotations

from aiohttp import web, web_response

from . import logsafe

SERVER = "sandan"
PAGE_CSP = ("default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

NO_STORE = "no-store"
REVALIDATE = "no-cache"  # may be kept, must be checked again before each use
PUBLIC_BOARD = "public, max-age=60"  # the public board's API; the same data the app caches itself
PUBLIC_PAGE = "private, no-cache"  # per browser: the page sets the browser's own CSRF cookie


def _secret_route(request: web.Request) -> bool:
    resource = request.match_info.route.resource
    return resource is not None and bool(logsafe.secret_params(resource.canonical))


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["Server"] = SERVER
    secret = _secret_route(request)
    if secret:
        headers["Cache-Control"] = NO_STORE
    elif isinstance(request.match_info.route.resource, web.StaticResource):
        headers.setdefault("Cache-Control", REVALIDATE)
    else:
        headers.setdefault("Cache-Control", NO_STORE)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers["Referrer-Policy"] = "no-referrer" if secret else headers.get("Referrer-Policy", "same-origin")
    html = response.content_type == "text/html"
    headers.setdefault("Content-Security-Policy", PAGE_CSP if html else OTHER_CSP)


def install(app: web.Application) -> None:
    app.on_response_prepare.append(on_prepare)
    # What aiohttp answers itself, before any app sees the request (a malformed request line),
    # never reaches the hook; it names the server with this default, which aiohttp offers no
    # setting for.
    web_response.SERVER_SOFTWARE = SERVER
