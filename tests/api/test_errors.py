"""Bad input and faults over HTTP: one envelope, the right status, replays instead of duplicates."""

from __future__ import annotations

import asyncio
import io
import logging

from aiohttp.test_utils import TestClient, TestServer

from api.app import create_app
from catalog.scoped import PUBLIC_FORM_LIMIT
from catalog.storage.settings import load_settings
from tests.factories import CATEGORY

API = "/api/v1"


def _need(cast, **extra):
    a = cast.a
    return {"title": "帮忙修门锁", "category_code": CATEGORY, "community_code": a,
            "grid_code": cast.world.grids[a][0], "source_channel": "grid_worker",
            "requester_name": "周七", "requester_phone": "13812341234", **extra}


async def _error(r, status):
    body = await r.json()
    assert r.status == status, body
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


async def test_malformed_json_is_400_and_invalid_fields_are_422(client, cast):
    h = cast.headers["grid_a"]
    await _error(await client.post(f"{API}/needs", data=b"{not json", headers=h), 400)
    err = await _error(await client.post(f"{API}/needs", json=_need(cast, requester_phone="call me"), headers=h), 422)
    assert err["details"]["errors"][0]["loc"] == ["requester_phone"]
    err = await _error(await client.get(f"{API}/needs", params={"colour": "red"}, headers=h), 422)
    assert err["code"] == "invalid_input"


async def test_ids_that_are_not_ids_are_404_not_500(client, cast):
    h = cast.headers["sec_a"]
    for path in ("/needs/abc", "/needs/0", "/needs/99999999999999999999", "/projects/999"):
        await _error(await client.get(API + path, headers=h), 404)


async def test_illegal_transition_is_409_with_its_reason(client, cast):
    h = cast.headers["sec_a"]
    need = await (await client.post(f"{API}/needs", json=_need(cast), headers=h)).json()
    assert (await client.post(f"{API}/needs/{need['id']}/accept", headers=h)).status == 200
    err = await _error(await client.post(f"{API}/needs/{need['id']}/accept", headers=h), 409)
    assert err["code"] == "illegal_transition" and err["details"]["status"] == "accepted"


async def test_oversized_body_on_an_api_route_is_413_before_authentication(client):
    r = await client.post(f"{API}/needs", data=io.BytesIO(b"x" * (1024 * 1024 + 1)))
    assert (await _error(r, 413))["code"] == "payload_too_large"


async def test_idempotent_replay_returns_the_first_answer_and_a_changed_body_is_422(client, cast, db):
    h = {**cast.headers["grid_a"], "Idempotency-Key": "need-2024-0001"}
    first = await client.post(f"{API}/needs", json=_need(cast), headers=h)
    again = await client.post(f"{API}/needs", json=_need(cast), headers=h)
    assert first.status == again.status == 201
    assert await first.json() == await again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert await db.fetchval("SELECT count(*) FROM needs") == 1
    err = await _error(await client.post(f"{API}/needs", json=_need(cast, title="另一件事"), headers=h), 422)
    assert err["code"] == "idempotency_key_reused"
    # the key belongs to its account: another account's same key is a new request
    other = {**cast.headers["sec_a"], "Idempotency-Key": "need-2024-0001"}
    assert (await client.post(f"{API}/needs", json=_need(cast), headers=other)).status == 201
    assert await db.fetchval("SELECT count(*) FROM needs") == 2


async def test_same_key_sent_twice_at_once_creates_one_need(client, cast, db):
    """A client retrying before the first answer came back: one record, never two."""
    h = {**cast.headers["grid_a"], "Idempotency-Key": "need-2024-0002"}
    answers = await asyncio.gather(*(client.post(f"{API}/needs", json=_need(cast), headers=h) for _ in range(8)))
    statuses = sorted(r.status for r in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses
    for r in answers:
        if r.status == 409:
            assert (await r.json())["error"]["code"] == "idempotency_in_progress"
    assert await db.fetchval("SELECT count(*) FROM needs") == 1


async def test_public_form_is_rate_limited_per_address(client, cast):
    form = {k: v for k, v in _need(cast).items() if k != "source_channel"}
    for _ in range(PUBLIC_FORM_LIMIT):
        assert (await client.post(f"{API}/public/needs", json=form)).status == 201
    r = await client.post(f"{API}/public/needs", json=form)
    assert (await _error(r, 429))["code"] == "rate_limited" and r.headers["Retry-After"]


async def test_unknown_error_is_a_bare_500_logged_with_the_request_id(db, database_dsn, caplog):
    app = create_app(load_settings(database_url=database_dsn))

    async def boom(request):
        raise RuntimeError("secret internals")

    app.router.add_get("/boom", boom)
    async with TestClient(TestServer(app)) as c:
        with caplog.at_level(logging.ERROR, logger="api.errors"):
            r = await c.get("/boom", headers={"X-Request-Id": "req-42"})
        err = await _error(r, 500)
    assert err["code"] == "internal_error" and "secret" not in err["message"]
    assert err["details"] == {"request_id": "req-42"}
    assert any("req-42" in rec.getMessage() for rec in caplog.records)
