"""A project's story: from 已发布 to the status its plan ends in, by way of its detour.

``Stories`` is the builder's third layer. It picks a unit with room under its cap, claims or
offers by the project's mode, and walks the project on through the service functions, as the
people would: acceptance, progress reports, completion, the resident's rating, or 撤单; with the
detours of ``stories.toml`` (released and rejected claims, declined and withdrawn offers, work
given back). ``plans`` decides which projects there are and calls ``walk`` for each.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from catalog.demo.county import BATCH, secretary, unit_actor
from catalog.demo.data import (
    CANCEL_REASONS,
    COMPLETION_NOTES,
    NOTES,
    OUTCOMES,
    PROGRESS_LINES,
    RATING_COMMENTS,
    WEEKDAYS,
    Community,
)
from catalog.demo.residents import Residents
from catalog.enums import AssignmentKind, DeclineReason, DispatchMode
from catalog.lists import closing, projects, work
from catalog.models import ClosingIn, CompletionIn, Need, ProgressIn, ReasonIn

C, OPT = DispatchMode.CLAIM, DispatchMode.OPTIMISE


@dataclass
class Plan:
    status: str
    mode: DispatchMode
    story: str | None
    community: Community
    category: str
    needs: list[Need]
    project_id: int = 0
    number: str = ""
    token: str = ""
    # the unit (and its resource) that ends up with the project, when the showcase decides it
    unit: tuple[int, int] | None = None


class Stories(Residents):
    def __init__(self, conn: asyncpg.Connection, rng: random.Random):
        super().__init__(conn, rng)
        self.closing_links: list[tuple[str, str]] = []
        self._last_unit: dict[int, int] = {}  # project id → the unit it was last claimed by or offered to

    def pick(self, plan: Plan, exclude: tuple[int, ...] = ()) -> tuple[int, int | None]:
        """A unit with room under its cap: one listing the subcategory, else the top level.

        A showcase plan goes to its own unit; other plans leave the showcase units room for it
        and for the batch job's proposal."""
        if plan.unit is not None and plan.unit[0] not in exclude:
            return plan.unit
        top = plan.category.split(".")[0]
        for pool in (self.offers.get(plan.category, []),
                     [o for cat, offers in sorted(self.offers.items()) if cat.split(".")[0] == top for o in offers]):
            fits = [(u, res) for u, res in pool if u not in exclude and self._room(u)]
            if fits:
                return self.rng.choice(fits)
        free = [u.id for u in self.units if u.id not in exclude and self._room(u.id)]
        return self.rng.choice(free), None

    def _room(self, unit_id: int) -> bool:
        u = self.unit_by_id[unit_id]
        kept = 3 if u.name in self.showcase_names else 0
        return u.live < u.cap - kept

    def _taken(self, plan: Plan, unit_id: int) -> None:
        self._last_unit[plan.project_id] = unit_id
        self.unit_by_id[unit_id].live += 1

    async def offer(self, plan: Plan, choice: tuple[int, int | None]) -> None:
        unit_id, res = choice
        kind, actor = ((AssignmentKind.PROPOSAL, BATCH) if plan.mode is OPT
                       else (AssignmentKind.DIRECTED, secretary(plan.community.code)))
        await work.direct_project(self.conn, plan.project_id, unit_id, actor, resource_id=res, kind=kind)
        self._taken(plan, unit_id)

    async def claim(self, plan: Plan, choice: tuple[int, int | None]) -> None:
        unit_id, res = choice
        await work.claim_project(self.conn, plan.project_id, unit_id, unit_actor(unit_id), resource_id=res)
        self._taken(plan, unit_id)

    async def ask(self, plan: Plan, exclude: tuple[int, ...] = ()) -> int:
        """Claim or offer, by the project's mode; returns the unit asked."""
        choice = self.pick(plan, exclude)
        if plan.mode is C:
            await self.claim(plan, choice)
        else:
            await self.offer(plan, choice)
        return choice[0]

    async def take(self, plan: Plan, exclude: tuple[int, ...] = ()) -> int:
        """Claim and confirm, or offer and accept: the project ends 已接单."""
        unit_id = await self.ask(plan, exclude)
        if plan.mode is C:
            await work.confirm_claim(self.conn, plan.project_id, secretary(plan.community.code))
        else:
            await work.accept_offer(self.conn, plan.project_id, unit_id, unit_actor(unit_id))
        return unit_id

    def _free(self, unit_id: int) -> None:
        self.unit_by_id[unit_id].live -= 1

    async def progress(self, plan: Plan, unit_id: int) -> None:
        r = self.rng
        for i in range(r.randint(1, 3)):
            body = r.choice(PROGRESS_LINES).format(weekday=r.choice(WEEKDAYS), k=r.randint(2, 6))
            photo = f"https://example.org/demo/{plan.number}-{i + 1}.jpg" if r.random() < 0.4 else None
            await work.add_progress(self.conn, plan.project_id, unit_id, ProgressIn(body=body, photo_url=photo),
                                    unit_actor(unit_id))

    async def complete(self, plan: Plan, unit_id: int) -> str:
        r = self.rng
        served = sum(n.beneficiary_count for n in plan.needs)
        done = await closing.complete_project(self.conn, plan.project_id, unit_id, CompletionIn(
            note=r.choice(COMPLETION_NOTES), beneficiaries_served=served,
            hours_spent=Decimal(r.choice((2, 3, 4, 5, 8))) * len(plan.needs)), unit_actor(unit_id))
        self._free(unit_id)
        return done.closing_token

    async def walk(self, plan: Plan) -> None:
        """Take the project from 已发布 to its planned status, by way of its detour."""
        if plan.status == "draft":
            return
        if plan.status == "cancelled":
            await self.cancel(plan)
            return
        sec = secretary(plan.community.code)
        pid, story = plan.project_id, plan.story
        tried: tuple[int, ...] = ()
        if story == "expired":
            tried = (self._last_unit[pid],)
        elif story == "released":
            first = await self.ask(plan)
            await work.release_claim(self.conn, pid, first, unit_actor(first))
            self._free(first)
            tried = (first,)
        elif story == "rejected_claim":
            first = await self.ask(plan)
            await work.reject_claim(self.conn, pid, sec, note=NOTES["rejected_claim"])
            self._free(first)
            tried = (first,)
        elif story == "declined":
            first = await self.ask(plan)
            reason = self.rng.choice((DeclineReason.CAPACITY_FULL, DeclineReason.SCHEDULE_CONFLICT,
                                      DeclineReason.OUT_OF_AREA, DeclineReason.SKILL_MISMATCH))
            await work.decline_offer(self.conn, pid, first, ReasonIn(reason=reason), unit_actor(first))
            self._free(first)
            tried = (first,)
        elif story == "withdrawn_offer":
            first = await self.ask(plan)
            await work.withdraw_offer(self.conn, pid, sec, note=NOTES["withdrawn_offer"])
            self._free(first)
            tried = (first,)
        elif story == "returned":
            first = await self.take(plan)
            if self.rng.random() < 0.5:
                await work.add_progress(self.conn, pid, first, ProgressIn(body=NOTES["returned_progress"]),
                                        unit_actor(first))
            await work.give_back(self.conn, pid, first, ReasonIn(
                reason=DeclineReason.SKILL_MISMATCH, note=NOTES["returned"]), unit_actor(first))
            self._free(first)
            tried = (first,)
        if plan.status == "published":
            return
        if plan.status == "dispatched" and plan.mode is OPT:
            return  # left open: the batch job at the end of the load proposes it, with its reasons
        if plan.status in ("claiming", "dispatched"):
            await self.ask(plan, tried)
            return
        unit_id = await self.take(plan, tried)
        if plan.status == "accepted":
            return
        await self.progress(plan, unit_id)
        if plan.status == "in_progress":
            return
        token = await self.complete(plan, unit_id)
        if plan.status == "awaiting_close":
            self.closing_links.append((plan.number, token))
        elif plan.status == "rated":
            await self.rate(plan, unit_id, token)

    async def rate(self, plan: Plan, unit_id: int, token: str) -> None:
        r = self.rng
        q = self.unit_by_id[unit_id].quality
        score = max(1, min(5, round(1 + 4 * q + r.uniform(-0.8, 0.6))))
        if plan.story == "late":
            score = max(1, score - 1)
        await closing.close_by_resident(self.conn, token, ClosingIn(
            outcome=OUTCOMES[score], score=score, comment=r.choice(RATING_COMMENTS[score])))

    async def cancel(self, plan: Plan) -> None:
        code, note = self.rng.choice(CANCEL_REASONS)
        pid, sec = plan.project_id, secretary(plan.community.code)
        holder: int | None = None
        if plan.story in ("from_claiming", "from_dispatched"):
            holder = await self.ask(plan)
        elif plan.story == "from_in_progress":
            holder = await self.take(plan)
            await self.progress(plan, holder)
        await projects.cancel_project(self.conn, pid, sec, code, note)
        if holder is not None:
            self._free(holder)
