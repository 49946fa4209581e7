"""The role matrix: every role, every endpoint, objects that belong to someone else → 403 or 404.

Each account is aimed at things outside its scope: the other community's needs and projects
(secretary), the other grid's needs (grid worker), another street's (street admin), another
unit's project, resources, ledger and status (unit), and anything the batch job has no business
with. Nothing may come back but the error envelope, and no command may change anything.
"""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.enums import AssignmentKind, DispatchMode, ProjectStatus, Role
from catalog.lists import resources, work
from catalog.models import ResourceIn
from catalog.oversight.sweep import mark_time_limits
from tests.api.conftest import make_account
from tests.factories import CATEGORY, SECRETARY, make_need, make_project, make_unit, make_world, snapshot, unit_actor

API = "/api/v1"

# name → (method, path, body); {need}, {project}, {resource}, {unit}, {community}, {grid}, {need_ids}, {run},
# {assignment} (a batch proposal waiting for its unit)
REQUESTS = {
    "get_need": ("GET", "/needs/{need}", None),
    "accept_need": ("POST", "/needs/{need}/accept", None),
    "reject_need": ("POST", "/needs/{need}/reject", {"reason": "duplicate"}),
    "withdraw_need": ("POST", "/needs/{need}/withdraw", {}),
    "need_history": ("GET", "/history/need/{need}", None),
    "submit_need": ("POST", "/needs", {"title": "换灯泡", "category_code": CATEGORY, "community_code": "{community}",
                                       "grid_code": "{grid}", "source_channel": "grid_worker",
                                       "requester_name": "赵六", "requester_phone": "13700000000"}),
    "create_project": ("POST", "/projects", {"need_ids": "{need_ids}", "title": "合并", "category_code": CATEGORY,
                                             "community_code": "{community}", "estimated_hours": "2"}),
    "get_project": ("GET", "/projects/{project}", None),
    "project_history": ("GET", "/history/project/{project}", None),
    "publish": ("POST", "/projects/{project}/publish", None),
    "update_project": ("PATCH", "/projects/{project}", {"title": "改名"}),
    "confirm_proposal": ("POST", "/assignments/{assignment}/confirm", {}),
    "cancel": ("POST", "/projects/{project}/cancel", {"reason": "no_longer_needed"}),
    "claim": ("POST", "/projects/{project}/claim", {}),
    "confirm": ("POST", "/projects/{project}/confirm", None),
    "reject_claim": ("POST", "/projects/{project}/reject-claim", {}),
    "release": ("POST", "/projects/{project}/release", None),
    "direct": ("POST", "/projects/{project}/direct", {"unit_id": "{unit}"}),
    "withdraw_offer": ("POST", "/projects/{project}/withdraw-offer", {}),
    "accept_offer": ("POST", "/projects/{project}/accept", None),
    "decline_offer": ("POST", "/projects/{project}/decline", {"reason": "capacity_full"}),
    "start": ("POST", "/projects/{project}/start", None),
    "progress": ("POST", "/projects/{project}/progress", {"body": "进展"}),
    "give_back": ("POST", "/projects/{project}/give-back", {"reason": "capacity_full"}),
    "complete": ("POST", "/projects/{project}/complete", {"note": "完成", "beneficiaries_served": 1,
                                                          "hours_spent": "1"}),
    "get_resource": ("GET", "/resources/{resource}", None),
    "publish_resource": ("POST", "/resources/{resource}/publish", None),
    "delist_resource": ("POST", "/resources/{resource}/delist", {}),
    "resource_history": ("GET", "/history/resource/{resource}", None),
    "create_resource": ("POST", "/resources", {"unit_id": "{unit}", "title": "上门维修", "category_code": CATEGORY,
                                               "capacity_projects": 2, "area_communities": ["{community}"],
                                               "mode": "home"}),
    "ledger": ("GET", "/units/{unit}/credit/ledger", None),
    "supervision_note": ("POST", "/supervision/{item}/notes", {"note": "催办", "resolve": True}),
    "set_time_limits": ("PUT", "/categories/public/time-limits", {"limits": [{"step": "ack", "urgency": "urgent",
                                                                                "hours": 1}]}),
    "suspend_unit": ("POST", "/units/{unit}/suspend", {}),
    "reinstate_unit": ("POST", "/units/{unit}/reinstate", {}),
    "create_unit": ("POST", "/units", {"name": "新单位", "unit_type": "enterprise", "contact_name": "钱七",
                                       "contact_phone": "13600000000", "home_area": "{community}"}),
    "revoke_account": ("POST", "/accounts/sec-b/revoke", None),
    "sweep": ("POST", "/batch/sweep", None),
    "batch_runs": ("GET", "/batch-runs", None),
    "get_batch_run": ("GET", "/batch-runs/{run}", None),
    "edit_resource": ("PUT", "/resources/{resource}", {"unit_id": "{unit}", "title": "家电维修",
                                                       "category_code": CATEGORY, "capacity_projects": 2,
                                                       "area_communities": ["{community}"], "mode": "home"}),
    "relist_resource": ("POST", "/resources/{resource}/relist", None),
    "edit_unit": ("PUT", "/units/{unit}", {"name": "改名", "unit_type": "enterprise", "contact_name": "钱七",
                                           "contact_phone": "13600000000", "home_area": "{community}",
                                           "active_cap": 1}),
    "admin_units": ("GET", "/admin/units", None),
    "unit_suggestions": ("GET", "/units/{unit}/suggestions", None),
    "explanation": ("GET", "/assignments/{assignment}/explanation", None),
}

