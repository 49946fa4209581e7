"""What one measuring process does: a method on one instance, the stability run, the suggestions.

Each task runs in a fresh process (``runner.Runner``) that loads the raw columns from disk;
a method is timed from ``make_problem_arrays`` to the plan.
"""

from __future__ import annotations

import resource
import time

import numpy as np

from .exact import run_cpsat, run_lp
from .metrics import plan_metrics
from .peers import SkipMethod, run_fcfs, run_greedy, run_lsa, run_ours

PEERS = ("ours", "fcfs", "greedy", "lsa", "cpsat", "lp")
METHODS = {"ours": run_ours, "fcfs": run_fcfs, "greedy": run_greedy, "lsa": run_lsa,
           "cpsat": run_cpsat, "lp": run_lp}


def _rss_now() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def child(task: dict, conn) -> None:
    try:
        conn.send(run_task(task))
    except SkipMethod as e:
        conn.send({"skipped": str(e)})
    except Exception as e:  # reported in the table, never swallowed silently
        import traceback

        conn.send({"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-2000:]})
    finally:
        conn.close()


def run_task(task: dict) -> dict:
    from city import load_raw

    from matching import Params, make_problem_arrays

    kind = task["kind"]
    params = Params()
    if kind == "method":
        raw = load_raw(task["path"])
        base = _rss_now()
        t0 = time.perf_counter()
        a = make_problem_arrays(**raw)
        p, r, info = METHODS[task["method"]](a, params, task["seed"], task["limits"])
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        out = {"seconds": seconds, "peak_rss": peak, "rss_before": base, "info": info}
        if p is not None:
            out.update(plan_metrics(a, params, p, r))
        return out
    if kind == "stability":
        return _stability(task, params)
    if kind == "suggest":
        return _suggest(task, params)
    raise ValueError(kind)


def _stability(task: dict, params) -> dict:
    """Solve, change 1 % of the projects, solve again with the first plan as ``previous``:
    the share of surviving projects whose units changed. Also without ``previous``, to show
    what the stability term buys."""
    from city import build_city, perturb

    from matching import solve_arrays

    city = build_city(task["n"], seed=task["seed"])
    first = solve_arrays(city.arrays(), params, seed=task["seed"])
    new, old_to_new = perturb(city, seed=task["seed"] + 1, frac=task["frac"])
    q = old_to_new[first.p]
    ok = q >= 0
    before = (q[ok], first.r[ok])
    out = {"frac": task["frac"], "projects_after": new.n_projects}
    for label, prev in (("with_previous", before), ("without_previous", None)):
        t0 = time.perf_counter()
        second = solve_arrays(new.arrays(previous=prev), params, seed=task["seed"])
        secs = time.perf_counter() - t0
        survivors = old_to_new[old_to_new >= 0]
        Rn = len(new.raw["r_unit"])
        k_before = np.sort(before[0] * Rn + before[1])
        in_new = np.isin(second.p, survivors)
        k_after = np.sort(second.p[in_new] * Rn + second.r[in_new])
        # projects whose set of resources differs, over projects assigned in either plan
        diff = np.setxor1d(k_before, k_after) // Rn
        touched = np.union1d(k_before // Rn, k_after // Rn)
        changed = len(np.unique(diff))
        out[label] = {"changed": int(changed), "assigned": int(len(touched)),
                      "changed_pct": 100.0 * changed / max(1, len(touched)), "seconds": secs}
    return out


def _suggest(task: dict, params) -> dict:
    from city import build_city

    from matching import SuggestionIndex

    a = build_city(task["n"], seed=task["seed"]).arrays()
    t0 = time.perf_counter()
    idx = SuggestionIndex(a, params)
    build = time.perf_counter() - t0
    rng = np.random.default_rng(task["seed"])
    nq = task["queries"]
    qp = rng.integers(0, a.n_projects, nq // 2)
    qr = rng.integers(0, a.n_resources, nq - nq // 2)
    for i in range(20):  # warm caches and lazy paths
        idx.resources_for_project(int(qp[i % len(qp)]))
        idx.projects_for_resource(int(qr[i % len(qr)]))
    # wall time, and this thread's CPU time: on a shared machine a query preempted by another
    # process shows up only in the first, so the two tails tell load from code
    tp, tr = np.empty(len(qp)), np.empty(len(qr))
    cpu = np.empty(len(qp) + len(qr))
    for i, q in enumerate(qp.tolist()):
        c, t = time.thread_time_ns(), time.perf_counter_ns()
        idx.resources_for_project(q, 10)
        tp[i], cpu[i] = time.perf_counter_ns() - t, time.thread_time_ns() - c
    for i, q in enumerate(qr.tolist()):
        c, t = time.thread_time_ns(), time.perf_counter_ns()
        idx.projects_for_resource(q, 10)
        tr[i], cpu[len(qp) + i] = time.perf_counter_ns() - t, time.thread_time_ns() - c
    allq = np.r_[tp, tr] / 1e6
    tp, tr = tp / 1e6, tr / 1e6
    return {"index_seconds": build, "queries": nq,
            "project_p50_ms": float(np.percentile(tp, 50)), "project_p99_ms": float(np.percentile(tp, 99)),
            "resource_p50_ms": float(np.percentile(tr, 50)), "resource_p99_ms": float(np.percentile(tr, 99)),
            "p50_ms": float(np.percentile(allq, 50)), "p99_ms": float(np.percentile(allq, 99)),
            "cpu_p50_ms": float(np.percentile(cpu, 50)) / 1e6,
            "cpu_p99_ms": float(np.percentile(cpu, 99)) / 1e6}
