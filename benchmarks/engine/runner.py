"""The measuring processes, and one instance measured with every peer.

Every (size, method) runs in its own process forked from a server that has only imported the
libraries, so one method's peak memory never shows up in another's.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from typing import Any

from .report import brief
from .sizes import fmt_size
from .tasks import child


class Runner:
    def __init__(self, timeout: float):
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload([
            "numpy", "scipy.optimize", "scipy.sparse.csgraph", "scipy.spatial", "psutil",
            "ortools.sat.python.cp_model", "ortools.graph.python.min_cost_flow", "matching",
            "city",
        ])
        self.timeout = timeout

    def run(self, task: dict) -> dict:
        recv, send = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=child, args=(task, send))
        proc.start()
        send.close()
        if recv.poll(self.timeout):
            try:
                out = recv.recv()
            except EOFError:
                out = {"error": "the measuring process died (out of memory?)"}
        else:
            proc.kill()
            out = {"error": f"timed out after {self.timeout:.0f} s"}
        proc.join()
        if proc.exitcode not in (0, None) and "error" not in out and "skipped" not in out:
            out = {"error": f"exit code {proc.exitcode}"}
        return out


def skip_reason(method: str, n: int, k: int, args) -> str | None:
    if method == "lsa" and k > 1:
        return "assignment has no k > 1 form"
    if method == "lsa" and n > args.lsa_max:
        return f"slot matrix too large above {fmt_size(args.lsa_max)} projects (--lsa-max)"
    if method == "cpsat" and n > args.cpsat_max:
        return f"model too large above {fmt_size(args.cpsat_max)} projects (--cpsat-max)"
    if method == "lp" and n > args.lp_max:
        return f"LP too large above {fmt_size(args.lp_max)} projects (--lp-max); bound from the flow"
    if method in ("fcfs", "greedy") and n > args.loop_max:
        return f"Python loop too slow above {fmt_size(args.loop_max)} projects (--loop-max)"
    return None


def measure_instance(runner, args, n: int, k: int, tmp: str, log) -> dict:
    from city import build_city, save_raw

    city = build_city(n, seed=args.seed, k=k)
    path = os.path.join(tmp, f"city_{n}_{k}.npz")
    save_raw(city, path)
    inst = {"projects": n, "resources": len(city.raw["r_unit"]),
            "units": int(city.raw["r_unit"].max()) + 1, "communities": len(city.raw["communities"]),
            "streets": len(city.raw["streets"]), "k": k}
    del city
    limits = {"lsa_dense_cells": args.lsa_dense_cells, "cpsat_seconds": args.cpsat_seconds,
              "cpsat_workers": args.cpsat_workers}
    rows: dict[str, dict[str, Any]] = {}
    for method in args.peers:
        why = skip_reason(method, n, k, args)
        if why:
            rows[method] = {"skipped": why}
        else:
            rows[method] = runner.run({"kind": "method", "method": method, "path": path, "k": k,
                                       "seed": args.seed, "limits": limits})
        log(f"  {fmt_size(n)} k={k} {method}: " + brief(rows[method]))
    os.unlink(path)
    # the bound: the LP where it ran, else the engine's own (the flow optimum, for k = 1)
    lp = rows.get("lp", {})
    ours = rows.get("ours", {})
    # Both are proven upper bounds; the smaller is the tighter. For k = 1 they agree; for k > 1
    # the engine's priced bound (team-exact) is tighter than this LP, which lets a unit fill
    # a fraction of a team.
    found = []
    if "info" in lp:
        found.append((float(lp["info"]["lp_bound"]), "LP (HiGHS)"))
    if "info" in ours:
        found.append((float(ours["info"]["engine_bound"]), "engine (proven bound)"))
    bound, source = min(found) if found else (float("nan"), "none")
    for row in rows.values():
        if "objective" in row:
            row["objective_pct"] = 100.0 * row["objective"] / bound if bound else float("nan")
    return {"instance": inst, "bound": bound, "bound_source": source, "methods": rows}
