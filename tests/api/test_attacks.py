"""Attacks by a curious unit, a neighbouring secretary or an outsider, each one a regression test.

Every test here failed before its fix: it shows what the attacker got, and asserts what they must
get instead.
"""

from __future__ import annotations

import asyncio

from catalog.enums import DispatchMode, ProjectStatus
from tests.api.conftest import PASSWORD, login
from tests.factories import CATEGORY, make_project

API = "/api/v1"


async def _residents(client, cast, project_id: int, who: str) -> tuple[str, list[tuple[str, str]]]:
    r = await client.get(f"{API}/projects/{project_id}", headers=cast.headers[who])
    assert r.status == 200, await r.text()
    detail = await r.json()
    return detail["personal_data"], [(n["requester_name"], n["requester_phone"]) for n in detail["needs"]]


async def test_a_claim_not_yet_confirmed_does_not_reveal_residents_phones(client, cast, db):
    """Any unit may claim an open project; claiming and releasing must not harvest phone numbers."""
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED)
    r = await client.post(f"{API}/projects/{built.id}/claim", json={}, headers=cast.headers["unit_x"])
    assert r.status == 201
    level, people = await _residents(client, cast, built.id, "unit_x")
    assert level == "masked" and people == [("张*", "139****5678")]
    # once the secretary confirms the claim, the unit holds the project and must call the resident
    r = await client.post(f"{API}/projects/{built.id}/confirm", headers=cast.headers["sec_a"])
    assert r.status == 200
    level, people = await _residents(client, cast, built.id, "unit_x")
    assert level == "full" and people == [("张三", "13912345678")]


async def test_an_offer_not_yet_accepted_does_not_reveal_residents_phones(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.DISPATCHED, unit=cast.unit_y, via=DispatchMode.DIRECTED)
    level, people = await _residents(client, cast, built.id, "unit_y")
    assert level == "masked" and people == [("张*", "139****5678")]
    r = await client.post(f"{API}/projects/{built.id}/accept", headers=cast.headers["unit_y"])
    assert r.status == 200
    level, people = await _residents(client, cast, built.id, "unit_y")
    assert level == "full" and people == [("张三", "13912345678")]


async def test_a_burst_of_parallel_guesses_gets_no_more_tries_than_the_limit(client, cast):
    """Twenty guesses sent at once: only the first five may be tried, the rest are refused."""
    from catalog.accounts import LOGIN_FAILURES_PER_ACCOUNT

    rs = await asyncio.gather(*[
        client.post(f"{API}/auth/login", json={"username": "sec-b", "password": f"guess-{i:04d}"})
        for i in range(20)
    ])
    statuses = sorted(r.status for r in rs)
    assert statuses.count(401) == LOGIN_FAILURES_PER_ACCOUNT and statuses.count(429) == 20 - LOGIN_FAILURES_PER_ACCOUNT
    # and the right password is refused too until the window has passed
    r = await client.post(f"{API}/auth/login", json={"username": "sec-b", "password": PASSWORD})
    assert r.status == 429


async def test_a_burst_of_public_submissions_stops_at_the_limit(client, cast, db):
    from catalog.scoped import PUBLIC_FORM_LIMIT

    form = {"title": "楼道灯坏了", "category_code": CATEGORY, "community_code": cast.a,
            "requester_name": "刘一", "requester_phone": "13500000009"}
    rs = await asyncio.gather(*[client.post(f"{API}/public/needs", json=form) for _ in range(15)])
    statuses = sorted(r.status for r in rs)
    assert statuses.count(201) == PUBLIC_FORM_LIMIT and statuses.count(429) == 15 - PUBLIC_FORM_LIMIT
    stored = await db.fetchval("SELECT count(*) FROM needs WHERE requester_phone = '13500000009'")
    assert stored == PUBLIC_FORM_LIMIT


async def test_successful_logins_do_not_use_up_the_address_limit(client, cast):
    from catalog.accounts import LOGIN_FAILURES_PER_ADDRESS

    for _ in range(LOGIN_FAILURES_PER_ADDRESS + 1):
        await login(client, "grid-a2")
