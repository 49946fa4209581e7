"""What is measured about a plan: validity, objective, projects served, the spread of load."""

from __future__ import annotations

import numpy as np

from .peers import candidates


def gini(x: np.ndarray) -> float:
    x = np.sort(np.asarray(x, float))
    if len(x) == 0 or x.sum() == 0:
        return 0.0
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def plan_metrics(a, params, p, r) -> dict:
    from matching import validate_arrays
    from matching.rules import unit_nominal

    v = validate_arrays(a, p, r, params)
    P = a.n_projects
    cnt = np.bincount(p, minlength=P)
    served = cnt >= a.p_k
    w = 1.0 + a.p_priority
    urgent = a.p_priority >= params.max_priority
    c = candidates(a, params)
    reachable = np.zeros(a.n_units, bool)
    reachable[a.r_unit[c.r]] = True
    ratio = np.bincount(a.r_unit[r], minlength=a.n_units) / unit_nominal(a, params)
    ratio = ratio[reachable]
    return {
        "valid": bool(v.ok), "violations": len(v.violations),
        "violation_rules": sorted({str(x.rule.value) for x in v.violations})[:5],
        "objective": int(v.objective_scaled), "assignments": len(p),
        "served": int(served.sum()), "served_pct": 100.0 * served.mean(),
        "priority_served_pct": 100.0 * float(w[served].sum() / w.sum()),
        "urgent": int(urgent.sum()), "urgent_served": int((served & urgent).sum()),
        "urgent_served_pct": 100.0 * float((served & urgent).sum() / max(1, urgent.sum())),
        "load_gini": gini(ratio),
        "load_cv": float(ratio.std() / ratio.mean()) if ratio.mean() > 0 else 0.0,
    }
