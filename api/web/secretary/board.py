"""社区书记 · 项目看板: the community's live projects by stage, coloured by their time limit,
with the unit that holds each or is being asked to take it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from catalog import scoped
from catalog.enums import ProjectStatus
from catalog.models import Project
from catalog.scoped import Alert

from ..kit import View, names, page
from .common import ALERT_ORDER, ALERT_SHORT, SEC, Clock, Holder, UnitNames, all_projects, clock_of, holder_of

PS = ProjectStatus
COLUMNS: list[tuple[str, str, tuple[ProjectStatus, ...]]] = [
    ("draft", "草拟待发布", (PS.DRAFT,)),
    ("open", "待承接", (PS.PUBLISHED, PS.CLAIMING, PS.DISPATCHED)),
    ("doing", "办理中", (PS.ACCEPTED, PS.IN_PROGRESS)),
    ("closing", "待结单", (PS.AWAITING_CLOSE,)),
]
# A column shows this many cards; the project list has the rest.
PER_COLUMN = 100


@dataclass(frozen=True)
class Card:
    p: Project
    clock: Clock
    holder: Holder | None


@page("/secretary/board", roles=SEC, template="secretary/board.html", nav="项目看板", order=15)
async def board(v: View) -> dict:
    wanted = v.request.query.get("alert", "")
    wanted_alert = Alert(wanted) if wanted in {a.value for a in Alert} else None
    units = UnitNames(v)
    now = dt.datetime.now(dt.UTC)
    columns = []
    counts = {a: 0 for a in Alert}
    for key, title, statuses in COLUMNS:
        cards: list[Card] = []
        total = 0
        for status in statuses:
            for p in await all_projects(v, status=status.value):
                if status is PS.DRAFT:
                    card = Card(p, clock_of(p, now), None)
                else:
                    # the project read by id carries the stored colour and its assignments
                    detail = await scoped.get_project(v.db, v.me, p.id)
                    card = Card(detail.project, clock_of(detail.project, now), await holder_of(detail, units))
                counts[card.clock.level] += 1
                if wanted_alert is not None and card.clock.level is not wanted_alert:
                    continue
                total += 1
                cards.append(card)
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        cards.sort(key=lambda c: (ALERT_ORDER[c.clock.level], c.clock.deadline or far, c.p.id))
        columns.append({"key": key, "title": title, "cards": cards[:PER_COLUMN], "total": total})
    return {"columns": columns, "counts": [(a, ALERT_SHORT[a], counts[a]) for a in
                                           (Alert.RED, Alert.YELLOW, Alert.BLUE, Alert.NONE)],
            "wanted": wanted_alert, "categories": await names.category_names(v), "per_column": PER_COLUMN}
