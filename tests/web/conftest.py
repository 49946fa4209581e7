"""Page fixtures: the app on the test database, a browser-like client that keeps cookies."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_app
from catalog.enums import ProjectStatus
from catalog.storage.settings import load_settings
from tests.api.conftest import PASSWORD, Cast, cast, make_account  # noqa: F401  (fixtures reused)
from tests.factories import CATEGORY, make_project

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


@pytest.fixture
async def client(db, database_dsn):
    app = create_app(load_settings(database_url=database_dsn))
    async with TestClient(TestServer(app)) as c:
        yield c


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "the page has no form with a CSRF field"
    return m.group(1)


async def post_form(client: TestClient, page: str, action: str | None = None, **fields):
    """Open ``page``, take its CSRF value and post ``fields`` to ``action`` (default: the page)."""
    r = await client.get(page)
    assert r.status == 200, await r.text()
    data = {"_csrf": csrf_of(await r.text()), **fields}
    return await client.post(action or page, data=data, allow_redirects=False)


async def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    r = await post_form(client, "/login", username=username, password=password)
    assert r.status == 303, await r.text()


async def every_get_route(client: TestClient,
                          cast: Cast,  # noqa: F811  (the value of the `cast` fixture imported above for reuse)
                          db) -> list[tuple[str, str]]:
    """Every GET route of the app as (its template, a concrete path to it), sorted; a parameter that
    names a project, unit or category gets a real one of ``cast``'s world, a token a well-formed one."""
    built = await make_project(db, cast.world, ProjectStatus.IN_PROGRESS, unit=cast.unit_x, community=cast.a)
    values = {"project_id": str(built.id), "unit_id": str(cast.unit_x.id), "number": built.project.number,
              "code": CATEGORY, "token": "x" * 43, "username": "sec-a", "entity": "project",
              "entity_id": str(built.id)}

    def concrete(resource: web.AbstractResource) -> str:
        if isinstance(resource, web.StaticResource):
            return resource.canonical + "/site.css"
        return re.sub(r"\{([^}:]+)[^}]*\}", lambda m: values.get(m.group(1), "1"), resource.canonical)

    return sorted({(r.resource.canonical, concrete(r.resource)) for r in client.app.router.routes()
                   if r.method == "GET" and r.resource is not None})
