"""Benchmark the hours-budget (GAP) solver on the OR-Library sets, against plain CP-SAT.

Both solvers get the same model, time limit, seed and workers in the same run, so machine load
affects them alike. Values are in the instances' minimisation form (total cost).

    python benchmarks/gap_bench.py                       # Cattrysse + Chu-Beasley, 10 s each
    python benchmarks/gap_bench.py --sets chu --json     # JSON to stdout
    python benchmarks/gap_bench.py --smoke               # 3 tiny instances, a few seconds (CI)
    python benchmarks/gap_bench.py --sets chu --only d --seeds 0 1 2 --no-peer   # seed spread

The run ends with the targets (Cattrysse at the optimum; Chu-Beasley within 0.5 % in <= 10 s
at every run) and, for each one missed, which runs missed it and by how much.

Column *guard* says whether a wall-clock guard cut one of our phases short of its deterministic
budget (a slow or loaded machine); only then may a rerun with the same seed give another plan.
``--no-wall-guard`` runs ours on those budgets alone, so that its values are the same on any
machine however loaded (its times may then pass the limit).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from ortools.sat.python import cp_model

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from orlib import orlib_pairs, read_orlib  # noqa: E402

from matching.gap import solve_gap  # noqa: E402

SETS = {"cattrysse": "cattrysse1994", "chu": "chu1997"}
SMOKE = ["cattrysse1994/gap1-0", "cattrysse1994/gap4-2", "cattrysse1994/gap8-3"]


def plain_cpsat(cost, weight, capacity, time_limit, seed, workers):
    """The peer: the textbook CP-SAT model with default search, nothing added."""
    m, n = cost.shape
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{j}") for j in range(n)] for i in range(m)]
    for j in range(n):
        model.add_exactly_one(x[i][j] for i in range(m))
    for i in range(m):
        model.add(cp_model.LinearExpr.weighted_sum(x[i], weight[i].tolist()) <= int(capacity[i]))
    model.minimize(cp_model.LinearExpr.weighted_sum(
        [v for row in x for v in row], cost.ravel().tolist()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    t0 = time.perf_counter()
    status = solver.solve(model)
    elapsed = time.perf_counter() - t0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.objective_value, solver.best_objective_bound, elapsed, solver.status_name(status)
    return math.nan, math.nan, elapsed, solver.status_name(status)


def greedy(cost, weight, capacity):
    """Regret greedy: the jobs with the most to lose go first, each to its cheapest fit."""
    m, n = cost.shape
    left = capacity.astype(np.int64).copy()
    free = list(range(n))
    total = 0
    while free:
        best = None
        for j in free:
            fits = np.nonzero(weight[:, j] <= left)[0]
            if fits.size == 0:
                return math.nan
            c = np.sort(cost[fits, j])
            regret = c[1] - c[0] if c.size > 1 else math.inf
            if best is None or regret > best[0]:
                best = (regret, j, int(fits[np.argmin(cost[fits, j])]))
        _, j, i = best
        left[i] -= weight[i, j]
        total += int(cost[i, j])
        free.remove(j)
    return float(total)


def gap_pct(value, reference):
    if not math.isfinite(value) or not reference:
        return math.nan
    return 100.0 * (value - reference) / abs(reference)


def run(args) -> dict:
    data = Path(args.data).resolve()
    with open(data / "optima.csv", newline="") as fh:
        known = {r["Path"]: r for r in csv.DictReader(fh)}
    if args.smoke:
        names = SMOKE
    else:
        names = [f"{SETS[s]}/{p.name}" for s in args.sets for p in sorted((data / SETS[s]).iterdir())]
    if args.only:
        names = [n for n in names if any(o in n for o in args.only)]
    rows = []
    load_before = _load()
    seeds = args.seeds if args.seeds else [args.seed]
    for name, seed in ((n, s) for n in names for s in seeds):
        cost, weight, capacity = read_orlib(data / name)
        ref = known.get(name, {})
        best = float(ref.get("Best known solution value") or math.nan)
        proven = bool(ref.get("Optimum"))
        res = solve_gap(*orlib_pairs(cost, weight, capacity), must_assign=True,
                        time_limit=args.time_limit, seed=seed, workers=args.workers,
                        wall_guard=not args.no_wall_guard)
        ours = -res.objective if math.isfinite(res.objective) else math.nan
        row = {
            "instance": name, "seed": seed, "agents": int(cost.shape[0]),
            "jobs": int(cost.shape[1]),
            "best_known": best, "best_known_is_optimal": proven,
            "ours": ours, "ours_lower_bound": -res.bound if math.isfinite(res.bound) else math.nan,
            "ours_status": res.status, "ours_gap_pct": gap_pct(ours, best),
            "ours_time": round(res.wall_time, 3), "ours_bound_method": res.bound_method,
            "ours_primal_method": res.primal_method,
            "ours_wall_guard": bool(res.stats.get("wall_guard")),
        }
        if not args.no_peer:
            pv, pb, pt, ps = plain_cpsat(cost, weight, capacity, args.time_limit, seed,
                                         args.workers)
            row.update({"peer": pv, "peer_lower_bound": pb, "peer_status": ps,
                        "peer_gap_pct": gap_pct(pv, best), "peer_time": round(pt, 3)})
        if args.greedy:
            t0 = time.perf_counter()
            gv = greedy(cost, weight, capacity)
            row.update({"greedy": gv, "greedy_gap_pct": gap_pct(gv, best),
                        "greedy_time": round(time.perf_counter() - t0, 3)})
        rows.append(row)
        if not args.json:
            print_row(row, first=len(rows) == 1)
    summary = summarise(rows)
    # Ours stops on deterministic work and the peer on the clock, so machine load shows in our
    # times and the peer's values (and ours too past the wall-clock guard): the load average
    # belongs with every figure.
    summary["load_average_before_after"] = [load_before, _load()]
    tg = targets(rows, args.time_limit)
    if not args.json:
        print(json.dumps(summary, indent=1))
        if tg:
            print("\n| target | measured | verdict |\n|---|---|---|")
            for t in tg:
                print(f"| {t['target']} | {t['measured']} | {t['verdict']} |")
    return {
        "benchmark": "gap", "time_limit": args.time_limit, "seeds": seeds,
        "workers": args.workers, "python": platform.python_version(),
        "machine": platform.machine(), "cpus": _cpus(), "rows": rows, "summary": summary,
        "targets": tg,
    }


def _load():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # not available on every platform
        return None


def _cpus():
    try:
        import psutil

        return psutil.cpu_count(logical=True)
    except ImportError:  # psutil is a bench extra; the count is informative only
        import os

        return os.cpu_count()


def summarise(rows):
    out = {}
    for key in ("ours", "peer"):
        if rows and f"{key}_gap_pct" in rows[0]:
            gaps = [r[f"{key}_gap_pct"] for r in rows]
            ok = [g for g in gaps if math.isfinite(g)]
            out[key] = {
                "at_best_known": sum(1 for g in ok if abs(g) < 1e-9),
                "within_0_5_pct": sum(1 for g in ok if g <= 0.5 + 1e-9),
                "no_solution": len(gaps) - len(ok),
                "mean_gap_pct": round(float(np.mean(ok)), 4) if ok else math.nan,
                "max_gap_pct": round(float(np.max(ok)), 4) if ok else math.nan,
                "total_time": round(sum(r[f"{key}_time"] for r in rows), 2),
            }
            if key == "ours":
                out[key]["wall_guard_fired"] = sum(1 for r in rows if r["ours_wall_guard"])
    out["instances"] = len(rows)
    return out


# The targets this benchmark checks: Cattrysse at its optimum; Chu-Beasley within this gap
# in at most this many seconds, on every instance and at every seed measured.
CHU_GAP_PCT = 0.5
CHU_SECONDS = 10.0


def _listed(runs, key, fmt, limit=4):
    """The ``limit`` worst runs by ``key``, each as ``fmt`` puts it, then how many more."""
    runs = sorted(runs, key=key, reverse=True)
    text = ", ".join(fmt(r) for r in runs[:limit])
    return text + (f" and {len(runs) - limit} more" if len(runs) > limit else "")


def _gap_or_inf(row):
    g = row["ours_gap_pct"]
    return g if math.isfinite(g) else math.inf


def _run_name(row):
    return f"{row['instance'].split('/', 1)[-1]} seed {row['seed']}"


def targets(rows, time_limit):
    """One verdict per target the rows bear on, saying by how much a missed one is missed.

    A run counts against the Chu-Beasley target when its gap against the optimum (the best
    known solution where no optimum is proven) is over 0.5 % or it took over 10 s.
    """
    out = []
    runs = [r for r in rows if r["instance"].startswith(SETS["cattrysse"] + "/")]
    if runs:
        off = [r for r in runs if r["ours"] != r["best_known"]]
        verdict = "met" if not off else "missed on " + _listed(
            off, _gap_or_inf, lambda r: f"{_run_name(r)} " + (
                f"(+{r['ours_gap_pct']:.3f} %)" if math.isfinite(r["ours"]) else "(no plan)"))
        out.append({"target": "Cattrysse gap1-gap12 at their optimum",
                    "measured": f"{len(runs) - len(off)} of {len(runs)} runs at the optimum",
                    "verdict": verdict})
    runs = [r for r in rows if r["instance"].startswith(SETS["chu"] + "/")]
    if runs:
        slow = [r for r in runs if r["ours_time"] > CHU_SECONDS]
        solved = [r for r in runs if math.isfinite(r["ours_gap_pct"])]
        none = [r for r in runs if not math.isfinite(r["ours_gap_pct"])]
        wide = [r for r in solved if r["ours_gap_pct"] > CHU_GAP_PCT + 1e-9]
        missed = {id(r) for r in slow + none + wide}
        measured = f"{len(runs) - len(missed)} of {len(runs)} runs met both"
        if solved:
            worst = max(solved, key=_gap_or_inf)
            measured += f"; worst gap {worst['ours_gap_pct']:.3f} % ({_run_name(worst)})"
        measured += f"; slowest {max(r['ours_time'] for r in runs):.2f} s"
        misses = []
        if none:
            misses.append("no plan on " + _listed(none, lambda r: 0, _run_name))
        if wide:
            misses.append("gap over by " + _listed(wide, _gap_or_inf, lambda r: (
                f"{r['ours_gap_pct'] - CHU_GAP_PCT:.3f} points on {_run_name(r)}")))
        if slow:
            misses.append("time over by " + _listed(slow, lambda r: r["ours_time"], lambda r: (
                f"{r['ours_time'] - CHU_SECONDS:.2f} s on {_run_name(r)}")))
        verdict = "; ".join(misses) or "met"
        if time_limit != CHU_SECONDS:
            verdict += f" (run with a {time_limit:g} s limit; the target is at {CHU_SECONDS:g} s)"
        out.append({"target": f"Chu-Beasley a-d within {CHU_GAP_PCT} % of the optimum in "
                              f"<= {CHU_SECONDS:g} s each", "measured": measured,
                    "verdict": verdict})
    return out


def print_row(row, first):
    cols = [("instance", "instance", 22, "s"), ("seed", "seed", 4, "d"),
            ("best_known", "best", 8, ".0f"), ("ours", "ours", 8, ".0f"),
            ("ours_gap_pct", "gap %", 7, ".3f"), ("ours_time", "time", 6, ".2f"),
            ("ours_status", "status", 9, "s"), ("ours_wall_guard", "guard", 5, "s"),
            ("peer", "peer", 8, ".0f"), ("peer_gap_pct", "peer %", 7, ".3f"),
            ("peer_time", "p.time", 6, ".2f")]
    cols = [c for c in cols if c[0] in row]
    if first:
        print(" ".join(f"{label:>{w}}" for _, label, w, _ in cols))
    cells = {key: ("yes" if row[key] else "no") if isinstance(row[key], bool) else row[key]
             for key, _, _, _ in cols}
    print(" ".join(f"{cells[key]:>{w}{fmt}}" for key, _, w, fmt in cols), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO / "benchmarks" / "data" / "gap"),
                        help="the instances and their optima.csv (default: the ones shipped here)")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=["cattrysse", "chu"])
    parser.add_argument("--only", nargs="*", help="substrings of instance names to keep")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", help="several seeds, one row each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true", help="skip plain CP-SAT")
    parser.add_argument("--greedy", action="store_true", help="add the regret greedy")
    parser.add_argument("--smoke", action="store_true", help="3 tiny instances, 2 s each")
    parser.add_argument("--no-wall-guard", action="store_true",
                        help="ours on its deterministic budgets alone: the same values on a loaded "
                             "machine, its times no longer held to the limit")
    parser.add_argument("--json", action="store_true", help="print JSON only, to stdout")
    parser.add_argument("--out", help="also write the JSON to this file")
    args = parser.parse_args(argv)
    if args.smoke:
        args.time_limit = min(args.time_limit, 2.0)
    result = run(args)
    text = json.dumps(result, indent=1)
    if args.json:
        print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
