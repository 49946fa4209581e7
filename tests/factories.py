"""Small builders for a world to test against, made through the real service functions.

Every builder goes through ``catalog``'s commands, so a fixture is only as valid as the product
allows: a project "at status X" got there by the same steps a community would take.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from catalog.enums import AreaLevel, DispatchMode, Outcome, ProjectStatus, Role, ServiceMode, UnitType
from catalog.lists import closing, directory, needs, projects, resources, work
from catalog.models import (
    Actor,
    AreaIn,
    ClosingIn,
    CompletionIn,
    Need,
    NeedIn,
    Project,
    ProjectIn,
    Resource,
    ResourceIn,
    Unit,
    UnitIn,
)

ADMIN = Actor(role=Role.STREET_ADMIN, ref="admin")
SECRETARY = Actor(role=Role.SECRETARY, ref="sec")
GRID_WORKER = Actor(role=Role.GRID_WORKER, ref="gw")
CATEGORY = "public.elderly"

_seq = itertools.count(1)


def unit_actor(unit_id: int) -> Actor:
    return Actor(role=Role.UNIT, ref=str(unit_id))


@dataclass
class World:
    """One district with one street, its communities and their grids."""

    district: str
    street: str
    communities: list[str]
    grids: dict[str, list[str]] = field(default_factory=dict)

    @property
    def community(self) -> str:
        return self.communities[0]


async def make_world(db, *, communities: int = 2, grids: int = 2) -> World:
    n = next(_seq)
    district, street = f"D{n}", f"S{n}"
    await directory.create_area(db, AreaIn(code=district, level=AreaLevel.DISTRICT, name=f"区{n}"))
    await directory.create_area(db, AreaIn(code=street, level=AreaLevel.STREET, name=f"街道{n}", parent_code=district))
    world = World(district, street, [])
    for c in range(1, communities + 1):
        code = f"C{n}x{c}"
        await directory.create_area(
            db, AreaIn(code=code, level=AreaLevel.COMMUNITY, name=f"社区{n}-{c}", parent_code=street,
                       lat=36.2 + c / 100, lon=111.6, households=3000)
        )
        world.communities.append(code)
        world.grids[code] = []
        for g in range(1, grids + 1):
            gcode = f"{code}g{g}"
            await directory.create_area(
                db, AreaIn(code=gcode, level=AreaLevel.GRID, name=f"网格{n}-{c}-{g}", parent_code=code)
            )
            world.grids[code].append(gcode)
    return world


async def make_unit(db, world: World, *, cap: int = 5, name: str | None = None) -> Unit:
    n = next(_seq)
    return await directory.create_unit(
        db,
        UnitIn(name=name or f"成员单位{n}", unit_type=UnitType.VOLUNTEER_TEAM, contact_name="联系人",
               contact_phone="13800000000", home_area=world.street, active_cap=cap),
        ADMIN,
    )


async def make_resource(db, unit: Unit, world: World, *, category: str = CATEGORY, publish: bool = True) -> Resource:
    r = await resources.create_resource(
        db,
        ResourceIn(unit_id=unit.id, title="上门助老", category_code=category, capacity_projects=10,
                   area_communities=world.communities, mode=ServiceMode.HOME),
        unit_actor(unit.id),
    )
    if publish:
        r = await resources.publish_resource(db, r.id, ADMIN)
    return r


def need_in(world: World, **overrides) -> NeedIn:
    fields = dict(title="帮老人买菜", category_code=CATEGORY, community_code=world.community,
                  grid_code=world.grids[world.community][0], source_channel="grid_worker",
                  requester_name="张三", requester_phone="13912345678")
    fields.update(overrides)
    return NeedIn(**fields)


async def make_need(db, world: World, *, accept: bool = True, **overrides) -> Need:
    need = await needs.submit_need(db, need_in(world, **overrides), GRID_WORKER)
    if accept:
        need = await needs.accept_need(db, need.id, SECRETARY)
    return need


@dataclass
class Built:
    """A project walked to some status, with the unit that holds it and the resident's link."""

    project: Project
    unit: Unit | None = None
    token: str | None = None

    @property
    def id(self) -> int:
        return self.project.id


