"""Unit credit (信用): an append-only ledger and a formula over it.

The score is a pure function of the ledger's counts, so anyone can recompute it from the rows:

* 响应率 R = (in time + ½·late + 2·0.9) / (in time + late + expired + 2)
* 办结率 S = (on time + ½·late finish + 2·0.9) / (finished + returned + 2)
* 满意率 T = (Σ (rating − 1)/4 + 2·0.8) / (ratings + 2)
* score = 100 · (0.3·R + 0.3·S + 0.4·T) − 2 · overdue, clamped to 0..100
* grade: 优秀 ≥ 90, 良好 ≥ 80, 一般 ≥ 60, 较差 below.

The "+2" terms are a prior worth two average events: a new unit starts near 86 (良好) rather than
at 100 or 0, and one bad rating does not sink a unit with no history. Declining with a reason is
recorded but costs nothing: saying no honestly is better than letting an offer expire.

A helper unit (协办, catalog.lists.team) is credited with the same kinds as a lead, for its own part:
its answer to a helper proposal is in time or late against the same 签收 limit, an unanswered one
is ``offer_expired``, giving the role back is ``returned``, and finishing with the lead is
``finished`` with the lead's on time or late. The resident's rating goes to the lead alone. A
helper whose role ends because the lead's did (declined, expired, withdrawn, returned, 撤单) gets
nothing either way: it neither answered wrongly nor left the work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import asyncpg

from catalog.enums import CreditKind, Grade
from catalog.models import CreditScore
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

PRIOR = 2.0
PRIOR_RESPONSE = 0.9
PRIOR_SOLVE = 0.9
PRIOR_SATISFACTION = 0.8
WEIGHTS = (0.3, 0.3, 0.4)
OVERDUE_PENALTY = 2.0
GRADE_FLOORS = ((90.0, Grade.EXCELLENT), (80.0, Grade.GOOD), (60.0, Grade.FAIR))


async def append(conn: asyncpg.Connection, unit_id: int, project_id: int | None, kind: CreditKind,
                 value: int | None = None) -> None:
    await conn.execute(q("credit_append"), unit_id, project_id, kind.value, value)


def grade_of(score: float) -> Grade:
    for floor, grade in GRADE_FLOORS:
        if score >= floor:
            return grade
    return Grade.POOR


def score_from_tally(unit_id: int, counts: Mapping[str, int], rating_sum: int = 0) -> CreditScore:
    """The documented formula; ``counts`` maps ledger kinds to how often they occur."""
    c = defaultdict(int, counts)
    K = CreditKind
    answered = c[K.ANSWERED_IN_TIME] + c[K.ANSWERED_LATE] + c[K.OFFER_EXPIRED]
    r = (c[K.ANSWERED_IN_TIME] + 0.5 * c[K.ANSWERED_LATE] + PRIOR * PRIOR_RESPONSE) / (answered + PRIOR)
    ended = c[K.FINISHED] + c[K.RETURNED]
    s = (c[K.FINISHED_ON_TIME] + 0.5 * c[K.FINISHED_LATE] + PRIOR * PRIOR_SOLVE) / (ended + PRIOR)
    n_rated = c[K.RATING]
    t = ((rating_sum - n_rated) / 4.0 + PRIOR * PRIOR_SATISFACTION) / (n_rated + PRIOR)
    wr, ws, wt = WEIGHTS
    score = 100.0 * (wr * r + ws * s + wt * t) - OVERDUE_PENALTY * c[K.OVERDUE]
    score = round(min(100.0, max(0.0, score)), 2)
    return CreditScore(
        unit_id=unit_id,
        score=score,
        grade=grade_of(score),
        response_rate=(c[K.ANSWERED_IN_TIME] / answered) if answered else None,
        solve_rate=(c[K.FINISHED] / ended) if ended else None,
        satisfaction=((rating_sum - n_rated) / (4.0 * n_rated)) if n_rated else None,
        events=sum(c.values()),
    )


async def scores(db: Db, unit_ids: list[int] | None = None) -> dict[int, CreditScore]:
    """Scores recomputed from the ledger for the given units (all units with events if None)."""
    async with connection(db) as conn:
        rows = await conn.fetch(q("credit_tally"), unit_ids)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    sums: dict[int, int] = defaultdict(int)
    for r in rows:
        counts[r["unit_id"]][r["kind"]] = r["n"]
        if r["kind"] == CreditKind.RATING:
            sums[r["unit_id"]] = int(r["value_sum"])
    wanted = unit_ids if unit_ids is not None else sorted(counts)
    return {u: score_from_tally(u, counts.get(u, {}), sums.get(u, 0)) for u in wanted}


async def score(db: Db, unit_id: int) -> CreditScore:
    return (await scores(db, [unit_id]))[unit_id]
