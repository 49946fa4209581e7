"""成员单位 · 信用: the unit's credit score, grade, its three rates and the ledger behind them."""

from __future__ import annotations

from catalog import scoped
from catalog.enums import Role
from catalog.models import ListQuery

from ..kit import View, page

UNIT = (Role.UNIT,)


@page("/unit/credit", roles=UNIT, template="unit/credit.html", nav="信用", order=60)
async def credit(v: View) -> dict:
    f = v.query(ListQuery)
    ledger = await scoped.credit_ledger(v.db, v.me, v.me.unit_id or 0, f)
    return {"ledger": ledger, "s": ledger.score}
