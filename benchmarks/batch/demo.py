"""The demo county, its accepted needs opened as 优化派单 projects: optimiser against FCFS."""

from __future__ import annotations

from .databases import drop_database, fresh_database
from .peers import compare_plans, fetch_urgent_ids


async def demo_comparison(admin: str, seed: int) -> dict:
    """The demo county, its accepted needs opened as 优化派单 projects (one per community and
    subcategory, through the real commands), optimiser against FCFS on its snapshot."""
    from decimal import Decimal

    from catalog.batch import snapshot as batch_snapshot
    from catalog.demo.build import load_demo
    from catalog.enums import DispatchMode, Role
    from catalog.lists import projects
    from catalog.models import Actor, ProjectIn
    from catalog.storage.db import create_pool

    name, dsn = await fresh_database(admin)
    try:
        pool = await create_pool(dsn, min_size=1, max_size=4)
        try:
            await load_demo(pool)
            rows = await pool.fetch("SELECT id, title, category_code, community_code, urgency FROM needs"
                                    " WHERE status = 'accepted' ORDER BY id")
            groups: dict[tuple[str, str], list] = {}
            for r in rows:
                groups.setdefault((r["community_code"], r["category_code"]), []).append(r)
            opened = 0
            for (community, category), needs in groups.items():
                secretary = Actor(role=Role.SECRETARY, ref=f"sec-{community}")
                urgency = "urgent" if any(n["urgency"] == "urgent" for n in needs) else needs[0]["urgency"]
                p = await projects.create_project(pool, ProjectIn(
                    need_ids=[n["id"] for n in needs], title=needs[0]["title"][:100], category_code=category,
                    community_code=community, estimated_hours=Decimal("2.0"), urgency=urgency,
                    dispatch_mode=DispatchMode.OPTIMISE), secretary)
                await projects.publish_project(pool, p.id, secretary)
                opened += 1
            snap = await batch_snapshot.take_snapshot(pool)
            async with pool.acquire() as conn:
                urgent = await fetch_urgent_ids(conn, snap)
            out = compare_plans(snap.arrays, urgent, seed)
            out["opened_projects"] = opened
            out["accepted_needs"] = len(rows)
            return out
        finally:
            await pool.close()
    finally:
        await drop_database(admin, name)