# An administrator's relist of a listing waiting for review is the review itself (publish).
ADMIN_WORK = {"get_resource", "publish_resource", "delist_resource", "resource_history", "create_resource",
              "ledger", "suspend_unit", "reinstate_unit", "create_unit", "relist_resource", "edit_unit",
              "admin_units", "unit_suggestions"}

# What each role may legitimately do with the objects aimed at it (asserted elsewhere):
# the alliance administrator reviews resources and manages units anywhere, reads every community
# (masked) and revokes accounts; a street's administrator, aimed at another street's unit and its
# resource, only lists (its own street's units); a unit reads projects that are out in the open.
# Run records list only what is in scope (an empty page for a secretary or street of elsewhere).
ALLOWED = {
    "sec_a": {"batch_runs"},
    "street": {"batch_runs", "admin_units"},
    "alliance": ADMIN_WORK | {"get_need", "need_history", "get_project", "project_history", "revoke_account",
                              "batch_runs", "get_batch_run"},
    "unit_x": {"get_project", "project_history", "claim"},
    "batch": {"sweep"},
}
# The alliance administrator supervises every street and sets every category's time limits.
ALLOWED["alliance"] = ALLOWED["alliance"] | {"supervision_note", "set_time_limits"}
# The second pass aims every project endpoint at a draft of another community: only the
# alliance administrator may read it; no one outside the community may change it.
ALLOWED_ON_DRAFT = {"alliance": {"get_project", "project_history"}}


def _fill(value, ids):
    if isinstance(value, str):
        if value in ("{need_ids}",):
            return ids["need_ids"]
        if value == "{unit}":
            return ids["unit"]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.fixture
