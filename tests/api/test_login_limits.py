"""Failed logins slow down guessing without locking anyone out from elsewhere.

User names are predictable (``sec-<community>``, ``unit-N``), so a limit on the account alone
would let anyone lock every secretary out. Failures are counted per account and address and
per address; past a few free ones each further failure makes that address wait, longer each
time. The test client always comes from 127.0.0.1; an attacker elsewhere goes through the
catalog with an address of its own.
"""

from __future__ import annotations

import re

import pytest

from catalog.enums import Role
from catalog.models import LoginIn
from catalog.people import accounts
from catalog.people.accounts import PER_ADDRESS, PER_PAIR, RateLimited, Unauthenticated, login_wait
from tests.api.conftest import PASSWORD, make_account

API = "/api/v1"
ATTACKER = "203.0.113.66"


async def _try(db, username: str, password: str, address: str) -> str | int:
    """``"ok"``, ``"wrong"`` (401), or the seconds a refused attempt is told to wait."""
    try:
        await accounts.login(db, LoginIn(username=username, password=password), address)
    except RateLimited as exc:
        return exc.retry_after
    except Unauthenticated:
        return "wrong"
    return "ok"


async def _pass_time(db, seconds: float) -> None:
    """As if ``seconds`` went by: every recorded attempt moves that much into the past."""
    await db.execute("UPDATE rate_events SET at = at - make_interval(secs => $1)", float(seconds))


async def test_an_attacker_elsewhere_does_not_lock_the_owner_out(client, db, cast):
    for _ in range(30):
        await _try(db, "sec-a", "guess", ATTACKER)
    assert isinstance(await _try(db, "sec-a", "guess", ATTACKER), int)  # the attacker waits
    # the secretary, at her own address, signs in at once: through the API and the page
    r = await client.post(f"{API}/auth/login", json={"username": "sec-a", "password": PASSWORD})
    assert r.status == 200, await r.text()
    assert await _try(db, "sec-a", PASSWORD, "198.51.100.7") == "ok"
    r = await client.post("/login", data={"username": "sec-a", "password": PASSWORD, **await _csrf(client)},
                          allow_redirects=False)
    assert r.status == 303


async def test_waits_grow_with_each_failure_and_end_when_waited(db, cast):
    free = PER_PAIR.free
    for _ in range(free - 1):
        assert await _try(db, "grid-a", "guess", ATTACKER) == "wrong"
    assert await _try(db, "grid-a", PASSWORD, ATTACKER) == "ok"  # a success forgets the typos
    for _ in range(free):
        assert await _try(db, "grid-a", "guess", ATTACKER) == "wrong"
    waits = []
    for _ in range(8):
        told = await _try(db, "grid-a", PASSWORD, ATTACKER)  # even the right password waits
        assert isinstance(told, int) and told > 0
        waits.append(told)
        await _pass_time(db, told + 1)
        assert await _try(db, "grid-a", "guess", ATTACKER) == "wrong"
    assert waits == sorted(waits) and waits[0] < waits[1] < waits[2], waits
    assert waits[0] == login_wait(free, free) and max(waits) == accounts.LOGIN_MAX_WAIT_SECONDS
    await _pass_time(db, accounts.LOGIN_MAX_WAIT_SECONDS + 1)
    assert await _try(db, "grid-a", PASSWORD, ATTACKER) == "ok"


async def test_the_api_says_how_long_to_wait(client, db, cast):
    for _ in range(PER_PAIR.free):
        r = await client.post(f"{API}/auth/login", json={"username": "unit-x", "password": "guess"})
        body = await r.json()
        assert r.status == 401 and body["error"]["code"] == "bad_credentials"
    # the failure that starts a wait says so already
    wait = login_wait(PER_PAIR.free, PER_PAIR.free)
    assert body["error"]["details"]["retry_after"] == wait and "秒后再试" in body["error"]["message"]
    r = await client.post(f"{API}/auth/login", json={"username": "unit-x", "password": PASSWORD})
    body = await r.json()
    assert r.status == 429 and body["error"]["code"] == "rate_limited"
    told = int(r.headers["Retry-After"])
    assert 0 < told <= wait and body["error"]["details"]["retry_after"] == told
    assert re.search(r"请\s*\d+\s*秒后再试", body["error"]["message"]), body


async def _csrf(client) -> dict[str, str]:
    text = await (await client.get("/login")).text()
    found = re.search(r'name="_csrf" value="([^"]+)"', text)
    assert found is not None, text
    return {"_csrf": found.group(1)}


async def test_the_login_page_says_how_long_to_wait(client, db, cast):
    for _ in range(PER_PAIR.free):
        await _try(db, "sec-b", "guess", "127.0.0.1")
    r = await client.post("/login", data={"username": "sec-b", "password": PASSWORD, **await _csrf(client)},
                          allow_redirects=False)
    text = await r.text()
    assert r.status == 429 and 0 < int(r.headers["Retry-After"]) <= login_wait(PER_PAIR.free, PER_PAIR.free)
    assert re.search(r"请\s*\d+\s*秒后再试", text), text


async def test_one_address_guessing_across_many_accounts_is_slowed_down(client, db, cast):
    names = [f"clerk-{i:02d}" for i in range(PER_ADDRESS.free + 3)]
    for name in names:
        await make_account(db, name, Role.SECRETARY, community_code=cast.a)
    results = [await _try(db, name, "guess", ATTACKER) for name in names]
    # each account was tried once only, yet the address ran out of free tries
    assert results[: PER_ADDRESS.free] == ["wrong"] * PER_ADDRESS.free
    assert all(isinstance(x, int) and x > 0 for x in results[PER_ADDRESS.free + 1:]), results
    # any account from that address waits; from elsewhere, everyone signs in
    assert isinstance(await _try(db, "sec-a", PASSWORD, ATTACKER), int)
    assert await _try(db, names[-1], PASSWORD, "198.51.100.7") == "ok"
    r = await client.post(f"{API}/auth/login", json={"username": "sec-a", "password": PASSWORD})
    assert r.status == 200


@pytest.mark.parametrize(("failures", "expected"), [(0, 0), (4, 0), (5, 30), (6, 60), (7, 120), (10, 900), (60, 900)])
def test_the_wait_schedule(failures, expected):
    assert login_wait(failures, 5) == expected
