"""The county as the directory holds it: areas, member units and their listed resources.

``County`` is the first layer of the demo's builder (``residents`` adds the needs, ``stories``
and ``plans`` the projects): it holds the load's connection, its ``random.Random`` and what later
layers look up, and creates the 区县/街道/社区/网格 areas, the 58 units and the 45 resources
through the directory and resource service functions.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from catalog.demo.data import (
    ASSOCIATIONS,
    CENTRE,
    COMMUNITIES,
    COMMUNITY_BY_CODE,
    COUNTY,
    DELIST_NOTE,
    DEPARTMENTS,
    DISTRICT_CODE,
    GIVEN,
    GRID_NAMES,
    KM_LAT,
    KM_LON,
    RESOURCES,
    SHOWCASE_UNITS,
    STREETS,
    STUDIOS,
    SURNAMES,
    TZ,
)
from catalog.enums import AreaLevel, Role, ServiceMode, UnitType
from catalog.lists import directory, resources
from catalog.models import Actor, AreaIn, Need, ResourceIn, UnitIn, WeeklySlot

# --- who acts in the demo --------------------------------------------------------------------

ADMIN = Actor(role=Role.STREET_ADMIN, ref="alliance")
BATCH = Actor(role=Role.BATCH, ref="nightly")
RESIDENT = Actor(role=Role.RESIDENT, ref="online")


def unit_actor(unit_id: int) -> Actor:
    return Actor(role=Role.UNIT, ref=str(unit_id))


def secretary(community_code: str) -> Actor:
    return Actor(role=Role.SECRETARY, ref=community_code)


# --- units and what they list ----------------------------------------------------------------


def unit_name(kind: UnitType, short: str) -> str:
    return short if kind is UnitType.TALENT_STUDIO else f"{COUNTY}{short}"


def short_to_kind() -> dict[str, UnitType]:
    table: dict[str, UnitType] = {}
    studios = tuple(f"{owner}{speciality}工作室" for owner, speciality in STUDIOS)
    for names, kind in ((DEPARTMENTS, UnitType.DEPARTMENT), (studios, UnitType.TALENT_STUDIO),
                        (ASSOCIATIONS, UnitType.ASSOCIATION)):
        for n in names:
            table[n] = kind
    return table


@dataclass
class Unit:
    id: int
    name: str
    kind: UnitType
    cap: int
    quality: float  # how residents tend to rate this unit: 0 poor … 1 excellent
    live: int = 0


@dataclass(frozen=True)
class Listing:
    """A published resource: who offers what, where."""

    unit_id: int
    resource_id: int
    category: str
    skills: frozenset[str]
    area: dict

    def serves(self, need: Need) -> bool:
        if "area_communities" in self.area:
            return need.community_code in self.area["area_communities"]
        lat = need.lat if need.lat is not None else COMMUNITY_BY_CODE[need.community_code].lat
        lon = need.lon if need.lon is not None else COMMUNITY_BY_CODE[need.community_code].lon
        d = ((lat - self.area["centre_lat"]) / KM_LAT) ** 2 + ((lon - self.area["centre_lon"]) / KM_LON) ** 2
        return d ** 0.5 <= 0.9 * self.area["radius_km"]


class County:
    def __init__(self, conn: asyncpg.Connection, rng: random.Random):
        self.conn = conn
        self.rng = rng
        self.today = dt.datetime.now(TZ).date()
        self.units: list[Unit] = []
        self.unit_by_id: dict[int, Unit] = {}
        # published resources: category → [(unit id, resource id)]
        self.offers: dict[str, list[tuple[int, int]]] = {}
        self.grids: dict[str, list[tuple[str, float, float]]] = {}
        self.listed: list[Listing] = []  # published resources, for the showcase's choice of needs
        kinds = short_to_kind()
        self.showcase_names = {unit_name(kinds[short], short) for short in SHOWCASE_UNITS}

    # areas ----------------------------------------------------------------------------------

    async def areas(self) -> None:
        c = self.conn
        await directory.create_area(c, AreaIn(code=DISTRICT_CODE, level=AreaLevel.DISTRICT, name=COUNTY,
                                              lat=CENTRE[0], lon=CENTRE[1]))
        for code, name in STREETS:
            members = [m for m in COMMUNITIES if m.street == code]
            await directory.create_area(c, AreaIn(
                code=code, level=AreaLevel.STREET, name=name, parent_code=DISTRICT_CODE,
                lat=round(sum(m.lat for m in members) / len(members), 6),
                lon=round(sum(m.lon for m in members) / len(members), 6),
                households=sum(m.households for m in members)))
        for m in COMMUNITIES:
            await directory.create_area(c, AreaIn(code=m.code, level=AreaLevel.COMMUNITY, name=m.name,
                                                  parent_code=m.street, lat=m.lat, lon=m.lon,
                                                  households=m.households))
            share = self._split(m.households, m.grids)
            self.grids[m.code] = []
            for i in range(m.grids):
                lat = round(m.lat + self.rng.uniform(-0.8, 0.8) * KM_LAT, 6)
                lon = round(m.lon + self.rng.uniform(-0.8, 0.8) * KM_LON, 6)
                code = f"{m.code}{i + 1:02d}"
                await directory.create_area(c, AreaIn(code=code, level=AreaLevel.GRID, name=GRID_NAMES[i],
                                                      parent_code=m.code, lat=lat, lon=lon, households=share[i]))
                self.grids[m.code].append((code, lat, lon))

    def _split(self, total: int, parts: int) -> list[int]:
        weights = [self.rng.uniform(0.8, 1.2) for _ in range(parts)]
        shares = [int(total * w / sum(weights)) for w in weights]
        shares[-1] += total - sum(shares)
        return shares

    # units ----------------------------------------------------------------------------------

    def full_name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    async def make_units(self) -> None:
        communities = [m.code for m in COMMUNITIES]
        entries = ([(UnitType.DEPARTMENT, n, None) for n in DEPARTMENTS]
                   + [(UnitType.TALENT_STUDIO, f"{o}{sp}工作室", o) for o, sp in STUDIOS]
                   + [(UnitType.ASSOCIATION, n, None) for n in ASSOCIATIONS])
        # The units with demo accounts come first (ids 1..6), so that unit-1 … unit-6 are they.
        entries.sort(key=lambda e: SHOWCASE_UNITS.index(e[1]) if e[1] in SHOWCASE_UNITS else len(SHOWCASE_UNITS))
        for i, (kind, short, owner) in enumerate(entries):
            if owner is not None:  # a studio sits in a community and is run by its namesake
                home = self.rng.choice(communities)
                contact = owner
            else:
                home = DISTRICT_CODE if kind is UnitType.DEPARTMENT else self.rng.choice(
                    [DISTRICT_CODE, STREETS[0][0], STREETS[1][0]])
                contact = self.full_name()
            cap = self.rng.randint(3, 8)
            if short in SHOWCASE_UNITS:  # room for the work the showcase gives them, and a proposal
                cap = max(cap, 7)
            unit = await directory.create_unit(self.conn, UnitIn(
                name=unit_name(kind, short), unit_type=kind, contact_name=contact,
                contact_phone=f"1390000{1000 + i:04d}", home_area=home, active_cap=cap), ADMIN)
            u = Unit(unit.id, unit.name, kind, cap, quality=self.rng.betavariate(5, 1.6))
            self.units.append(u)
            self.unit_by_id[u.id] = u

    # resources ------------------------------------------------------------------------------

    async def make_resources(self) -> None:
        kinds = short_to_kind()
        by_name = {u.name: u for u in self.units}
        all_codes = [m.code for m in COMMUNITIES]
        for spec in RESOURCES:
            short, cat, mode, fee, per_month = spec.unit, spec.category, spec.mode, spec.fee, spec.per_month
            unit = by_name[unit_name(kinds[short], short)]
            area: dict = {}
            if mode is ServiceMode.ONLINE or short in SHOWCASE_UNITS:
                area["area_communities"] = all_codes
            elif self.rng.random() < 0.2:
                centre = self.rng.choice(COMMUNITIES)
                area.update(centre_lat=centre.lat, centre_lon=centre.lon,
                            radius_km=float(self.rng.choice((2, 3, 5, 8))))
            else:
                k = self.rng.randint(2, 6)
                area["area_communities"] = sorted(self.rng.sample(all_codes, k))
            res = await resources.create_resource(self.conn, ResourceIn(
                unit_id=unit.id, title=spec.title, content=spec.content, category_code=cat, skills=list(spec.skills),
                capacity_projects=per_month,
                capacity_hours=per_month * self.rng.choice((2, 3, 4)) if self.rng.random() < 0.5 else None,
                availability=self._slots(mode), mode=mode,
                fee_type="low_cost" if fee else "free", fee_amount=Decimal(fee) if fee else None,
                target_groups=list(spec.groups),
                valid_from=self.today.replace(month=1, day=1),
                valid_to=self.today.replace(month=12, day=31),
                **area), unit_actor(unit.id))
            if spec.status in ("published", "delisted"):
                await resources.publish_resource(self.conn, res.id, ADMIN)
            if spec.status == "delisted":
                await resources.delist_resource(self.conn, res.id, unit_actor(unit.id), note=DELIST_NOTE)
            if spec.status == "published":
                self.offers.setdefault(cat, []).append((unit.id, res.id))
                self.listed.append(Listing(unit.id, res.id, cat, frozenset(spec.skills), area))

    def _slots(self, mode: ServiceMode) -> list[WeeklySlot]:
        times = (("19:00", "21:00"),) if mode is ServiceMode.ONLINE else (
            ("08:30", "11:30"), ("09:00", "12:00"), ("14:30", "17:30"), ("15:00", "18:00"))
        days = sorted(self.rng.sample(range(1, 8), self.rng.randint(1, 3)))
        return [WeeklySlot(weekday=d, start=s, end=e) for d in days for s, e in [self.rng.choice(times)]]