async def foreign(cast, db):
    """Objects owned by others, and for each role the ids of those it must not see or touch."""
    w, a, b = cast.world, cast.a, cast.b
    other = await make_world(db, communities=1, grids=1)
    c = other.community
    need_b = await make_need(db, w, accept=False, community_code=b, grid_code=w.grids[b][0],
                             requester_phone="13511110001")
    need_b_acc = await make_need(db, w, community_code=b, grid_code=w.grids[b][0], requester_phone="13511110002")
    need_a2 = await make_need(db, w, accept=False, grid_code=w.grids[a][1], requester_phone="13511110003")
    need_c = await make_need(db, other, accept=False, requester_phone="13511110004")
    need_c_acc = await make_need(db, other, requester_phone="13511110005")
    proj_b = await make_project(db, w, ProjectStatus.IN_PROGRESS, unit=cast.unit_y, community=b)
    draft_b = await make_project(db, w, ProjectStatus.DRAFT, community=b)
    unit_c = await make_unit(db, other)
    proj_c = await make_project(db, other, ProjectStatus.IN_PROGRESS, unit=unit_c)
    draft_c = await make_project(db, other, ProjectStatus.DRAFT)
    proposals = {}
    for world, community, unit in ((w, b, cast.unit_y), (other, c, unit_c)):
        built = await make_project(db, world, ProjectStatus.PUBLISHED, via=DispatchMode.OPTIMISE, community=community)
        proposals[community] = (await work.direct_project(db, built.id, unit.id, SECRETARY,
                                                          kind=AssignmentKind.PROPOSAL)).id
    res_y = await resources.create_resource(db, ResourceIn(
        unit_id=cast.unit_y.id, title="家电维修", category_code=CATEGORY, capacity_projects=3,
        area_communities=[b], mode="home"), unit_actor(cast.unit_y.id))
    res_c = await resources.create_resource(db, ResourceIn(
        unit_id=unit_c.id, title="家电维修", category_code=CATEGORY, capacity_projects=3,
        area_communities=[c], mode="home"), unit_actor(unit_c.id))
    await make_account(db, "sec-b-owner", Role.SECRETARY, community_code=b)
    run_b, run_c = [await db.fetchval(
        "INSERT INTO batch_runs (started_at, scope, seed, params, counts, objective, bound, gap, status, communities)"
        " VALUES (now(), $1, 0, '{}', '{}', 0, 0, 0, 'optimal', $2) RETURNING id", f"community:{x}", [x])
        for x in (b, c)]
    in_b = dict(need=need_b.id, need_ids=[need_b_acc.id], community=b, grid=w.grids[b][0],
                resource=res_y.id, unit=cast.unit_y.id, run=run_b, assignment=proposals[b])
    ids = {
        "sec_a": dict(in_b, projects=(proj_b.id, draft_b.id)),
        "grid_a": dict(in_b, need=need_a2.id, grid=w.grids[a][1], community=a, projects=(proj_b.id, draft_b.id)),
        "street": dict(in_b, need=need_c.id, need_ids=[need_c_acc.id], community=c, grid=other.grids[c][0],
                       projects=(proj_c.id, draft_c.id), run=run_c, assignment=proposals[c],
                       unit=unit_c.id, resource=res_c.id),
        "alliance": dict(in_b, projects=(proj_b.id, draft_b.id)),
        "unit_x": dict(in_b, projects=(proj_b.id, draft_b.id)),
        "batch": dict(in_b, projects=(proj_b.id, draft_b.id)),
    }
    # overdue (督办) items on B's project and on the other street's
    await mark_time_limits(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    item_of = "SELECT id FROM supervision_items WHERE subject = 'project' AND subject_id = $1"
    for fill in ids.values():
        fill["item"] = await db.fetchval(item_of, proj_b.id)
    ids["street"]["item"] = await db.fetchval(item_of, proj_c.id)
    held_by_y = await db.fetchval("SELECT id FROM assignments WHERE project_id = $1", proj_b.id)
    for fill in ids.values():
        fill["assignment"] = held_by_y
    secrets = ["13511110001", "13511110002", "13511110003", "13511110004", "13511110005"]
    return ids, secrets


@pytest.mark.parametrize("role", ["sec_a", "grid_a", "street", "alliance", "unit_x", "batch"])
async def test_no_role_sees_or_touches_what_belongs_to_someone_else(client, cast, db, foreign, role):
    ids, secrets = foreign
    before = await snapshot(db)
    checked = 0
    for which, project in enumerate(ids[role]["projects"]):
        fill = dict(ids[role], project=project)
        for name, (method, path, body) in REQUESTS.items():
            if which == 0 and name in ALLOWED.get(role, set()):
                continue
            if which == 1 and ("{project}" not in path):
                continue
            if which == 1 and name in ALLOWED_ON_DRAFT.get(role, set()):
                continue
            r = await client.request(method, API + _fill(path, fill), json=_fill(body, fill),
                                     headers=cast.headers[role])
            text = await r.text()
            assert r.status in (403, 404), (role, name, r.status, text)
            assert set(await r.json()) == {"error"}, (role, name, text)
            assert not any(s in text for s in secrets), (role, name, text)
            checked += 1
    assert checked >= 25
    assert await snapshot(db) == before, "a refused request changed something"


async def test_readers_outside_the_owner_see_personal_data_masked(client, cast, db, foreign):
    ids, secrets = foreign
    # the alliance administrator may read every community, but not the residents' phones
    r = await client.get(f"{API}/needs/{ids['alliance']['need']}", headers=cast.headers["alliance"])
    need = await r.json()
    assert r.status == 200 and need["personal_data"] == "masked"
    assert need["requester_phone"] == "135****0001" and need["requester_name"].endswith("*")
    # a unit reads an open project held by another unit: masked too
    r = await client.get(f"{API}/projects/{ids['unit_x']['projects'][0]}", headers=cast.headers["unit_x"])
    detail, text = await r.json(), await r.text()
    assert r.status == 200 and detail["personal_data"] == "masked"
    assert not any(s in text for s in secrets)


async def test_lists_only_hold_what_is_in_scope(client, cast, db, foreign):
    ids, _ = foreign
    await make_need(db, cast.world, accept=False)  # in A's first grid, grid_a's own
    for role, community in (("sec_a", cast.a), ("grid_a", cast.a)):
        page = await (await client.get(f"{API}/needs", headers=cast.headers[role])).json()
        assert page["items"] and {n["community_code"] for n in page["items"]} == {community}
    grid_page = await (await client.get(f"{API}/needs", headers=cast.headers["grid_a"])).json()
    assert {n["grid_code"] for n in grid_page["items"]} == {cast.world.grids[cast.a][0]}
    street_page = await (await client.get(f"{API}/projects", headers=cast.headers["street"])).json()
    assert {p["community_code"] for p in street_page["items"]} <= {cast.a, cast.b}
    unit_page = await (await client.get(f"{API}/projects", headers=cast.headers["unit_x"])).json()
    assert all(p["status"] != "draft" for p in unit_page["items"])
    for role in ("unit_x", "batch"):
        r = await client.get(f"{API}/needs", headers=cast.headers[role])
        assert r.status == 403


async def test_server_owned_fields_cannot_be_set_by_a_client(client, cast):
    w = cast.world
    r = await client.post(f"{API}/needs", headers=cast.headers["grid_a"], json={
        "title": "换灯泡", "category_code": CATEGORY, "community_code": cast.a, "grid_code": w.grids[cast.a][0],
        "source_channel": "grid_worker", "requester_name": "赵六", "requester_phone": "13700000000",
        "status": "accepted", "created_by": "secretary:sec-a"})
    body = await r.json()
    assert r.status == 422 and body["error"]["code"] == "invalid_input"
    assert {e["loc"][-1] for e in body["error"]["details"]["errors"]} == {"status", "created_by"}
