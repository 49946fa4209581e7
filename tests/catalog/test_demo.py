"""The demo county: its shape, its spread over every lifecycle stage, and its determinism."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from catalog import scoped
from catalog.demo import build as demo
from catalog.demo.build import ADMIN
from catalog.enums import ProjectStatus, Role, UnitType
from catalog.errors import Conflict
from catalog.lists import directory
from catalog.models import AreaIn, Principal, UnitIn
from catalog.oversight import credit
from tests.conftest import empty_database

FINGERPRINT = (
    "SELECT string_agg(code || ':' || level || ':' || name, '|' ORDER BY code) FROM areas",
    "SELECT string_agg(name || ':' || unit_type || ':' || active_cap || ':' || contact_name, '|' ORDER BY id)"
    " FROM units",
    "SELECT string_agg(title || ':' || unit_id || ':' || status || ':' || category_code, '|' ORDER BY id)"
    " FROM resources",
    "SELECT string_agg(number || ':' || title || ':' || description || ':' || status || ':' || urgency"
    " || ':' || coalesce(project_id::text, '-'), '|' ORDER BY id) FROM needs",
    "SELECT string_agg(number || ':' || title || ':' || status || ':' || dispatch_mode, '|' ORDER BY id) FROM projects",
    "SELECT string_agg(project_id || ':' || unit_id || ':' || kind || ':' || status, '|' ORDER BY id) FROM assignments",
    "SELECT string_agg(project_id || ':' || score || ':' || outcome || ':' || comment, '|' ORDER BY project_id)"
    " FROM ratings",
    "SELECT string_agg(unit_id || ':' || kind || ':' || coalesce(value::text, '-'), '|' ORDER BY id)"
    " FROM credit_events",
    "SELECT string_agg(step || ':' || subject_id || ':' || coalesce(unit_id::text, '-'), '|' ORDER BY id)"
    " FROM supervision_items",
    "SELECT string_agg(assignment_id || ':' || round(score::numeric, 4), '|' ORDER BY assignment_id)"
    " FROM proposal_explanations",
)


async def _fingerprint(db) -> str:
    h = hashlib.sha256()
    async with db.acquire() as conn:
        for sql in FINGERPRINT:
            h.update((await conn.fetchval(sql) or "").encode())
    return h.hexdigest()


async def _truncate(db) -> None:
    async with db.acquire() as conn:
        await empty_database(conn)


@pytest.fixture(scope="module")
async def loaded(pool):
    """One load shared by the read-only tests below; the tests that load again use ``db``."""
    await _truncate(pool)
    summary = await demo.load_demo(pool, seed=7)
    return pool, summary


async def test_the_county_has_the_shape_of_the_reports(loaded):
    db, s = loaded
    assert s.areas == {"district": 1, "street": 2, "community": 6, "grid": s.areas["grid"]}
    assert 18 <= s.areas["grid"] <= 22
    assert s.units == {UnitType.DEPARTMENT: 19, UnitType.TALENT_STUDIO: 14, UnitType.ASSOCIATION: 25}
    assert sum(s.resources.values()) == 45
    assert s.resources["published"] >= 40 and s.resources["pending"] >= 1 and s.resources["delisted"] >= 1
    assert 280 <= sum(s.needs.values()) <= 320
    assert set(s.needs) == {"pending", "accepted", "rejected", "merged", "withdrawn"}
    assert 78 <= sum(s.projects.values()) <= 90
    households = await db.fetch("SELECT households FROM areas WHERE level = 'community'")
    assert all(2000 <= r["households"] <= 7000 for r in households)
    caps = await db.fetch("SELECT active_cap FROM units")
    assert all(3 <= r["active_cap"] <= 8 for r in caps)


async def test_grids_lie_near_their_community(loaded):
    db, _ = loaded
    rows = await db.fetch(
        "SELECT g.lat - c.lat AS dlat, g.lon - c.lon AS dlon FROM areas g JOIN areas c ON c.code = g.parent_code"
        " WHERE g.level = 'grid'"
    )
    for r in rows:  # within about a kilometre
        assert abs(r["dlat"]) * 111 <= 1.0 and abs(r["dlon"]) * 89.8 <= 1.0


async def test_every_project_status_is_present(loaded):
    _, s = loaded
    assert set(s.projects) == {m.value for m in ProjectStatus}
    assert {"declined", "returned", "expired", "released"} <= set(s.assignments)
    assert len(s.closing_links) == s.projects["awaiting_close"]


async def test_every_top_level_category_has_published_resources(loaded):
    db, _ = loaded
    rows = await db.fetch(
        "SELECT c.parent_code AS top, count(*) AS n FROM resources r JOIN categories c ON c.code = r.category_code"
        " WHERE r.status = 'published' GROUP BY c.parent_code"
    )
    assert {r["top"] for r in rows} == {"public", "charity", "employment", "culture", "talent"}
    # and every seeded subcategory is offered by someone
    missing = await db.fetch(
        "SELECT code FROM categories WHERE level = 2"
        " AND code NOT IN (SELECT category_code FROM resources WHERE status = 'published')"
    )
    assert missing == []


async def test_rated_projects_have_ratings_in_their_units_ledger(loaded):
    db, s = loaded
    rows = await db.fetch(
        "SELECT p.id, r.unit_id, r.score,"
        " EXISTS (SELECT 1 FROM credit_events e WHERE e.project_id = p.id AND e.unit_id = r.unit_id"
        "         AND e.kind = 'rating' AND e.value = r.score) AS in_ledger"
        " FROM projects p LEFT JOIN ratings r ON r.project_id = p.id WHERE p.status = 'rated'"
    )
    assert len(rows) == s.projects["rated"] > 0
    assert all(r["score"] is not None and r["in_ledger"] for r in rows)
    closed = await db.fetch("SELECT status_reason FROM projects WHERE status = 'closed'")
    assert closed and all(r["status_reason"] == "not_rated" for r in closed)


async def test_units_end_up_with_different_credit(loaded):
    db, _ = loaded
    scores = await credit.scores(db)
    assert len({round(c.score, 1) for c in scores.values()}) >= 5
    kinds = {r["kind"] for r in await db.fetch("SELECT DISTINCT kind FROM credit_events")}
    assert {"returned", "offer_expired", "declined_with_reason", "rating", "finished_late"} <= kinds


async def test_caps_hold_and_every_live_project_has_one_holder(loaded):
    db, _ = loaded
    over = await db.fetch(
        "SELECT u.id FROM units u JOIN assignments a ON a.unit_id = u.id AND a.status IN ('pending', 'active')"
        " GROUP BY u.id, u.active_cap HAVING count(*) > u.active_cap"
    )
    assert over == []
    rows = await db.fetch(
        "SELECT p.status, p.units_required, count(a.id) FILTER (WHERE a.role = 'lead') AS live,"
        " count(a.id) FILTER (WHERE a.role = 'helper') AS helpers FROM projects p LEFT JOIN assignments a"
        " ON a.project_id = p.id AND a.status IN ('pending', 'active') GROUP BY p.id, p.status"
    )
    for r in rows:
        held = r["status"] in ("claiming", "dispatched", "accepted", "in_progress")
        assert r["live"] == (1 if held else 0), r
        assert r["helpers"] <= (r["units_required"] - 1 if held else 0), r
    # the team project: the batch job proposed it to a lead and a helper
    team = await db.fetch("SELECT a.role FROM assignments a JOIN projects p ON p.id = a.project_id"
                          " WHERE p.units_required = 2 AND a.status = 'pending' ORDER BY a.id")
    assert [r["role"] for r in team] == ["lead", "helper"]


async def test_need_text_reads_varied(loaded):
    db, _ = loaded
    rows = await db.fetch("SELECT title, description, category_code FROM needs")
    titles = Counter(r["title"] for r in rows)
    texts = Counter((r["title"], r["description"]) for r in rows)
    assert max(titles.values()) <= 2
    assert max(texts.values()) == 1
    assert len(titles) >= 0.9 * len(rows)
    cats = Counter(r["category_code"] for r in rows)
    top_two = {c for c, _ in cats.most_common(2)}
    assert top_two == {"public.elderly", "public.repair"}
    assert all("{" not in r["title"] + r["description"] for r in rows)


async def test_projects_merge_needs_of_one_community_and_category(loaded):
    db, _ = loaded
    rows = await db.fetch(
        "SELECT p.id, count(n.id) AS n,"
        " bool_and(n.community_code = p.community_code AND n.category_code = p.category_code) AS same"
        " FROM projects p JOIN needs n ON n.project_id = p.id GROUP BY p.id"
    )
    assert rows and all(1 <= r["n"] <= 4 and r["same"] for r in rows)
    assert max(r["n"] for r in rows) > 1
    titles = [r["title"] for r in await db.fetch("SELECT title FROM projects")]
    assert len(set(titles)) == len(titles)
    progress = await db.fetchval(
        "SELECT count(DISTINCT p.id) FROM projects p JOIN progress_entries e ON e.project_id = p.id"
        " WHERE p.status = 'in_progress'"
    )
    assert progress == await db.fetchval("SELECT count(*) FROM projects WHERE status = 'in_progress'")


async def _unit_principal(db, username: str) -> Principal:
    row = await db.fetchrow("SELECT id, username, display_name, unit_id FROM accounts WHERE username = $1", username)
    return Principal(account_id=row["id"], username=row["username"], display_name=row["display_name"],
                     role=Role.UNIT, community_code=None, grid_code=None, street_code=None,
                     unit_id=row["unit_id"], communities=())


async def test_every_unit_account_has_work_on_every_page(loaded):
    db, s = loaded
    units = [name for name, role in s.accounts if role == Role.UNIT]
    assert len(units) == 6
    for username in units:
        p = await _unit_principal(db, username)
        u = p.unit_id
        live = await db.fetchrow(
            "SELECT count(*) FILTER (WHERE a.kind = 'directed' AND a.status = 'pending') AS offers,"
            " count(*) FILTER (WHERE a.kind = 'proposal' AND a.status = 'pending' AND e.assignment_id IS NOT NULL)"
            "   AS explained,"
            " count(*) FILTER (WHERE a.status = 'active' AND pr.status = 'in_progress'"
            "   AND EXISTS (SELECT 1 FROM progress_entries g WHERE g.project_id = pr.id AND g.unit_id = a.unit_id))"
            "   AS in_progress,"
            " count(*) FILTER (WHERE a.status = 'completed' AND EXISTS"
            "   (SELECT 1 FROM ratings r WHERE r.project_id = a.project_id)) AS rated"
            " FROM assignments a JOIN projects pr ON pr.id = a.project_id"
            " LEFT JOIN proposal_explanations e ON e.assignment_id = a.id WHERE a.unit_id = $1", u)
        assert live["offers"] >= 1, username
        assert live["explained"] >= 1, username
        assert live["in_progress"] >= 1, username
        assert live["rated"] >= 1, username
        assert await db.fetchval("SELECT count(*) FROM credit_events WHERE unit_id = $1", u) >= 3, username
        found = await scoped.projects_for_unit(db, p)
        assert found.items, (username, found.note)
        assert all(i.score > 0 and i.terms for i in found.items)


async def test_the_batch_job_has_run_once_and_the_sweep_coloured_the_clocks(loaded):
    db, _ = loaded
    runs = await db.fetch("SELECT id, counts, sweep, communities FROM batch_runs")
    assert len(runs) == 1
    run = runs[0]
    assert run["counts"]["proposed"] >= 6 and run["counts"]["expired"] == 0
    assert run["sweep"]["time_limits"]["red"] >= 1
    assert len(run["communities"]) >= 3
    assert await db.fetchval("SELECT count(*) FROM proposal_explanations WHERE run_id = $1", run["id"]) \
        == run["counts"]["proposed"]
    levels = {r["level"] for r in await db.fetch("SELECT DISTINCT level FROM time_alerts")}
    assert levels == {"none", "blue", "yellow", "red"}
    red = await db.fetch("SELECT step, unit_id FROM supervision_items WHERE resolved_at IS NULL")
    assert {"ack", "done"} <= {r["step"] for r in red}
    assert any(r["unit_id"] is not None for r in red)


async def test_the_story_spreads_over_past_weeks(loaded):
    db, s = loaded
    now = await db.fetchval("SELECT now()")
    # a month of history, in order, and nothing in the future
    span = await db.fetchrow("SELECT min(at) AS first, max(at) AS last FROM history")
    assert span["last"] <= now and (now - span["first"]).days >= 20
    bad = await db.fetchval(
        "SELECT count(*) FROM projects WHERE published_at < created_at OR accepted_at < published_at"
        " OR completed_at < accepted_at OR closed_at < completed_at OR created_at > now()")
    assert bad == 0
    weeks = await db.fetchval("SELECT count(DISTINCT date_trunc('week', created_at)) FROM projects")
    assert weeks >= 3
    # nothing the next sweep would expire or close at once
    assert await db.fetchval("SELECT count(*) FROM assignments WHERE status = 'pending' AND expires_at <= now()") == 0
    assert len(s.closing_links) == s.projects["awaiting_close"]
    late = await db.fetchval("SELECT count(*) FROM ratings r JOIN projects p ON p.id = r.project_id"
                             " WHERE r.created_at <> p.closed_at")
    assert late == 0


async def test_loading_twice_refuses_and_changes_nothing(loaded):
    db, _ = loaded
    before = await _fingerprint(db)
    assert await demo.has_data(db)
    with pytest.raises(Conflict) as exc:
        await demo.load_demo(db, seed=7)
    assert exc.value.code == "demo_exists"
    with pytest.raises(Conflict):
        await demo.load_demo(db, seed=8)
    assert await _fingerprint(db) == before


# --- tests that load again: each starts from an empty database ---------------------------


async def test_an_empty_database_has_no_data(db):
    assert not await demo.has_data(db)


async def test_one_existing_unit_is_enough_to_refuse(db):
    await directory.create_area(db, AreaIn(code="1", level="district", name="某县"))
    await directory.create_unit(db, UnitIn(name="某单位", unit_type="department", contact_name="甲",
                                           contact_phone="13900000000", home_area="1"), ADMIN)
    with pytest.raises(Conflict) as exc:
        await demo.load_demo(db)
    assert exc.value.code == "demo_exists"
    assert await db.fetchval("SELECT count(*) FROM areas") == 1


async def test_the_same_seed_gives_the_same_county(db):
    first = await demo.load_demo(db, seed=7)
    fp1 = await _fingerprint(db)
    await _truncate(db)
    second = await demo.load_demo(db, seed=7)
    fp2 = await _fingerprint(db)
    assert fp1 == fp2
    assert first.model_dump(exclude={"closing_links"}) == second.model_dump(exclude={"closing_links"})
    assert [n for n, _ in first.closing_links] == [n for n, _ in second.closing_links]
    await _truncate(db)
    await demo.load_demo(db, seed=8)
    assert await _fingerprint(db) != fp1
