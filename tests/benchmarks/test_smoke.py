"""The benchmark programs run end to end at smoke size and report every method they promise.

Timings are printed by the programs, never asserted here.
"""

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_engine_benchmark_smoke(tmp_path):
    out = tmp_path / "engine.json"
    proc = _run("benchmarks/engine_bench.py", "--smoke", "--json", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    text = json.dumps(report)
    for method in ("ours", "fcfs", "greedy"):
        assert method in text, f"{method} missing from the engine benchmark report"
    assert "ours" in proc.stdout  # the table people read


def test_gap_benchmark_smoke(tmp_path):
    out = tmp_path / "gap.json"
    # on the solver's deterministic budgets alone, so that a busy machine still reaches the optima
    proc = _run("benchmarks/gap_bench.py", "--smoke", "--no-wall-guard", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    rows = report["rows"]
    assert rows, "the GAP benchmark wrote no rows"
    for row in rows:  # the smoke instances are small enough to be solved to their optimum
        assert row["ours"] == row["best_known"], row["instance"]
    assert report["targets"] == [{"target": "Cattrysse gap1-gap12 at their optimum",
                                  "measured": f"{len(rows)} of {len(rows)} runs at the optimum",
                                  "verdict": "met"}]
    assert "| Cattrysse gap1-gap12 at their optimum |" in proc.stdout


def _gap_bench():
    spec = importlib.util.spec_from_file_location("gap_bench", ROOT / "benchmarks" / "gap_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(name, seed, ours, best, seconds):
    return {"instance": name, "seed": seed, "ours": ours, "best_known": best,
            "ours_gap_pct": 100.0 * (ours - best) / best if math.isfinite(ours) else math.nan,
            "ours_time": seconds}


def test_gap_targets_say_by_how_much_a_target_is_missed():
    bench = _gap_bench()
    rows = [
        _row("cattrysse1994/gap1-0", 0, 261, 261, 0.1),
        _row("cattrysse1994/gap9-1", 0, 456, 455, 0.2),
        _row("chu1997/d20100", 0, 6208, 6185, 9.4),   # 0.372 %: met
        _row("chu1997/d20100", 3, 6220, 6185, 9.6),   # 0.566 %: 0.066 points over
        _row("chu1997/c05100", 0, 1931, 1931, 10.5),  # at the optimum, but 0.5 s late
        _row("chu1997/d05100", 0, math.nan, 6353, 10.0),  # no plan at all
    ]
    cattrysse, chu = bench.targets(rows, 10.0)
    assert cattrysse["measured"] == "1 of 2 runs at the optimum"
    assert cattrysse["verdict"] == "missed on gap9-1 seed 0 (+0.220 %)"
    assert chu["measured"] == ("1 of 4 runs met both; worst gap 0.566 % (d20100 seed 3); "
                               "slowest 10.50 s")
    assert chu["verdict"] == ("no plan on d05100 seed 0; gap over by 0.066 points on d20100 "
                              "seed 3; time over by 0.50 s on c05100 seed 0")

    met = bench.targets([_row("chu1997/d20100", 0, 6208, 6185, 9.4)], 10.0)
    assert [t["verdict"] for t in met] == ["met"]
    short = bench.targets([_row("chu1997/d20100", 0, 6208, 6185, 1.9)], 2.0)
    assert short[0]["verdict"] == "met (run with a 2 s limit; the target is at 10 s)"
