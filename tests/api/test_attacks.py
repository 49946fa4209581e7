"""Attacks by a curious unit, a neighbouring secretary or an outsider, each one a regression test.

Every test here failed before its fix: it shows what the attacker got, and asserts what they must
get instead.
"""

from __future__ import annotations

import asyncio
import json
import logging

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
    from catalog.people.accounts import PER_PAIR

    rs = await asyncio.gather(*[
        client.post(f"{API}/auth/login", json={"username": "sec-b", "password": f"guess-{i:04d}"})
        for i in range(20)
    ])
    statuses = sorted(r.status for r in rs)
    assert statuses.count(401) == PER_PAIR.free and statuses.count(429) == 20 - PER_PAIR.free
    # and the right password is refused too (from this address) until the wait is over
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
    from catalog.people.accounts import PER_ADDRESS

    for _ in range(PER_ADDRESS.free + 1):
        await login(client, "grid-a2")


async def _raw(client, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """A request written byte by byte, for headers no well-behaved client would send."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(head + b"\r\nHost: sandan\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                 b"Connection: close\r\n\r\n" % len(body) + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def _form(cast, phone: str) -> dict:
    return {"title": "楼道灯坏了", "category_code": CATEGORY, "community_code": cast.a,
            "requester_name": "刘一", "requester_phone": phone}


async def test_an_unusable_idempotency_key_is_refused_before_anything_is_recorded(client, cast, db):
    """A key the server cannot store used to create the need and then answer 500, so the
    client's retry created a second one."""
    for key in ("k" * 201, ""):
        r = await client.post(f"{API}/public/needs", json=_form(cast, "13500000007"),
                              headers={"Idempotency-Key": key})
        body = await r.json()
        assert r.status == 422 and body["error"]["code"] == "invalid_idempotency_key", body
    status, body = await _raw(client, b"POST /api/v1/public/needs HTTP/1.1\r\nIdempotency-Key: \xe9\xa3\x9e\xff",
                              json.dumps(_form(cast, "13500000007")).encode())
    assert status == 422 and json.loads(body)["error"]["code"] == "invalid_idempotency_key"
    assert await db.fetchval("SELECT count(*) FROM needs WHERE requester_phone = '13500000007'") == 0
    # the longest key the contract allows works
    r = await client.post(f"{API}/public/needs", json=_form(cast, "13500000007"),
                          headers={"Idempotency-Key": "k" * 200})
    assert r.status == 201


async def test_hostile_ids_cursors_and_bodies_get_the_envelope_never_a_500(client, cast):
    sec = cast.headers["sec_a"]
    answers = {
        # "²" is a digit to str.isdigit() but not to int(); "١" is Arabic-Indic one, not id 1
        "superscript id": await client.get(f"{API}/needs/%C2%B2", headers=sec),
        "arabic-indic id": await client.get(f"{API}/needs/%D9%A1", headers=sec),
        "NUL in a public number": await client.get(f"{API}/public/projects/XM%000001"),
        "NUL in a category code": await client.post(f"{API}/categories/a%00b/retire", headers=cast.headers["alliance"]),
        "cursor past bigint (needs)": await client.get(f"{API}/needs?cursor=9999999999999999999", headers=sec),
        "cursor past bigint (board)": await client.get(f"{API}/public/projects?cursor=9223372036854775808"),
        "cursor past bigint (units)": await client.get(f"{API}/units?cursor=9999999999999999999", headers=sec),
        "deeply nested JSON": await client.post(f"{API}/public/needs", data="[" * 200_000,
                                                headers={"Content-Type": "application/json"}),
    }
    expected = {"superscript id": 404, "arabic-indic id": 404, "NUL in a public number": 404,
                "NUL in a category code": 404, "cursor past bigint (needs)": 422,
                "cursor past bigint (board)": 422, "cursor past bigint (units)": 422, "deeply nested JSON": 400}
    got = {name: (r.status, (await r.json())["error"]["code"]) for name, r in answers.items()}
    assert {name: status for name, (status, _) in got.items()} == expected, got
    # the largest cursor there can be is still a cursor
    r = await client.get(f"{API}/needs?cursor=9223372036854775807", headers=sec)
    assert r.status == 200


async def test_a_bearer_token_with_non_ascii_bytes_is_unauthenticated_not_a_crash(client, cast):
    status, body = await _raw(client, b"GET /api/v1/auth/me HTTP/1.1\r\nAuthorization: Bearer sdn_\xe5\xbc\xa0\xff")
    assert status == 401 and json.loads(body)["error"]["code"] == "token_invalid"


async def test_the_residents_closing_link_is_not_written_to_the_access_log(client, cast, db, caplog):
    """Whoever reads the logs must not be able to close and rate a project in the resident's name."""
    built = await make_project(db, cast.world, ProjectStatus.AWAITING_CLOSE)
    with caplog.at_level(logging.INFO, logger="sandan.access"):
        r = await client.post(f"{API}/closing/{built.token}", json={"outcome": "solved", "score": 4})
        assert r.status == 200
        r = await client.post(f"{API}/closing/{built.token}", json={"outcome": "solved", "score": 1})
        assert r.status == 409
    lines = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "sandan.access"]
    assert len(lines) == 2 and all(line["route"] == "/api/v1/closing/{token}" for line in lines)
    assert not any(built.token in rec.getMessage() for rec in caplog.records)
