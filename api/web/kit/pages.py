"""Page registration: each page module declares its pages with :func:`page`; the navigation bar
and where each role lands after login are worked out from the declarations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from catalog.enums import Role
from catalog.models import Principal

if TYPE_CHECKING:
    from .view import View

# the signed-in account of a page request, once resolved
PRINCIPAL = web.RequestKey("web_principal", Principal)

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