# The steps a project takes on the way to each status; claim-mode projects go through 认领中,
# directed ones through 已派单.
_PATH = {
    ProjectStatus.DRAFT: 0, ProjectStatus.PUBLISHED: 1, ProjectStatus.CLAIMING: 2,
    ProjectStatus.DISPATCHED: 2, ProjectStatus.ACCEPTED: 3, ProjectStatus.IN_PROGRESS: 4,
    ProjectStatus.AWAITING_CLOSE: 5, ProjectStatus.CLOSED: 6, ProjectStatus.RATED: 6,
}


async def make_project(
    db, world: World, status: ProjectStatus = ProjectStatus.PUBLISHED, *, unit: Unit | None = None,
    via: DispatchMode | None = None, community: str | None = None, score: int = 5,
) -> Built:
    """A project at ``status``, reached through real commands.

    ``via`` picks the road to 已接单: CLAIM (认领 then confirm) or DIRECTED (offer then accept);
    by default 已派单 goes the directed way and everything else the claim way. ``closed`` uses the
    7-day sweep, which closes every earlier-built project whose link has run out too.
    """
    status = ProjectStatus(status)
    if via is None:
        via = DispatchMode.DIRECTED if status is ProjectStatus.DISPATCHED else DispatchMode.CLAIM
    community = community or world.community
    need = await make_need(db, world, community_code=community, grid_code=world.grids[community][0])
    p = await projects.create_project(
        db,
        ProjectIn(need_ids=[need.id], title="助老服务", category_code=CATEGORY, community_code=community,
                  estimated_hours=Decimal("2.0"), dispatch_mode=via),
        SECRETARY,
    )
    built = Built(p)
    if status is ProjectStatus.CANCELLED:
        await projects.publish_project(db, p.id, SECRETARY)
        built.project = await projects.cancel_project(db, p.id, SECRETARY, "no_longer_needed")
        return built
    steps = _PATH[status]
    if steps >= 1:
        built.project = await projects.publish_project(db, p.id, SECRETARY)
    if steps >= 2:
        holder = built.unit = unit or await make_unit(db, world)
        actor = unit_actor(holder.id)
        if via is DispatchMode.CLAIM:
            await work.claim_project(db, p.id, holder.id, actor)
        else:
            await work.direct_project(db, p.id, holder.id, SECRETARY)
        built.project = await projects.get_project(db, p.id)
        if steps >= 3:
            if via is DispatchMode.CLAIM:
                built.project = await work.confirm_claim(db, p.id, SECRETARY)
            else:
                built.project = await work.accept_offer(db, p.id, holder.id, actor)
        if steps >= 4:
            built.project = await work.start_project(db, p.id, holder.id, actor)
        if steps >= 5:
            done = await closing.complete_project(
                db, p.id, holder.id,
                CompletionIn(note="已完成", beneficiaries_served=1, hours_spent=Decimal("2.0")), actor,
            )
            built.project, built.token = done.project, done.closing_token
    if status is ProjectStatus.CLOSED:
        expires = await db.fetchval("SELECT expires_at FROM closing_tokens WHERE project_id = $1", p.id)
        await closing.close_unrated(db, now=expires)
        built.project = await projects.get_project(db, p.id)
    elif status is ProjectStatus.RATED:
        assert built.token is not None  # a rated project went through completion, which gives the link
        built.project = await closing.close_by_resident(
            db, built.token, ClosingIn(outcome=Outcome.SOLVED, score=score)
        )
    assert built.project.status is status, (built.project.status, status)
    return built


def after_link_runs_out(days: int = 8) -> dt.datetime:
    """A moment past every closing link made today (the default link lives 7 days)."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


async def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table: a failed command must leave this exactly as it was."""
    from tests.conftest import data_tables

    out = {}
    async with db.acquire() as conn:
        for table in await data_tables(conn):
            out[table] = [tuple(r) for r in await conn.fetch(f"SELECT * FROM {table} ORDER BY 1")]
    return out
