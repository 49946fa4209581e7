"""The residents' needs: about 300, drawn from the templates of ``needs.toml`` and reviewed.

``Residents`` is the builder's second layer: it fills a template's slots with a compound, an
address and people, submits the need through the channel it came by, and has the community's
secretary review it (most are accepted; some wait, some are turned down, some withdrawn).
"""

from __future__ import annotations

import datetime as dt
import random

import asyncpg

from catalog.demo.county import RESIDENT, County, secretary
from catalog.demo.data import (
    ADULT_TITLES,
    CATEGORY_WEIGHTS,
    CHANNEL_OPENINGS,
    CHANNELS,
    CLOSINGS,
    COMMUNITIES,
    ELDER_TITLES,
    GRADES,
    ILLS,
    KID_NAMES,
    KM_LAT,
    KM_LON,
    N_NEEDS,
    REJECTIONS,
    SURNAMES,
    TEMPLATES,
    WEEKDAYS,
    WITHDRAWN_ACCEPTED,
    WITHDRAWN_PENDING,
    Community,
)
from catalog.enums import Role, SourceChannel, Urgency
from catalog.lists import needs
from catalog.models import Actor, Need, NeedIn, RejectIn


class Residents(County):
    def __init__(self, conn: asyncpg.Connection, rng: random.Random):
        super().__init__(conn, rng)
        self.theme_of: dict[int, tuple[str, tuple[str, ...]]] = {}
        self.compound_of: dict[int, str] = {}
        self.waiting: set[int] = set()  # needs left 待审核
        self.all_needs: list[Need] = []

    def _person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(ADULT_TITLES)

    def _elder(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(ELDER_TITLES)

    def _slots_for(self, m: Community, compound: str) -> dict[str, object]:
        r = self.rng
        bldg = f"{r.randint(1, 24)}号楼"
        unit = f"{r.randint(1, 4)}单元"
        if compound.endswith(("平房区", "巷")):
            addr = f"{r.randint(1, 60)}号院"
        else:
            addr = f"{bldg}{unit}{r.randint(1, 6)}0{r.randint(1, 3)}"
        return {
            "community": m.name, "compound": compound, "addr": addr, "bldg": bldg, "unit": unit,
            "elder": self._elder(), "person": self._person(), "kid": r.choice(SURNAMES) + "小" + r.choice(KID_NAMES),
            "age": r.randint(68, 93), "age2": r.randint(28, 62), "kid_age": r.randint(6, 14),
            "grade": r.choice(GRADES), "weekday": r.choice(WEEKDAYS), "ill": r.choice(ILLS),
        }

    async def make_needs(self) -> list[Need]:
        r = self.rng
        communities = list(COMMUNITIES)
        cats = list(CATEGORY_WEIGHTS)
        seen: dict[str, int] = {}
        made: list[Need] = []
        while len(made) < N_NEEDS:
            m = r.choices(communities, weights=[x.households for x in communities])[0]
            cat = r.choices(cats, weights=[CATEGORY_WEIGHTS[c] for c in cats])[0]
            t = r.choice(TEMPLATES[cat])
            compound = r.choice(m.compounds)
            slots = self._slots_for(m, compound)
            for key, options in t.picks.items():
                slots[key] = r.choice(options)
            lo, hi = t.count
            count = r.randint(lo, hi)
            slots["n"] = count
            title = t.title.format_map(slots)
            if seen.get(title, 0) >= 2:  # a third identical title reads like a copy: draw again
                continue
            seen[title] = seen.get(title, 0) + 1
            channel = r.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
            opening = r.choice(CHANNEL_OPENINGS[channel]) if r.random() < 0.5 else ""
            closing = "".join(r.sample([x for x in CLOSINGS if x], r.randint(0, 2)))
            desc = opening + t.desc.format_map(slots) + closing
            roll = r.random()
            urgency = (Urgency.URGENT if roll < t.urgent else
                       Urgency.LONG_TERM if roll > 1 - t.long_term else Urgency.NORMAL)
            grid_code, glat, glon = r.choice(self.grids[m.code])
            point = {}
            if r.random() < 0.6:
                point = {"lat": round(glat + r.uniform(-0.4, 0.4) * KM_LAT, 6),
                         "lon": round(glon + r.uniform(-0.4, 0.4) * KM_LON, 6)}
            desired = {}
            if r.random() < 0.3:
                start = self.today + dt.timedelta(days=r.randint(0, 10))
                desired = {"desired_from": start, "desired_to": start + dt.timedelta(days=r.choice((3, 7, 14, 30)))}
            if channel is SourceChannel.ONLINE:
                actor = RESIDENT
            elif channel is SourceChannel.GRID_WORKER:
                actor = Actor(role=Role.GRID_WORKER, ref=grid_code)
            else:
                actor = secretary(m.code)
            need = await needs.submit_need(self.conn, NeedIn(
                title=title, description=desc, category_code=cat, community_code=m.code, grid_code=grid_code,
                beneficiary_count=count, beneficiary_groups=list(t.groups), urgency=urgency,
                source_channel=channel, requester_name=self.full_name(),
                requester_phone=f"1700000{r.randrange(10000):04d}", **point, **desired), actor)
            self.theme_of[need.id] = (t.theme, t.skills)
            self.compound_of[need.id] = compound
            made.append(need)
        accepted = await self.review(made)
        self.all_needs = made
        return accepted

    async def review(self, made: list[Need]) -> list[Need]:
        """Most needs are accepted; some wait, some are turned down, some are withdrawn."""
        r = self.rng
        accepted: list[Need] = []
        for need in made:
            sec = secretary(need.community_code)
            roll = r.random()
            if roll < 0.08:
                self.waiting.add(need.id)
                continue  # 待审核: still waiting for the secretary
            if roll < 0.13:
                reason, note = r.choice(REJECTIONS)
                await needs.reject_need(self.conn, need.id, RejectIn(reason=reason, note=note), sec)
                continue
            if roll < 0.145:
                await needs.withdraw_need(self.conn, need.id, RESIDENT, note=WITHDRAWN_PENDING)
                continue
            need = await needs.accept_need(self.conn, need.id, sec)
            if roll < 0.165:
                await needs.withdraw_need(self.conn, need.id, RESIDENT, note=WITHDRAWN_ACCEPTED)
                continue
            accepted.append(need)
        return accepted
