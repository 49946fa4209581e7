"""A generated city (``city.py``) written into sandan's database the fast way: COPY, not commands.

The rows are what the product would hold after secretaries merged one need per project and
published it in 优化派单 mode, and the alliance listed and published the units' resources:
areas (district → street → community → one grid each), member units, published resources,
merged needs, published projects, and their history rows. Each table is one
``copy_records_to_table``; ids come from the tables' own identity columns, in row order.

    rows = city_rows(n_projects, seed=1, categories=...)   # pure: numpy and Python tuples
    counts = await load_city(conn, n_projects, seed=1)     # into an empty, migrated database
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from city import KM_LAT, KM_LON, LAT0, LON0, SKILLS_PER_SUB, build_city
from scipy.spatial import cKDTree

ADMIN_ACTOR = "street_admin:alliance"
UNIT_TYPES = ("department", "stationed", "new_org", "mass_org", "talent_studio", "association",
              "volunteer_team", "enterprise")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def _skill_lists(bits: np.ndarray, sub_names: np.ndarray) -> list[list[str]]:
    """Bitmask rows -> skill words; skill s belongs to city subcategory s // SKILLS_PER_SUB."""
    n = bits.shape[0]
    flat = np.unpackbits(np.ascontiguousarray(bits).view(np.uint8), axis=1, bitorder="little")
    owner, skill = np.nonzero(flat)
    out: list[list[str]] = [[] for _ in range(n)]
    for o, s in zip(owner.tolist(), skill.tolist(), strict=True):
        out[o].append(f"{sub_names[s // SKILLS_PER_SUB]}技能{s % SKILLS_PER_SUB + 1}")
    return out


