"""One size end to end: the city loaded, the peers, the web service and the reader, the real
run, the expiry; each part that is measured runs in a process of its own."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .common import ROOT, SCRIPT, fmt_size
from .databases import drop_database, fresh_database, load, vacuum
from .reader import latency


def _child(kind: str, *args: str, timeout: float) -> dict:
    """``kind``'s figures from a process of its own: the program's last line of output, as JSON."""
    proc = subprocess.run([sys.executable, str(SCRIPT), "--child", kind, *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": f"{kind} process failed ({proc.returncode}): {proc.stderr[-2000:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the web service exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the web service did not become ready")


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float, what: str) -> None:
    """Until ``proc`` creates ``path``; the timeout only ends a run that hangs."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not done after {timeout:.0f} s")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _serve_and_run(args, dsn: str, n: int, communities: int, tmp: Path) -> dict:
    """``sandan serve`` on the size's database and the reader sending it reads; after the idle
    baseline, the real run in a process of its own. The run's figures and the reads' latency,
    idle and during the run."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SANDAN_DATABASE_URL=dsn, SANDAN_PORT=str(port), SANDAN_HOST="127.0.0.1",
               SANDAN_LOG_LEVEL="WARNING")
    res: dict = {}
    with open(tmp / f"serve_{n}.log", "w") as server_log:
        server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve"], cwd=ROOT, env=env,
                                  stdout=server_log, stderr=subprocess.STDOUT)
        reader = None
        try:
            _wait_ready(base, server)
            stop_file, samples_file = tmp / f"stop_{n}", tmp / f"samples_{n}.json"
            idle_file = tmp / f"idle_{n}"
            idle_from, idle_to = args.warmup_reads, args.warmup_reads + args.baseline_reads
            reader = subprocess.Popen(
                [sys.executable, str(SCRIPT), "--child", "reader", base, str(args.rps),
                 str(n), str(communities), str(stop_file), str(samples_file), str(args.seed),
                 str(idle_to), str(idle_file)],
                cwd=ROOT)
            # the warm-up and the idle baseline are reads answered, not seconds waited: on a busy
            # machine they take longer, never come out empty
            _wait_for(idle_file, reader, args.timeout, "the reader's idle reads")
            embedded = "-" if os.environ.get("SANDAN_DATABASE_URL") else str(Path(args.data_dir).resolve())
            run = _child("run", dsn, str(args.seed), args.writer, str(args.nice), embedded, timeout=args.timeout)
            time.sleep(0.5)
            stop_file.touch()
            reader.wait(timeout=60)
            samples = json.loads(samples_file.read_text())
            res["run"] = run
            idle = [s for s in samples if idle_from <= s[4] < idle_to]
            res["reads_idle"] = latency(idle, max(s[0] for s in idle) - min(s[0] for s in idle))
            if "started" in run:
                during = [s for s in samples if run["started"] <= s[0] <= run["ended"]]
                res["reads_during_run"] = latency(during, run["ended"] - run["started"])
        finally:
            if reader is not None and reader.poll() is None:
                reader.kill()
            _stop(server)
    return res


def measure_size(args, admin: str, n: int, tmp: Path, log) -> dict:
    name, dsn = asyncio.run(fresh_database(admin))
    res: dict = {"size": n}
    try:
        res["city"] = asyncio.run(load(dsn, n, args.seed))
        log(f"  {fmt_size(n)}: loaded {res['city']['projects']} projects, {res['city']['resources']} resources, "
            f"{res['city']['units']} units in {res['city']['load_seconds']:.1f} s")
        res["peers"] = _child("peers", dsn, str(args.seed), str(args.row_max), timeout=args.timeout)
        # the comparison's writes were rolled back: clear their dead rows as autovacuum would
        # before the real run, so that they do not slow its reads
        asyncio.run(vacuum(dsn))
        log(f"  {fmt_size(n)}: peers done")
        res.update(_serve_and_run(args, dsn, n, res["city"]["communities"], tmp))
        log(f"  {fmt_size(n)}: run done")
        # two days later nobody has answered: every proposal of the run expires in one sweep
        res["expiry"] = _child("expiry", dsn, timeout=args.timeout)
    finally:
        asyncio.run(drop_database(admin, name))
    return res
