"""Every ``/api/v1`` endpoint, by area. Importing this package registers them; :func:`install` puts
them on an app's router.

The OpenAPI document lists the endpoints in the order they register: the areas in this order.
"""

from aiohttp import web

from ..routing import ENDPOINTS, make_handler
from . import auth, batch_runs, desk, directory, needs, projects, public, supervision, team  # noqa: F401


def install(app: web.Application, pool_key: web.AppKey, cache_key: web.AppKey) -> None:
    """Every registered endpoint on ``app``'s router, in the order they registered."""
    for ep in ENDPOINTS:
        handler = make_handler(ep, pool_key, cache_key)
        if ep.method == "GET":  # and HEAD, answered as GET without the body
            app.router.add_get(ep.full_path, handler)
        else:
            app.router.add_route(ep.method, ep.full_path, handler)