def city_rows(n_projects: int, *, seed: int, categories: list[tuple[str, str]],
              now: dt.datetime | None = None) -> dict:
    """Rows per table for a city of ``n_projects`` open projects and about n/10 resources.

    ``categories``: the database's (parent, subcategory) codes in display order; the city's
    subcategories of each category map onto the database's subcategories of the same category.
    """
    now = now or dt.datetime.now(dt.UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = midnight.date()
    city = build_city(n_projects, seed=seed)
    raw, geo = city.raw, city.geo
    rng = np.random.default_rng([seed, n_projects, 4242])

    by_parent: dict[str, list[str]] = {}
    for parent, code in categories:
        by_parent.setdefault(parent, []).append(code)
    parents = list(by_parent)
    sub_cat = raw["sub_category"]
    sub_names = raw["subcategories"]
    db_sub = []
    for s in range(len(sub_cat)):
        c = int(sub_cat[s])
        j = int(np.sum(sub_cat[:s] == c))
        options = by_parent[parents[c]]
        db_sub.append(options[j % len(options)])

    # areas ------------------------------------------------------------------------------
    n_comm, n_streets = len(geo.comm_x), geo.n_streets
    district_of_street = np.zeros(n_streets, dtype=np.int64)
    # city.py does not keep districts; group streets twenty to a district, as in DOMAIN.md
    district_of_street[:] = np.arange(n_streets) // 20
    comm_lat = LAT0 + geo.comm_y / KM_LAT
    comm_lon = LON0 + geo.comm_x / KM_LON
    districts = [(f"D{d}", "district", f"区县{d}", None, None, None, None)
                 for d in range(int(district_of_street.max()) + 1)]
    streets = [(f"S{s}", "street", f"街道{s}", f"D{district_of_street[s]}", None, None, None)
               for s in range(n_streets)]
    comm_code = [f"C{c}" for c in range(n_comm)]
    households = rng.integers(800, 6000, n_comm)
    communities = [(comm_code[c], "community", f"社区{c}", f"S{geo.comm_street[c]}",
                    round(float(comm_lat[c]), 6), round(float(comm_lon[c]), 6), int(households[c]))
                   for c in range(n_comm)]
    grids = [(f"{comm_code[c]}g1", "grid", f"社区{c}第一网格", comm_code[c], None, None, None)
             for c in range(n_comm)]

    # units and resources ----------------------------------------------------------------
    r_unit = raw["r_unit"]
    R = len(r_unit)
    U = int(r_unit.max()) + 1
    r_lat, r_lon = raw["r_lat"], raw["r_lon"]
    tree = cKDTree(np.c_[geo.comm_x, geo.comm_y])
    _, nearest = tree.query(np.c_[(r_lon - LON0) * KM_LON, (r_lat - LAT0) * KM_LAT])
    first_res = np.searchsorted(r_unit, np.arange(U))
    cap = raw["r_capacity"]
    unit_cap = np.clip(np.bincount(r_unit, weights=cap, minlength=U), 1, 1000).astype(int)
    units = [(f"成员单位{u:05d}", UNIT_TYPES[u % len(UNIT_TYPES)], f"{SURNAMES[u % len(SURNAMES)]}联络员",
              f"0357-{2000000 + u}", comm_code[int(nearest[first_res[u]])], "active", int(unit_cap[u]),
              now - dt.timedelta(days=200))
             for u in range(U)]
    r_skills = _skill_lists(raw["r_skills"], sub_names)
    r_first_sub = raw["r_sub"][raw["r_sub_ptr"][:-1]]
    comm_ptr, comm_list = raw["r_comm_ptr"], raw["r_comm"]
    resources = []
    for r in range(R):
        sub = int(r_first_sub[r])
        area = [comm_code[c] for c in comm_list[comm_ptr[r]:comm_ptr[r + 1]].tolist()]
        circle = not area
        radius = float(raw["r_radius_km"][r])
        resources.append((
            int(r_unit[r]) + 1, f"{sub_names[sub]}服务", f"{units[int(r_unit[r])][0]}提供的{sub_names[sub]}服务",
            db_sub[sub], r_skills[r], int(cap[r]), area,
            round(float(r_lat[r]), 6) if circle else None, round(float(r_lon[r]), 6) if circle else None,
            round(radius, 2) if circle else None,
            today + dt.timedelta(days=int(raw["r_start"][r])), today + dt.timedelta(days=int(raw["r_end"][r])),
            "venue" if circle else "home", "free", "published",
            now - dt.timedelta(days=100), now - dt.timedelta(days=90),
        ))

    # projects and the needs merged into them ------------------------------------------------
    P = n_projects
    p_comm, p_sub = raw["p_community"], raw["p_sub"]
    priority = raw["p_priority"]
    urgent = priority == 3
    long_term = (priority == 0) & (rng.random(P) < 0.2)
    urgency = np.where(urgent, "urgent", np.where(long_term, "long_term", "normal"))
    hours = rng.integers(2, 17, P) / 2
    p_skills = _skill_lists(raw["p_skills"], sub_names)
    waiting = raw["p_waiting"]
    start, end = raw["p_start"], raw["p_end"]
    phone = rng.integers(10**7, 10**8, P)
    projects, needs = [], []
    for i in range(P):
        c, s = int(p_comm[i]), int(p_sub[i])
        published = now - dt.timedelta(days=int(waiting[i]), hours=1)
        created = published - dt.timedelta(hours=3)
        lat, lon = round(float(raw["p_lat"][i]), 6), round(float(raw["p_lon"][i]), 6)
        secretary = f"secretary:{comm_code[c]}"
        projects.append((
            f"{sub_names[s]}（社区{c}）", f"居民反映需要{sub_names[s]}，社区汇总后发布。", db_sub[s], comm_code[c],
            p_skills[i], f"社区{c}居民家中", lat, lon,
            midnight + dt.timedelta(days=int(start[i]), hours=1),
            midnight + dt.timedelta(days=int(end[i]), hours=23),
            1, Decimal(str(hours[i])), int(priority[i]) + 1, str(urgency[i]), "optimise", "published",
            secretary, created, published, published,
        ))
        needs.append((
            f"需要{sub_names[s]}", "网格员走访时记录。", db_sub[s], comm_code[c], f"{comm_code[c]}g1", lat, lon, 1,
            str(urgency[i]), "grid_worker", f"{SURNAMES[i % len(SURNAMES)]}女士", f"139{int(phone[i])}",
            "merged", i + 1, f"grid_worker:{comm_code[c]}g1", created - dt.timedelta(days=1), created,
            created - dt.timedelta(hours=20),
        ))
    return {
        "areas": (districts, streets, communities, grids),
        "units": units, "resources": resources, "projects": projects, "needs": needs,
        "created": {"unit": [u[7] for u in units]},
        "summary": {"projects": P, "resources": R, "units": U, "communities": n_comm, "streets": n_streets,
                    "urgent": int(urgent.sum())},
    }


AREA_COLS = ("code", "level", "name", "parent_code", "lat", "lon", "households")
UNIT_COLS = ("name", "unit_type", "contact_name", "contact_phone", "home_area", "status", "active_cap", "created_at")
RESOURCE_COLS = ("unit_id", "title", "content", "category_code", "skills", "capacity_projects", "area_communities",
                 "centre_lat", "centre_lon", "radius_km", "valid_from", "valid_to", "mode", "fee_type", "status",
                 "created_at", "updated_at")
PROJECT_COLS = ("title", "description", "category_code", "community_code", "required_skills", "place", "lat", "lon",
                "window_start", "window_end", "units_required", "estimated_hours", "priority", "urgency",
                "dispatch_mode", "status", "created_by", "created_at", "updated_at", "published_at")
NEED_COLS = ("title", "description", "category_code", "community_code", "grid_code", "lat", "lon",
             "beneficiary_count", "urgency", "source_channel", "requester_name", "requester_phone", "status",
             "project_id", "created_by", "created_at", "updated_at", "reviewed_at")
HISTORY_COLS = ("entity", "entity_id", "from_status", "to_status", "actor", "reason_code", "note", "at")


def _history(rows: dict) -> list[tuple]:
    """What the commands would have logged on the way: units made, resources listed and
    published, needs taken in, accepted and merged, projects drafted and published."""
    out: list[tuple] = []  # HISTORY_COLS; from_status and note are None on some rows
    for i, u in enumerate(rows["units"], start=1):
        out.append(("unit", str(i), None, "active", ADMIN_ACTOR, None, None, u[7]))
    for i, r in enumerate(rows["resources"], start=1):
        out.append(("resource", str(i), None, "pending", f"unit:{r[0]}", None, None, r[15]))
        out.append(("resource", str(i), "pending", "published", ADMIN_ACTOR, None, None, r[16]))
    for i, n in enumerate(rows["needs"], start=1):
        out.append(("need", str(i), None, "pending", n[14], None, None, n[15]))
        out.append(("need", str(i), "pending", "accepted", f"secretary:{n[3]}", None, None, n[17]))
    for i, p in enumerate(rows["projects"], start=1):
        out.append(("project", str(i), None, "draft", p[16], None, None, p[17]))
        out.append(("need", str(i), "accepted", "merged", p[16], None, f"XM{i:07d}", p[17]))
        out.append(("project", str(i), "draft", "published", p[16], None, None, p[19]))
    return out


async def load_city(conn, n_projects: int, *, seed: int) -> dict:
    """Write the city into an empty, migrated database in one transaction; returns its counts."""
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM units) OR EXISTS (SELECT 1 FROM projects)"):
        raise RuntimeError("the benchmark database is not empty")
    cats = [(r["parent_code"], r["code"]) for r in await conn.fetch(
        "SELECT c.code, c.parent_code FROM categories c JOIN categories p ON p.code = c.parent_code"
        " WHERE c.level = 2 AND c.retired_at IS NULL ORDER BY p.sort_order, c.sort_order")]
    rows = city_rows(n_projects, seed=seed, categories=cats)
    async with conn.transaction():
        for level_rows in rows["areas"]:
            await conn.copy_records_to_table("areas", records=level_rows, columns=AREA_COLS)
        await conn.copy_records_to_table("units", records=rows["units"], columns=UNIT_COLS)
        await conn.copy_records_to_table("resources", records=rows["resources"], columns=RESOURCE_COLS)
        await conn.copy_records_to_table("projects", records=rows["projects"], columns=PROJECT_COLS)
        await conn.copy_records_to_table("needs", records=rows["needs"], columns=NEED_COLS)
        await conn.copy_records_to_table("history", records=_history(rows), columns=HISTORY_COLS)
        # ids are the identity columns' own, in row order, in an empty database: check it
        first = await conn.fetchval("SELECT min(id) FROM projects")
        last_unit = await conn.fetchval("SELECT max(id) FROM units")
        if first != 1 or last_unit != len(rows["units"]):
            raise RuntimeError("ids do not start at 1: load the city into a fresh database")
    await conn.execute("ANALYZE")
    return rows["summary"]
