"""Login, tokens, logout and revocation, and the login rate limit."""

from __future__ import annotations

from catalog.enums import Role
from catalog.models import AccountIn
from catalog.people import accounts
from tests.api.conftest import PASSWORD, login, make_account

API = "/api/v1"


async def test_login_returns_an_opaque_token_stored_only_as_a_hash(client, db, cast):
    r = await client.post(f"{API}/auth/login", json={"username": "sec-a", "password": PASSWORD})
    body = await r.json()
    assert r.status == 200 and body["token"].startswith("sdn_")
    assert body["principal"]["role"] == "secretary" and body["principal"]["communities"] == [cast.a]
    stored = await db.fetch("SELECT token_hash FROM api_tokens")
    assert all(body["token"].encode() not in bytes(t["token_hash"]) for t in stored)
    assert accounts.token_hash(body["token"]) in {bytes(t["token_hash"]) for t in stored}
    me = await client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert (await me.json())["username"] == "sec-a"


async def test_passwords_are_argon2id_hashes(db, cast):
    row = await db.fetchrow("SELECT password_hash FROM accounts WHERE username = 'sec-a'")
    assert row["password_hash"].startswith("$argon2id$") and PASSWORD not in row["password_hash"]


async def test_wrong_password_and_unknown_user_get_the_same_401(client, cast):
    for username in ("sec-a", "nobody"):
        r = await client.post(f"{API}/auth/login", json={"username": username, "password": "wrong password"})
        assert r.status == 401
        assert (await r.json())["error"]["code"] == "bad_credentials"


async def test_requests_without_a_valid_token_get_401(client, cast):
    for headers in ({}, {"Authorization": "Bearer sdn_forged"}, {"Authorization": "Basic abc"}):
        r = await client.get(f"{API}/needs", headers=headers)
        assert r.status == 401, headers
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await r.json())["error"]["code"] in ("unauthenticated", "token_invalid")


async def test_logout_takes_effect_on_the_next_request(client, cast):
    headers = cast.headers["sec_a"]
    assert (await client.post(f"{API}/auth/logout", headers=headers)).status == 204
    assert (await client.get(f"{API}/needs", headers=headers)).status == 401


async def test_alliance_admin_revokes_an_account_at_once_and_no_one_else_may(client, cast):
    victim = cast.headers["unit_x"]
    r = await client.post(f"{API}/accounts/unit-x/revoke", headers=cast.headers["street"])
    assert r.status == 403
    assert (await client.get(f"{API}/auth/me", headers=victim)).status == 200
    r = await client.post(f"{API}/accounts/unit-x/revoke", headers=cast.headers["alliance"])
    assert r.status == 200 and (await r.json())["active"] is False
    assert (await client.get(f"{API}/auth/me", headers=victim)).status == 401
    r = await client.post(f"{API}/auth/login", json={"username": "unit-x", "password": PASSWORD})
    assert r.status == 401


async def test_repeated_failures_make_this_account_at_this_address_wait(client, db, cast):
    for _ in range(accounts.PER_PAIR.free):
        r = await client.post(f"{API}/auth/login", json={"username": "grid-a", "password": "guess"})
        assert r.status == 401
    r = await client.post(f"{API}/auth/login", json={"username": "grid-a", "password": PASSWORD})
    assert r.status == 429 and int(r.headers["Retry-After"]) > 0
    assert (await r.json())["error"]["code"] == "rate_limited"
    # other accounts from the same address are not locked out by these few failures
    await login(client, "grid-a2")


async def test_account_scope_must_fit_the_role(db, cast):
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        AccountIn(username="sec-x", password=PASSWORD, role=Role.SECRETARY)  # no community
    with pytest.raises(ValidationError):
        AccountIn(username="unit-z", password=PASSWORD, role=Role.UNIT, unit_id=1, community_code=cast.a)
    from catalog.errors import InvalidInput

    with pytest.raises(InvalidInput):  # a grid of another community
        await make_account(db, "grid-bad", Role.GRID_WORKER, community_code=cast.b,
                           grid_code=cast.world.grids[cast.a][0])
