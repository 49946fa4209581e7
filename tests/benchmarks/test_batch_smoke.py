"""The batch benchmark runs end to end at smoke size and its report is complete and sane.

Timings are printed by the program, never asserted here.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("sweep", "snapshot", "solve", "write")


def test_batch_benchmark_smoke(tmp_path, embedded_data_dir):
    out = tmp_path / "batch.json"
    # its own private embedded server unless the suite runs on SANDAN_DATABASE_URL's, in a directory
    # the server's own user can reach when the suite runs as root
    # the idle baseline is counted in reads answered, so a slow machine cannot leave it empty
    args = ["benchmarks/batch_bench.py", "--sizes", "smoke", "--json", str(out), "--warmup-reads", "5",
            "--baseline-reads", "20", "--data-dir", str(embedded_data_dir)]
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    [res] = report["results"]

    run = res["run"]
    assert set(run["phases"]) >= set(PHASES), run["phases"]
    assert all(run["phases"][p] > 0 for p in PHASES)
    assert run["total"] >= sum(run["phases"][p] for p in PHASES)
    assert run["peak_rss"] > 0
    assert run["projects"] == res["city"]["projects"] == 300
    assert run["proposed"] > 0 and run["run_id"] is not None

    # the web service answered every read, before and during the run
    assert res["reads_idle"]["requests"] == 20
    for window in ("reads_idle", "reads_during_run"):
        assert res[window]["requests"] > 0, window
        assert res[window]["errors"] == 0, res[window]
        assert res[window]["p99_ms"] >= res[window]["p50_ms"] > 0

    # both writers wrote the same plan (rolled back); the set-based one all of it
    peers = res["peers"]
    assert "error" not in peers["bulk"] and "error" not in peers["row"], peers
    assert peers["bulk"]["written"] == peers["bulk"]["proposals"] == run["proposed"]
    assert peers["row"]["written"] == peers["row"]["proposals"]

    # the optimiser serves at least as many projects as first come, first served, both plans valid
    for cmp in (peers["comparison"], report["demo"]):
        opt, fcfs = cmp["optimiser"], cmp["fcfs"]
        assert opt["valid"] and fcfs["valid"]
        assert opt["served"] >= fcfs["served"] > 0
        assert 0 <= opt["load_gini"] <= 1 and 0 <= fcfs["load_gini"] <= 1
        assert cmp["urgent"] > 0 and opt["urgent_served"] <= cmp["urgent"]
    assert "optimiser / FCFS" in proc.stdout and "during the run" in proc.stdout
