"""The benchmark programs run end to end at smoke size and report every method they promise.

Timings are printed by the programs, never asserted here.
"""

import json
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
    proc = _run("benchmarks/gap_bench.py", "--smoke", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    assert rows, "the GAP benchmark wrote no rows"
    for row in rows:  # the smoke instances are small enough to be solved to their optimum
        assert row["ours"] == row["best_known"], row["instance"]
