"""The engine against its peers on seeded city instances: a program, not a timed test.

The command line of ``benchmarks/engine_bench.py``: the options, the runs, the report, the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from .report import print_report, targets
from .runner import Runner, measure_instance
from .sizes import fmt_size, parse_size
from .tasks import PEERS


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1k,10k", help="projects per instance, e.g. 1k,10k,100k,1M")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, every peer, a few seconds")
    ap.add_argument("--json", metavar="PATH", help="also write JSON here ('-' = stdout)")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma list of " + ",".join(PEERS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--extras-size", help="size for the k=2, stability and suggestion rows "
                    "(default: 100k if measured, else the largest size)")
    ap.add_argument("--no-extras", action="store_true")
    ap.add_argument("--lsa-max", type=parse_size, default=parse_size("10k"))
    ap.add_argument("--lsa-dense-cells", type=int, default=20_000_000)
    ap.add_argument("--cpsat-max", type=parse_size, default=parse_size("10k"))
    ap.add_argument("--cpsat-seconds", type=float, default=30.0)
    # CP-SAT's full portfolio proves these optima far sooner than 2 workers, even on 2 cores
    ap.add_argument("--cpsat-workers", type=int, default=8)
    ap.add_argument("--lp-max", type=parse_size, default=parse_size("10k"))
    ap.add_argument("--loop-max", type=parse_size, default=parse_size("1M"))
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per measuring process")
    return ap


def measure(args, sizes: list[int], log) -> tuple[list[dict], dict]:
    """Every size with every peer (k = 1), then the extra rows at one size: k = 2, stability,
    suggestions."""
    runner = Runner(args.timeout)
    results, extras = [], {}
    with tempfile.TemporaryDirectory(prefix="sandan-bench-") as tmp:
        for n in sizes:
            results.append(measure_instance(runner, args, n, 1, tmp, log))
        if not args.no_extras and sizes:
            en = parse_size(args.extras_size) if args.extras_size else (
                100_000 if 100_000 in sizes else max(sizes))
            k2 = measure_instance(runner, args, en, 2, tmp, log)
            extras["k2"] = k2
            st = runner.run({"kind": "stability", "n": en, "seed": args.seed, "frac": 0.01})
            st["n"] = en
            extras["stability"] = st
            log(f"  stability at {fmt_size(en)}: {st}")
            sg = runner.run({"kind": "suggest", "n": en, "seed": args.seed, "queries": args.queries})
            sg["n"] = en
            extras["suggest"] = sg
            log(f"  suggestions at {fmt_size(en)}: {sg}")
    return results, extras


def main(argv=None) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    if args.smoke:
        args.sizes = "300,1k"
        args.extras_size = args.extras_size or "300"
        args.cpsat_seconds = min(args.cpsat_seconds, 2.0)
        args.queries = min(args.queries, 400)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    args.peers = [m.strip() for m in args.peers.split(",") if m.strip()]
    unknown = set(args.peers) - set(PEERS)
    if unknown:
        ap.error(f"unknown peers {sorted(unknown)}; choose from {','.join(PEERS)}")
    json_to_stdout = args.json == "-"
    # with JSON on stdout the human-readable report goes to stderr
    stream = sys.stderr if json_to_stdout else sys.stdout

    def out(s=""):
        print(s, file=stream, flush=True)

    def log(s):
        print(s, file=sys.stderr, flush=True)

    started = time.perf_counter()
    load_before = os.getloadavg()
    results, extras = measure(args, sizes, log)
    load_after = os.getloadavg()
    import scipy

    machine = {"cpus": os.cpu_count(), "load_before": load_before, "load_after": load_after,
               "python": platform.python_version(), "numpy": np.__version__,
               "scipy": scipy.__version__, "ortools": version("ortools"),
               "platform": platform.platform()}
    tg = targets(results, extras)
    print_report(args.seed, machine, results, extras, tg, out)
    total = time.perf_counter() - started
    out(f"\nwall time {total:.1f} s")
    errors = [m for r in results + ([extras["k2"]] if "k2" in extras else [])
              for m, row in r["methods"].items() if "error" in row or row.get("valid") is False]
    doc = {"command": " ".join([Path(sys.argv[0]).name] + (argv if argv is not None else sys.argv[1:])),
           "seed": args.seed, "machine": machine, "results": results, "extras": extras,
           "targets": tg, "wall_seconds": total}
    if args.json:
        text = json.dumps(doc, indent=1, ensure_ascii=False, default=float)
        if json_to_stdout:
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    if errors:
        out(f"errors or invalid plans: {errors}")
        return 1
    return 0
