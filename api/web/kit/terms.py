"""A score with every term it is made of, so that a reader can add it up.

The engine's terms have more decimals than a page shows; rounded one by one they may miss the
rounded total by a tenth. The terms shown are rounded together instead (largest remainder), so
that they always add up to the total shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def shown_terms(terms: Iterable[Any], total: float, digits: int = 1) -> list[tuple[str, str, str]]:
    """``(sign, label, amount)`` of each term worth showing, in order: the amounts, read with
    their signs, add up to ``total`` rounded to ``digits`` decimals. A term that rounds to nothing
    is left out; ``terms`` are records with ``label`` and ``points``."""
    scale = 10**digits
    items = [(t.label, t.points * scale) for t in terms if t.points]
    units = [math.floor(v) for _, v in items]
    # the total as the page prints it ("%.1f"), which rounds the binary value, not half to even
    missing = round(float(f"{total:.{digits}f}") * scale) - sum(units)
    # the tenths that rounding each term down lost go to the terms that lost most (or, when the
    # terms overshoot, come off those that lost least)
    order = sorted(range(len(items)), key=lambda i: units[i] - items[i][1], reverse=missing < 0)
    for k in range(abs(missing)) if items else ():
        units[order[k % len(order)]] += 1 if missing > 0 else -1
    out = []
    for (label, _), u in zip(items, units, strict=True):
        if u:
            out.append(("−" if u < 0 else "+", label, f"{abs(u) / scale:.{digits}f}"))
    return out
