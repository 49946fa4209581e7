"""Which projects there are: the showcase units' own, then needs merged into projects by plan.

``Builder`` is the builder's last layer and the one ``build`` runs. It loads the county, its
units, resources and needs (the layers below), then gives each showcase unit a project at every
stage of ``showcase_plans``, merges the other accepted needs of one community and subcategory
into projects, one per plan of ``stories.toml`` (older projects further along), creates and
publishes them, and walks each through its story.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import asyncpg

from catalog.demo.county import Listing, secretary, short_to_kind, unit_name
from catalog.demo.data import (
    CATEGORY_THEME,
    COMMUNITIES,
    COMMUNITY_BY_CODE,
    ENGINE_PICKS,
    PLANS,
    SHOWCASE_PLANS,
    SHOWCASE_UNITS,
    STAGE_RANK,
    TZ,
)
from catalog.demo.stories import C, Plan, Stories
from catalog.enums import DispatchMode, Urgency
from catalog.lists import closing, projects, work
from catalog.models import Need, ProjectIn
from catalog.storage.settings import get_settings


class Builder(Stories):
    def __init__(self, conn: asyncpg.Connection, rng: random.Random):
        super().__init__(conn, rng)
        self.project_titles: dict[str, int] = {}
        self.plans: list[Plan] = []
        self.loose_needs: list[tuple[int, str]] = []  # (need id, pending/reviewed) of needs in no project

    async def build(self) -> None:
        await self.areas()
        await self.make_units()
        await self.make_resources()
        accepted = await self.make_needs()
        await self.make_projects(accepted)

    def _chunks(self, accepted: list[Need]) -> list[list[Need]]:
        groups: dict[tuple[str, str], list[Need]] = {}
        for n in accepted:
            groups.setdefault((n.community_code, n.category_code), []).append(n)
        chunks: list[list[Need]] = []
        for key in sorted(groups):
            rest = groups[key]
            while rest:
                k = min(len(rest), self.rng.choice((1, 2, 2, 3, 4)))
                chunks.append(rest[:k])
                rest = rest[k:]
        self.rng.shuffle(chunks)
        return chunks

    def _showcase(self, accepted: list[Need]) -> list[Plan]:
        """The showcase units' own projects (see SHOWCASE_PLANS), each of one accepted need that
        the unit's resource serves; the needs used are taken out of ``accepted``."""
        taken: set[int] = set()
        plans: list[Plan] = []
        for i, short in enumerate(SHOWCASE_UNITS):
            unit = next(u for u in self.units if u.name == unit_name(short_to_kind()[short], short))
            listings = [x for x in self.listed if x.unit_id == unit.id]
            for j, (status, mode) in enumerate(SHOWCASE_PLANS):
                exclusive = (status, mode) in ENGINE_PICKS
                # spread over the communities, so that every secretary sees some of it
                home = COMMUNITIES[(i + j) % len(COMMUNITIES)].code
                ordered = sorted(accepted, key=lambda n: n.community_code != home)
                found = self._need_for(ordered, taken, listings, exclusive)
                if found is None:
                    continue
                need, listing = found
                taken.add(need.id)
                plans.append(Plan(status, mode, None, COMMUNITY_BY_CODE[need.community_code], need.category_code,
                                  [need], unit=(unit.id, listing.resource_id)))
        accepted[:] = [n for n in accepted if n.id not in taken]
        return plans

    def _need_for(self, accepted: list[Need], taken: set[int], listings: list[Listing],
                  exclusive: bool) -> tuple[Need, Listing] | None:
        """An accepted need one of ``listings`` serves (category and area), its skills covered;
        with ``exclusive``, skills no other unit's resource in the category covers. Work the
        community hands the unit itself may, failing that, ask for a skill the unit lacks."""
        for strict in (True, False) if not exclusive else (True,):
            for listing in listings:
                others = [x for x in self.listed if x.category == listing.category and x.unit_id != listing.unit_id]
                for need in accepted:
                    skills = set(self.theme_of[need.id][1])
                    if need.id in taken or need.category_code != listing.category or not listing.serves(need):
                        continue
                    if strict and not skills <= listing.skills:
                        continue
                    if exclusive and any(skills <= x.skills for x in others):
                        continue
                    return need, listing
        return None

    async def make_projects(self, accepted: list[Need]) -> None:
        showcase = self._showcase(accepted)
        chunks = iter(self._chunks(accepted))
        community = {m.code: m for m in COMMUNITIES}
        # Older projects (lower numbers) tend to be further along, as on a real list.
        stories: list[tuple[str, DispatchMode, str | None, Plan | None]] = [
            *((status, mode, story, None) for status, mode, story in PLANS),
            *((p.status, p.mode, None, p) for p in showcase),
        ]
        order = sorted(stories, key=lambda p: -STAGE_RANK[p[0]] + self.rng.uniform(0, 3.5))
        plans: list[Plan] = []
        for status, mode, story, own in order:
            if own is not None:
                plans.append(own)
                continue
            chunk = next(chunks, None)
            if chunk is None:
                break
            plans.append(Plan(status, mode, story, community[chunk[0].community_code], chunk[0].category_code, chunk))
        self.plans = plans
        merged = {n.id for p in plans for n in p.needs}
        self.loose_needs = [(n.id, "pending" if n.id in self.waiting else "reviewed")
                            for n in self.all_needs if n.id not in merged]
        for plan in plans:
            await self.create(plan)
        # Offers nobody answered run out first, while no other claim or offer is pending.
        expiring = [p for p in plans if p.story == "expired"]
        for plan in expiring:
            await self.offer(plan, self.pick(plan))
        if expiring:
            later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=get_settings().offer_ttl_hours + 1)
            await work.expire_pending(self.conn, later)
            for plan in expiring:
                self.unit_by_id[self._last_unit[plan.project_id]].live -= 1
        # Residents who never answer the closing link: complete those, then let time run out.
        closed = [p for p in plans if p.status == "closed"]
        for plan in closed:
            await self.walk(plan)
        if closed:
            later = dt.datetime.now(dt.UTC) + dt.timedelta(days=get_settings().closing_days + 1)
            await closing.close_unrated(self.conn, later)
        for plan in plans:
            if plan.status != "closed":
                await self.walk(plan)

    async def create(self, plan: Plan) -> None:
        r = self.rng
        themes = [self.theme_of[n.id] for n in plan.needs]
        first_theme = themes[0][0]
        same = all(t == first_theme for t, _ in themes)
        theme = first_theme if same else CATEGORY_THEME[plan.category]
        individual = all(n.beneficiary_count <= 3 for n in plan.needs)
        suffix = f"（{len(plan.needs)}户）" if individual and len(plan.needs) > 1 else ""
        compounds = list(dict.fromkeys(self.compound_of[n.id] for n in plan.needs))
        where = compounds[0] if len(compounds) == 1 else plan.community.name
        title = f"{where}{theme}{suffix}"
        self.project_titles[title] = self.project_titles.get(title, 0) + 1
        if self.project_titles[title] > 1:
            title += f"（第{'一二三四五六七八九十'[self.project_titles[title] - 1]}批）"
        lines = "\n".join(f"{i}. {n.number} {n.title}" for i, n in enumerate(plan.needs, 1))
        description = f"由{len(plan.needs)}条已入库需求合并：\n{lines}"
        points = [(n.lat, n.lon) for n in plan.needs if n.lat is not None and n.lon is not None]
        lat, lon = ((round(sum(p[0] for p in points) / len(points), 6),
                     round(sum(p[1] for p in points) / len(points), 6))
                    if points else (plan.community.lat, plan.community.lon))
        urgencies = {n.urgency for n in plan.needs}
        urgency = (Urgency.URGENT if Urgency.URGENT in urgencies else
                   Urgency.LONG_TERM if urgencies == {Urgency.LONG_TERM} else Urgency.NORMAL)
        if plan.story == "late":
            # planned to be done by last week; it will be reported late
            start = dt.datetime.combine(self.today - dt.timedelta(days=10), dt.time(9), TZ)
            end = start + dt.timedelta(days=5)
        else:
            start = dt.datetime.combine(self.today + dt.timedelta(days=r.randint(1, 10)), dt.time(9), TZ)
            end = start + dt.timedelta(days=r.choice((1, 3, 7, 14, 30)))
        skills_all = list(dict.fromkeys(s for _, sk in themes for s in sk))
        p = await projects.create_project(self.conn, ProjectIn(
            need_ids=[n.id for n in plan.needs], title=title, description=description,
            category_code=plan.category, community_code=plan.community.code,
            required_skills=[] if plan.story == "team" else skills_all,
            place="、".join(compounds), lat=lat, lon=lon, window_start=start, window_end=end,
            # "team": a bigger job the batch job proposes to a lead (主办) and a helper (协办)
            units_required=2 if plan.story == "team" else 1,
            estimated_hours=Decimal(r.choice((2, 3, 4, 6))) * len(plan.needs),
            priority=5 if urgency is Urgency.URGENT else r.choice((2, 3, 3, 4)), urgency=urgency,
            dispatch_mode=plan.mode,
            claim_deadline=(dt.datetime.now(dt.UTC) + dt.timedelta(days=14)) if plan.mode is C else None,
        ), secretary(plan.community.code))
        plan.project_id, plan.number = p.id, p.number
        if not (plan.status == "draft" or plan.story == "from_draft"):
            await projects.publish_project(self.conn, p.id, secretary(plan.community.code))
