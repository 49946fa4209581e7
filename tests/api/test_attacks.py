"""Attacks by a curious unit, a neighbouring secretary or an outsider, each one a regression test.

Every test here failed before its fix: it shows what the attacker got, and asserts what they must
get instead.
"""

from __future__ import annotations

from catalog.enums import DispatchMode, ProjectStatus
from tests.factories import make_project

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
