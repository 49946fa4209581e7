"""What the engine suggests to one member unit, and why it proposed what it did.

* :func:`projects_for_unit`: the open projects a unit may claim (认领), ranked by the engine's
  pair score against the unit's published resources with room left. Every hard rule of the
  engine applies (category, area, dates, capacity, a project the unit declined), so a project
  that is not listed is one the batch job would not give this unit either. This is a handful of
  candidates scored on a click (:class:`matching.SuggestionIndex`), never a solve.
* :func:`explanations` and :func:`explanation`: the score and its terms the batch job stored with
  each proposal.

Who may ask is checked by :mod:`catalog.scoped`, which calls these for one unit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

import matching
from catalog.batch import engine_input
from catalog.batch.engine_input import PARAMS
from catalog.enums import Urgency
from catalog.errors import NotFound
from catalog.models.batch import Explanation, ProjectSuggestion, Term, UnitSuggestions
from catalog.oversight import credit
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection
from matching.rules import PAIR_TERMS, RuleTables

# More open projects than this are not ranked on a click (the oldest come first).
MAX_PROJECTS = 5000


def _terms(values: dict[str, float]) -> list[Term]:
    return [Term(code=c, label=matching.TERM_LABELS.get(c, c), points=round(float(values.get(c, 0.0)), 2))
            for c in matching.TERMS if c in values]


async def projects_for_unit(db: Db, unit_id: int, *, limit: int = 30,
                            now: dt.datetime | None = None) -> UnitSuggestions:
    """The best open projects for a unit, best first, at most ``limit``."""
    now = now or dt.datetime.now(dt.UTC)
    today = now.date()
    async with connection(db) as conn:
        prows = await conn.fetch(q("desk_claimable_projects"), now, MAX_PROJECTS)
        rrows = await conn.fetch(q("desk_unit_open_resources"), unit_id, today)
        declined = {r["project_id"] for r in await conn.fetch(q("desk_unit_declined_projects"), unit_id)}
        score = (await credit.scores(conn, [unit_id]))[unit_id].score

    # a suspended unit takes no new work; a resource without room left is left out
    active = [r for r in rrows if r["unit_status"] == "active"]
    resources, kept = engine_input.resource_columns(active, today=today, credit={unit_id: score})
    by_rid = {r["id"]: r for r in kept}

    out = UnitSuggestions(unit_id=unit_id, items=[], open_projects=len(prows), resources=len(kept), note=None)
    if not rrows:
        return out.model_copy(update={"note": "本单位还没有已发布的资源：发布资源并通过审核后，系统才能推荐项目。"})
    if not kept:
        return out.model_copy(update={"note": "本单位的资源已无余量（或已达承接上限），暂不推荐新项目。"})

    # a project the unit declined is not suggested to it; one without a point cannot be placed
    projects, placed, _ = engine_input.project_columns([r for r in prows if r["id"] not in declined],
                                                       now=now, today=today)
    by_pid = {r["id"]: r for r in placed}
    if not placed:
        return out.model_copy(update={"note": "目前没有开放认领的项目。"})

    arrays = matching.build_problem(projects, resources)
    index = matching.SuggestionIndex(arrays, PARAMS)
    best: dict[int, tuple[float, int]] = {}  # project index -> (score, resource index)
    for r in range(len(kept)):
        for s in index.projects_for_resource(r, k=len(placed)):
            if s.index not in best or s.score > best[s.index][0]:
                best[s.index] = (s.score, r)
    if not best:
        return out.model_copy(update={"note": "本单位资源的类别、技能、服务范围或时间与目前开放认领的项目都不相符。"})
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    p_idx = np.array([i for i, _ in ranked], dtype=np.int64)
    r_idx = np.array([r for _, (_, r) in ranked], dtype=np.int64)
    terms = matching.evaluate(arrays, PARAMS, p_idx, r_idx).terms / PARAMS.scale
    dist = RuleTables(arrays).distance(p_idx, r_idx)
    for row, (pi, (total, ri)) in enumerate(ranked):
        prow = by_pid[int(arrays.project_ids[pi])]
        rrow = by_rid[int(arrays.resource_ids[ri])]
        d = float(dist[row])
        out.items.append(ProjectSuggestion(
            project_id=prow["id"], number=prow["number"], title=prow["title"],
            community_code=prow["community_code"], category_code=prow["subcategory"],
            urgency=Urgency(prow["urgency"]), estimated_hours=prow["estimated_hours"],
            published_at=prow["published_at"], claim_deadline=prow["claim_deadline"],
            score=round(total, 2), resource_id=rrow["id"], resource_title=rrow["title"],
            distance_km=None if np.isnan(d) else round(d, 2),
            terms=_terms(dict(zip(PAIR_TERMS, terms[row].tolist(), strict=True))),
        ))
    return out


async def explanations(db: Db, unit_id: int, assignment_ids: list[int]) -> dict[int, Explanation]:
    """The batch job's explanation of each of the unit's proposals that has one."""
    if not assignment_ids:
        return {}
    async with connection(db) as conn:
        rows = await conn.fetch(q("desk_proposal_explanations"), assignment_ids, unit_id)
    return {r["assignment_id"]: Explanation(assignment_id=r["assignment_id"], run_id=r["run_id"],
                                            score=round(r["score"], 2), terms=_terms(r["breakdown"] or {}))
            for r in rows}


async def explanation(db: Db, unit_id: int, assignment_id: int) -> Explanation:
    """The batch job's explanation of one proposal made to the unit.

    Another unit's assignment is answered as if it did not exist; the unit's own claim or a
    secretary's 定向派单 has no explanation (the optimiser did not make it). The runner-up
    units stay in the run record (``/batch-runs``), which administrators and secretaries read.
    """
    async with connection(db) as conn:
        held = await conn.fetchrow(q("assignment_get_scoped"), assignment_id)
        if held is None or held["unit_id"] != unit_id:
            raise NotFound("认领/派单不存在", code="assignment_not_found", details={"id": assignment_id})
        rows = await conn.fetch(q("desk_proposal_explanations"), [assignment_id], unit_id)
    if not rows:
        raise NotFound("这条派单不是批量优化派单，没有推荐理由", code="explanation_not_found",
                       details={"id": assignment_id})
    r = rows[0]
    return Explanation(assignment_id=r["assignment_id"], run_id=r["run_id"], score=round(r["score"], 2),
                       terms=_terms(r["breakdown"] or {}))
