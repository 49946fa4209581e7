"""/metrics is not for everyone: a port of its own, a bearer token, or by default this machine only."""

from __future__ import annotations

import logging
import socket
from unittest import mock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from api.app import create_app
from api.observe import MetricsAccess
from catalog.storage.settings import SettingsError, load_settings

TOKEN = "scrape-me-7f3a9c2e1b"


def _from(address: str, headers: dict[str, str] | None = None) -> web.Request:
    transport = mock.Mock()
    transport.get_extra_info.side_effect = (
        lambda name, default=None: (address, 40000) if name == "peername" else default)
    return make_mocked_request("GET", "/metrics", headers=headers or {}, transport=transport)


def test_by_default_only_clients_on_this_machine_and_not_through_a_proxy():
    access = MetricsAccess.from_settings(load_settings(database_url="postgresql://x@h/d"))
    access.check(_from("127.0.0.1"))
    access.check(_from("::1"))
    for refused in (_from("203.0.113.9"), _from("10.0.0.7"), _from("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}),
                    _from("127.0.0.1", {"Forwarded": "for=203.0.113.9"}), _from("::1", {"X-Real-IP": "10.0.0.7"})):
        with pytest.raises(web.HTTPNotFound):
            access.check(refused)


def test_a_token_is_asked_of_everyone_even_on_this_machine():
    access = MetricsAccess.from_settings(load_settings(database_url="postgresql://x@h/d", metrics_token=TOKEN))
    access.check(_from("203.0.113.9", {"Authorization": f"Bearer {TOKEN}"}))
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456"}, {"Authorization": f"Basic {TOKEN}"}):
        with pytest.raises(web.HTTPUnauthorized):
            access.check(_from("127.0.0.1", headers))


async def test_token_setting_end_to_end(db, database_dsn):
    app = create_app(load_settings(database_url=database_dsn, metrics_token=TOKEN))
    async with TestClient(TestServer(app)) as client:
        r = await client.get("/metrics")
        assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await r.json())["error"]["code"] == "unauthenticated"
        r = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status == 200 and "sandan_http_requests_total" in await r.text()
        assert r.headers["Cache-Control"] == "no-store"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_metrics_port_of_its_own_serves_metrics_alone(db, database_dsn, caplog):
    port = _free_port()
    app = create_app(load_settings(database_url=database_dsn, metrics_port=port))
    with caplog.at_level(logging.INFO, logger="api.app"):
        async with TestClient(TestServer(app)) as client:
            r = await client.get("/metrics")
            assert r.status == 404  # not on the service's port
            await client.get("/api/v1/needs/5")
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/metrics") as r:
                    text = await r.text()
                    assert r.status == 200 and r.headers["Server"] == "sandan"
                    assert 'route="/api/v1/needs/{need_id}",status="401"' in text  # the service's registry
                async with session.get(f"http://127.0.0.1:{port}/api/v1/needs") as r:
                    assert r.status == 404
    assert any(f"127.0.0.1:{port}/metrics only" in r.getMessage() for r in caplog.records)


async def test_by_default_a_proxied_request_is_refused_and_start_up_says_where_metrics_are(db, database_dsn, caplog):
    app = create_app(load_settings(database_url=database_dsn))
    with caplog.at_level(logging.INFO, logger="api.app"):
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/metrics")).status == 200  # the test client is on this machine
            r = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
            assert r.status == 404 and "sandan_http" not in await r.text()
    assert any("clients on this machine only" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("variable", "value"), [
    ("SANDAN_METRICS_PORT", "nine"), ("SANDAN_METRICS_PORT", "70000"), ("SANDAN_METRICS_PORT", "8080"),
    ("SANDAN_METRICS_HOST", "0.0.0.0"), ("SANDAN_METRICS_TOKEN", "short"),
    ("SANDAN_METRICS_TOKEN", "has a space in it!"),
])
def test_a_bad_metrics_setting_stops_start_up_naming_it(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable) as caught:
        load_settings()
    if variable == "SANDAN_METRICS_TOKEN":
        assert value not in str(caught.value)  # a credential is never repeated
