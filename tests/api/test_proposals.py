"""Proposals from the batch job (优化派单) are suggestions a unit confirms or declines."""

from catalog.enums import DispatchMode, ProjectStatus
from tests.factories import make_project

API = "/api/v1"


async def _json(r, status):
    assert r.status == status, await r.text()
    return await r.json()


async def test_batch_proposal_accepted_by_the_unit(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.OPTIMISE)
    pid = built.project.id
    offer = await _json(await client.post(f"{API}/projects/{pid}/direct", headers=cast.headers["batch"],
                                          json={"unit_id": cast.unit_x.id}), 201)
    assert offer["kind"] == "proposal" and offer["status"] == "pending"
    # another unit cannot answer a proposal made to unit_x
    other = await client.post(f"{API}/projects/{pid}/accept", headers=cast.headers["unit_y"])
    assert other.status in (403, 404)
    project = await _json(await client.post(f"{API}/projects/{pid}/accept", headers=cast.headers["unit_x"]), 200)
    assert project["status"] == "accepted"
    history = await _json(await client.get(f"{API}/history/project/{pid}", headers=cast.headers["sec_a"]), 200)
    steps = [(h["from_status"], h["to_status"], h["actor"].split(":")[0]) for h in history]
    assert ("published", "dispatched", "batch") in steps
    assert ("dispatched", "accepted", "unit") in steps


async def test_declined_proposal_reopens_the_project_and_keeps_the_reason(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.OPTIMISE)
    pid = built.project.id
    await _json(await client.post(f"{API}/projects/{pid}/direct", headers=cast.headers["batch"],
                                  json={"unit_id": cast.unit_x.id}), 201)
    project = await _json(await client.post(f"{API}/projects/{pid}/decline", headers=cast.headers["unit_x"],
                                            json={"reason": "schedule_conflict"}), 200)
    assert project["status"] == "published"
    reason = await db.fetchval(
        "SELECT reason_code FROM assignments WHERE project_id = $1 AND status = 'declined'", pid)
    assert reason == "schedule_conflict"
    kinds = {r["kind"] for r in await db.fetch("SELECT kind FROM credit_events WHERE unit_id = $1", cast.unit_x.id)}
    assert "declined_with_reason" in kinds


async def test_a_unit_lists_its_pending_proposals_and_nobody_else_may(client, cast, db):
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.OPTIMISE)
    await _json(await client.post(f"{API}/projects/{built.project.id}/direct", headers=cast.headers["batch"],
                                  json={"unit_id": cast.unit_x.id}), 201)
    url = f"{API}/units/{cast.unit_x.id}/assignments?status=pending"
    page = await _json(await client.get(url, headers=cast.headers["unit_x"]), 200)
    assert [(a["project_number"], a["kind"]) for a in page["items"]] == [(built.project.number, "proposal")]
    assert page["items"][0]["project_status"] == "dispatched"
    assert (await client.get(url, headers=cast.headers["unit_y"])).status == 403
    assert (await client.get(url, headers=cast.headers["alliance"])).status == 200


async def test_the_secretary_reassigns_a_proposal_in_one_call(client, cast, db):
    """改派 over the API: the batch's proposal to unit_x goes to unit_y at once; the unit itself
    cannot do it, and the same unit again is a 409 with its reason code."""
    built = await make_project(db, cast.world, ProjectStatus.PUBLISHED, via=DispatchMode.OPTIMISE)
    pid = built.project.id
    await _json(await client.post(f"{API}/projects/{pid}/direct", headers=cast.headers["batch"],
                                  json={"unit_id": cast.unit_x.id}), 201)
    url = f"{API}/projects/{pid}/reassign"
    refused = await client.post(url, headers=cast.headers["unit_x"], json={"unit_id": cast.unit_y.id})
    assert refused.status in (403, 404)
    same = await _json(await client.post(url, headers=cast.headers["sec_a"], json={"unit_id": cast.unit_x.id}), 409)
    assert same["error"]["code"] == "same_unit"
    moved = await _json(await client.post(url, headers=cast.headers["sec_a"],
                                          json={"unit_id": cast.unit_y.id, "note": "就近改派"}), 200)
    assert (moved["unit_id"], moved["kind"], moved["status"]) == (cast.unit_y.id, "directed", "pending")
    rows = await db.fetch("SELECT unit_id, status, note FROM assignments WHERE project_id = $1 ORDER BY id", pid)
    assert [(r["unit_id"], r["status"]) for r in rows] == [(cast.unit_x.id, "withdrawn"), (cast.unit_y.id, "pending")]
    assert rows[0]["note"] == "就近改派"
