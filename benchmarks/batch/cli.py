"""The batch job end to end on a real database, with the web service answering reads meanwhile.

The command line of ``benchmarks/batch_bench.py``, and the entry of its child processes
(``--child peers|run|expiry|reader ...``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from .common import TARGET_P99_MS, TARGET_SECONDS, parse_size
from .databases import admin_dsn
from .demo import demo_comparison
from .measure import measure_size
from .peers import child_peers
from .reader import child_reader
from .report import print_report
from .run import child_expiry, child_run


def run_child(child: list[str]) -> None:
    """One measured part in this process (``--child KIND ARGS``); its figures as one JSON line."""
    kind, rest = child[0], child[1:]
    if kind == "peers":
        print(json.dumps(asyncio.run(child_peers(rest[0], int(rest[1]), int(rest[2])))))
    elif kind == "run":
        print(json.dumps(asyncio.run(child_run(rest[0], int(rest[1]), rest[2], int(rest[3]),
                                               rest[4] if len(rest) > 4 else "-"))))
    elif kind == "expiry":
        print(json.dumps(asyncio.run(child_expiry(rest[0]))))
    elif kind == "reader":
        asyncio.run(child_reader(rest[0], float(rest[1]), int(rest[2]), int(rest[3]), rest[4], rest[5],
                                 int(rest[6]), int(rest[7]), rest[8]))


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="smoke", help="comma list of smoke, 1k, 10k, 100k (or a number)")
    ap.add_argument("--json", metavar="PATH", help="also write JSON here ('-' = stdout)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--writer", choices=("bulk", "row"), default="bulk",
                    help="the writer the real run uses: set-based (catalog.batch.bulk) or one by one")
    ap.add_argument("--nice", type=int, default=None,
                    help="the run's CPU priority drop, as `sandan batch --nice` (default: the command's, 10)")
    ap.add_argument("--row-max", type=int, default=5000,
                    help="the one-by-one writer's comparison writes at most this many proposals")
    ap.add_argument("--rps", type=float, default=20.0, help="reads per second during the run")
    ap.add_argument("--warmup-reads", type=int, default=40,
                    help="reads answered before the idle baseline starts (2 s at 20 per second)")
    ap.add_argument("--baseline-reads", type=int, default=100,
                    help="reads answered in the idle baseline before the run (5 s at 20 per second)")
    ap.add_argument("--no-demo", action="store_true", help="skip the demo county comparison")
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / f"sandan-bench-{os.getuid()}"),
                    help="the private embedded PostgreSQL's directory (unless SANDAN_DATABASE_URL is set)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per measuring process")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    return ap


def main(argv=None) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    if args.warmup_reads < 0 or args.baseline_reads < 1:
        ap.error("--warmup-reads must be at least 0 and --baseline-reads at least 1")
    if args.nice is None:
        from catalog.cli.batch import NICE

        args.nice = NICE

    if args.child:
        run_child(args.child)
        return 0

    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    json_to_stdout = args.json == "-"
    stream = sys.stderr if json_to_stdout else sys.stdout

    def out(s=""):
        print(s, file=stream, flush=True)

    def log(s):
        print(s, file=sys.stderr, flush=True)

    import logging

    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    load_before = os.getloadavg()
    admin = admin_dsn(Path(args.data_dir))
    results = []
    with tempfile.TemporaryDirectory(prefix="sandan-batch-bench-") as tmp:
        for n in sizes:
            results.append(measure_size(args, admin, n, Path(tmp), log))
    demo = None
    if not args.no_demo:
        try:
            demo = asyncio.run(demo_comparison(admin, args.seed))
        except Exception as exc:  # reported, and the exit code says so
            demo = {"error": f"{type(exc).__name__}: {exc}"}
        log("  demo county done")
    machine = {"cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg(),
               "python": platform.python_version(), "platform": platform.platform(),
               "database": "SANDAN_DATABASE_URL" if os.environ.get("SANDAN_DATABASE_URL")
               else f"embedded PostgreSQL in {args.data_dir}"}
    doc = {"command": " ".join([Path(sys.argv[0]).name] + (argv if argv is not None else sys.argv[1:])),
           "seed": args.seed, "writer": args.writer, "machine": machine, "results": results, "demo": demo,
           "targets": {"seconds": TARGET_SECONDS, "p99_ms": TARGET_P99_MS},
           "wall_seconds": time.perf_counter() - started}
    print_report(doc, out)
    out(f"\nwall time {doc['wall_seconds']:.1f} s")
    if args.json:
        text = json.dumps(doc, indent=1, ensure_ascii=False, default=float)
        if json_to_stdout:
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    failed = [r["size"] for r in results for part in ("run", "peers") if "error" in r.get(part, {"error": 1})]
    if failed or (demo and "error" in demo):
        out(f"errors: sizes {failed}" + (f", demo: {demo['error']}" if demo and "error" in demo else ""))
        return 1
    return 0
