"""The service starts on the real database and answers its health checks and overview page."""

import io

import pytest
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_app
from catalog.storage.settings import load_settings


@pytest.fixture
async def client(db, database_dsn):
    app = create_app(load_settings(database_url=database_dsn))
    async with TestClient(TestServer(app)) as c:
        yield c


async def test_health_and_readiness(client):
    r = await client.get("/healthz")
    assert r.status == 200 and (await r.json())["status"] == "ok"
    r = await client.get("/readyz")
    assert r.status == 200 and (await r.json())["database"] == "ok"


async def test_overview_page_is_chinese_and_lists_statuses(client):
    r = await client.get("/")
    assert r.status == 200
    text = await r.text()
    assert "需求清单" in text and "项目清单" in text and "暂无项目" in text


def test_bad_setting_names_the_variable(monkeypatch):
    from catalog.storage.settings import SettingsError

    monkeypatch.setenv("SANDAN_PORT", "eighty")
    with pytest.raises(SettingsError, match="SANDAN_PORT"):
        load_settings()
    monkeypatch.setenv("SANDAN_PORT", "8080")
    monkeypatch.setenv("SANDAN_DATABASE_URL", "mysql://x")
    with pytest.raises(SettingsError, match="SANDAN_DATABASE_URL"):
        load_settings()


def test_cli_reports_bad_setting_and_exits_2(monkeypatch, capsys):
    from api.cli import main
    from catalog.storage.settings import get_settings

    get_settings.cache_clear()
    monkeypatch.setenv("SANDAN_LOG_LEVEL", "LOUD")
    try:
        assert main(["migrate"]) == 2
    finally:
        get_settings.cache_clear()
    assert "SANDAN_LOG_LEVEL" in capsys.readouterr().err


async def test_unknown_route_gets_the_json_envelope(client):
    r = await client.get("/no/such/page")
    assert r.status == 404
    body = await r.json()
    assert body["error"]["code"] == "not_found" and body["error"]["message"]
    assert r.headers["X-Request-Id"]


async def test_oversized_body_is_refused_even_where_no_handler_reads_it(client):
    r = await client.post("/healthz", data=io.BytesIO(b"x" * (1024 * 1024 + 1)))
    assert r.status == 413
    assert (await r.json())["error"]["code"] == "payload_too_large"


async def test_oversized_chunked_body_is_refused(client):
    async def chunks():
        for _ in range(70):
            yield b"y" * 16384

    r = await client.post("/healthz", data=chunks())
    assert r.status == 413
