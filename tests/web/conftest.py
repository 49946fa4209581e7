"""Page fixtures: the app on the test database, a browser-like client that keeps cookies."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_app
from catalog.settings import load_settings

from tests.api.conftest import PASSWORD, Cast, cast, make_account  # noqa: F401  (fixtures reused)

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
