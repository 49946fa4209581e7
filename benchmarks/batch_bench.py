"""The batch job end to end on a real database, with the web service answering reads meanwhile.

    python benchmarks/batch_bench.py --sizes smoke             # a few hundred projects, seconds (CI)
    python benchmarks/batch_bench.py --sizes 10k,100k --json out.json

For each size: a generated city (``city.py``) of N open projects (优化派单, 已发布) and about N/10
resources is written into a fresh database with COPY (``city_db.py``), on a private embedded
PostgreSQL, or on ``SANDAN_DATABASE_URL``'s server when set (a new database, dropped at the end).
Then, each in its own process:

1. **Peers on the same snapshot** (nothing kept): the optimiser against first-come-first-served
   claiming on the engine's own candidate pairs (projects served, urgent projects served, load
   spread over units); and the write phase with both writers, the set-based one
   (``catalog.batch.bulk``) and the one-by-one one (``write_plan``, kept in tests/catalog/oracle.py), each inside
   a transaction that is rolled back. Above ``--row-max`` proposals the one-by-one writer
   writes only its first ``--row-max`` and the report gives its measured rate.
2. **The run**: ``sandan serve`` on the same database and a reader sending typical reads at a
   steady rate (public board, project and unit lists, details); after an idle baseline
   (counted in answered reads), ``catalog.batch.job.run_batch`` runs for real, phases timed (sweep, snapshot, solve, write).
   The report gives each phase, the total against the 30 s target, the batch process's peak
   memory, and the reads' count, p50/p95/p99 and errors during the run against the 300 ms
   target, next to the idle baseline.

Finally the demo county (``catalog.demo.build.load_demo``, with its accepted needs opened as 优化派单
projects) gets the same optimiser-vs-FCFS comparison. Every figure comes from this run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

SIZES = {"smoke": 300, "1k": 1_000, "10k": 10_000, "100k": 100_000}
TARGET_SECONDS = 30.0
TARGET_P99_MS = 300.0
MiB = 1 << 20
BENCH_USER, BENCH_PASSWORD = "bench-alliance", "bench-password-2024"


def parse_size(s: str) -> int:
    s = s.strip().lower()
    if s in SIZES:
        return SIZES[s]
    mult = {"k": 1_000, "m": 1_000_000}.get(s[-1], 1)
    return int(float(s.rstrip("km")) * mult)


def fmt_size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


# ---------------------------------------------------------------------------------------------
# databases
# ---------------------------------------------------------------------------------------------

def admin_dsn(data_dir: Path) -> str:
    url = os.environ.get("SANDAN_DATABASE_URL")
    if url:
        return url
    from catalog.storage.db import embedded_dsn

    return embedded_dsn(data_dir, "postgres")


def with_database(dsn: str, name: str) -> str:
    head, _, tail = dsn.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{tail}" if tail else "")


async def fresh_database(admin: str) -> tuple[str, str]:
    import asyncpg

    from catalog.storage.db import ensure_database
    from catalog.storage.migrate import migrate

    name = f"sandan_bench_{uuid.uuid4().hex[:10]}"
    await ensure_database(admin, name)
    dsn = with_database(admin, name)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return name, dsn


async def drop_database(admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def load(dsn: str, n: int, seed: int) -> dict:
    import asyncpg
    from city_db import load_city

    from catalog.enums import Role
    from catalog.models import AccountIn
    from catalog.oversight.sweep import mark_time_limits
    from catalog.people import accounts
    from catalog.storage.db import _init_connection

    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    try:
        t0 = time.perf_counter()
        counts = await load_city(conn, n, seed=seed)
        counts["load_seconds"] = time.perf_counter() - t0
        # A city with this many open projects has had sweeps before: the previous one ran a
        # quarter of an hour ago (outside the timed run, which then sweeps what changed since, as
        # a cron-driven run does). This first sweep of a database that never had one is timed
        # on its own: it colours every clock and raises every overdue item at once.
        t0 = time.perf_counter()
        await mark_time_limits(conn, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=15))
        counts["first_sweep_seconds"] = time.perf_counter() - t0
        # the county-wide administrator the reader logs in as
        await accounts.create_account(conn, AccountIn(username=BENCH_USER, display_name="联盟管理员",
                                                      password=BENCH_PASSWORD, role=Role.STREET_ADMIN))
    finally:
        await conn.close()
    return counts


async def vacuum(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


# ---------------------------------------------------------------------------------------------
# the optimiser against first come, first served, on one snapshot
# ---------------------------------------------------------------------------------------------

def compare_plans(a, urgent_ids: set[str], seed: int) -> dict:
    """Optimiser and FCFS claiming on the same arrays (a snapshot's) and the same candidate pairs."""
    from engine_bench import _candidates, gini, run_fcfs

    from catalog.batch.summary import PARAMS
    from matching import solve_arrays, validate_arrays
    from matching.rules import unit_nominal

    params = PARAMS
    c = _candidates(a, params)
    reachable = np.zeros(a.n_units, bool)
    reachable[a.r_unit[c.r]] = True
    nominal = unit_nominal(a, params)
    urgent = np.array([str(i) in urgent_ids for i in a.project_ids.tolist()], bool)
    out = {"projects": a.n_projects, "resources": a.n_resources, "units": a.n_units,
           "units_reachable": int(reachable.sum()), "urgent": int(urgent.sum()), "pairs": len(c.p)}
    for name in ("optimiser", "fcfs"):
        t0 = time.perf_counter()
        if name == "optimiser":
            plan = solve_arrays(a, params, seed=seed)
            p, r = plan.p, plan.r
        else:
            p, r, _ = run_fcfs(a, params, seed, {})
        secs = time.perf_counter() - t0
        v = validate_arrays(a, p, r, params)
        served = np.bincount(p, minlength=a.n_projects) >= a.p_k
        load = np.bincount(a.r_unit[r], minlength=a.n_units)[reachable]
        ratio = load / nominal[reachable]
        out[name] = {
            "seconds": secs, "valid": bool(v.ok), "objective": int(v.objective_scaled),
            "served": int(served.sum()), "served_pct": 100.0 * served.mean() if len(served) else 0.0,
            "urgent_served": int((served & urgent).sum()),
            "urgent_served_pct": 100.0 * (served & urgent).sum() / max(1, urgent.sum()),
            "load_max": int(load.max()) if len(load) else 0,
            "load_mean": float(load.mean()) if len(load) else 0.0,
            "load_gini": gini(ratio),
            "units_idle_pct": 100.0 * float((load == 0).mean()) if len(load) else 0.0,
            "units_full_pct": 100.0 * float((ratio >= 1.0).mean()) if len(load) else 0.0,
        }
    o, f = out["optimiser"], out["fcfs"]
    out["ratios"] = {
        "served": o["served"] / max(1, f["served"]),
        "urgent_served": o["urgent_served"] / max(1, f["urgent_served"]),
        "load_gini": o["load_gini"] / f["load_gini"] if f["load_gini"] else float("nan"),
    }
    return out


async def _urgent_ids(conn, snap) -> set[str]:
    """The snapshot's urgent projects, by their engine id (``projects.id``) as text."""
    rows = await conn.fetch("SELECT id FROM projects WHERE id = ANY($1::bigint[]) AND urgency = 'urgent'",
                            snap.arrays.project_ids.tolist())
    return {str(r["id"]) for r in rows}


# ---------------------------------------------------------------------------------------------
# child: peers on one snapshot (comparison, both writers rolled back)
# ---------------------------------------------------------------------------------------------

async def _write_rolled_back(pool, writer, snap, plan, proposed, skipped) -> dict:
    from catalog.batch.summary import BatchSummary

    summary = BatchSummary(scope=str(snap.scope), seed=0, dry_run=False, proposed=list(proposed),
                           skipped=list(skipped))
    started_at = dt.datetime.now(dt.UTC)  # before the transaction: a run never finishes before it starts
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            t0 = time.perf_counter()
            summary = await writer(conn, snap, plan, summary, started_at)
            secs = time.perf_counter() - t0
        finally:
            await tx.rollback()
    return {"seconds": secs, "proposals": len(proposed), "written": len(summary.proposed),
            "per_proposal_ms": 1000.0 * secs / max(1, len(proposed))}


async def child_peers(dsn: str, seed: int, row_max: int) -> dict:
    from catalog.batch import bulk as batch_bulk, plan as batch_plan, snapshot as batch_snapshot
    from catalog.storage.db import create_pool
    from tests.catalog.oracle import write_plan

    pool = await create_pool(dsn, min_size=1, max_size=4)
    try:
        snap = await batch_snapshot.take_snapshot(pool)
        async with pool.acquire() as conn:
            urgent = await _urgent_ids(conn, snap)
        out = {"comparison": compare_plans(snap.arrays, urgent, seed)}
        plan = await asyncio.to_thread(batch_plan.solve, snap, seed)
        proposed, skipped = batch_plan.proposals_of(plan)
        part = proposed[:row_max]
        for key, writer, todo in (("bulk", batch_bulk.write_plan_bulk, proposed), ("row", write_plan, part)):
            try:
                out[key] = await _write_rolled_back(pool, writer, snap, plan, todo, skipped)
            except Exception as exc:  # one writer failing still leaves the other's figures
                out[key] = {"error": f"{type(exc).__name__}: {exc}"}
            out[key]["sampled"] = len(todo) < len(proposed)
            out[key]["of"] = len(proposed)
        return out
    finally:
        await pool.close()


# ---------------------------------------------------------------------------------------------
# child: the real run, phases timed
# ---------------------------------------------------------------------------------------------

async def child_run(dsn: str, seed: int, writer: str, nice: int, embedded: str = "-") -> dict:
    from catalog.batch import (
        bulk as batch_bulk,
        job as batch,
        plan as batch_plan,
        snapshot as batch_snapshot,
        write as batch_write,
    )
    from catalog.cli.batch import lower_priority
    from catalog.storage.db import embedded_dsn
    from tests.catalog.oracle import write_plan

    # as `sandan batch` does before its run: lower its priority, and join the embedded server
    # (whose processes working for the run then share that priority)
    lower_priority(nice)
    if embedded != "-":
        await asyncio.to_thread(embedded_dsn, Path(embedded))

    phases: dict[str, float] = {}
    running: set[str] = set()  # a phase function calling another of the same phase counts once

    def timed(name, fn, is_async):
        if is_async:
            async def wrapper(*a, **k):
                if name in running:
                    return await fn(*a, **k)
                running.add(name)
                t0 = time.perf_counter()
                try:
                    return await fn(*a, **k)
                finally:
                    phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0
                    running.discard(name)
        else:
            def wrapper(*a, **k):
                if name in running:
                    return fn(*a, **k)
                running.add(name)
                t0 = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0
                    running.discard(name)
        return wrapper

    # run_batch looks its phases up in their modules at call time, so timing them (and choosing
    # the writer) needs no change to the batch job itself
    write = batch_bulk.write_plan_bulk if writer == "bulk" else write_plan
    batch.sweep = timed("sweep", batch.sweep, True)
    batch.sweep_time_limits = timed("sweep", batch.sweep_time_limits, True)
    batch_snapshot.take_snapshot = timed("snapshot", batch_snapshot.take_snapshot, True)
    batch_snapshot.engine_problem = timed("snapshot.to_arrays", batch_snapshot.engine_problem, False)
    batch_plan.solve = timed("solve", batch_plan.solve, False)
    batch_bulk.write_plan_bulk = timed("write", write, True)
    batch_write.explain_proposals = timed("write.explain", batch_write.explain_proposals, False)
    batch_bulk.explain_proposals = timed("write.explain", batch_bulk.explain_proposals, False)
    batch_plan.proposals_of = timed("proposals", batch_plan.proposals_of, False)
    batch_plan.unmatched_of = timed("proposals", batch_plan.unmatched_of, False)
    # inside the solve: where its seconds go
    import matching

    for attr in ("solve_arrays", "validate_arrays", "runner_ups", "decode"):
        setattr(matching, attr, timed(f"solve.{attr}", getattr(matching, attr), False))
    # inside the snapshot: the reads against turning rows into the engine's records
    from catalog.storage.sql import q as query

    reads = {query("batch_open_projects"): "snapshot.read_projects",
             query("batch_open_resources"): "snapshot.read_resources"}
    import asyncpg

    class TimedReads(asyncpg.Connection):
        async def fetch(self, q, *a, **k):
            name = reads.get(q)
            if name is None:
                return await super().fetch(q, *a, **k)
            t0 = time.perf_counter()
            try:
                return await super().fetch(q, *a, **k)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0

    from catalog.storage.db import _init_connection

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4, init=_init_connection,
                                     connection_class=TimedReads,
                                     server_settings={"application_name": "sandan", "timezone": "Asia/Shanghai"})
    try:
        started = time.time()
        t0 = time.perf_counter()
        summary = await batch.run_batch(pool, seed=seed)
        total = time.perf_counter() - t0
        ended = time.time()
    finally:
        await pool.close()
    counts = summary.counts()
    return {"writer": writer, "nice": nice, "phases": phases, "total": total, "started": started, "ended": ended,
            "other": total - sum(v for k, v in phases.items() if "." not in k),
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "projects": summary.projects, "resources": summary.resources, "proposed": counts["proposed"],
            "skipped": counts["skipped"], "unmatched": counts["unmatched"], "status": summary.status,
            "run_id": summary.run_id}


async def child_expiry(dsn: str) -> dict:
    """The sweep's expiry when every pending proposal has run out at once (a whole run unanswered
    for its time to live): the proposals are made due, then ``expire_pending`` is timed."""
    import asyncpg

    from catalog.lists import work
    from catalog.storage.db import _init_connection

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2, init=_init_connection)
    try:
        due = await pool.fetchval("WITH d AS (UPDATE assignments SET expires_at = now() - interval '1 minute'"
                                  " WHERE status = 'pending' RETURNING 1) SELECT count(*) FROM d")
        t0 = time.perf_counter()
        expired = await work.expire_pending(pool)
        seconds = time.perf_counter() - t0
    finally:
        await pool.close()
    return {"due": due, "expired": expired, "seconds": seconds}


# ---------------------------------------------------------------------------------------------
# child: the reader
# ---------------------------------------------------------------------------------------------

async def child_reader(base: str, rps: float, n_projects: int, n_communities: int, stop_file: str,
                       out_file: str, seed: int, idle_reads: int, idle_file: str) -> None:
    """Typical reads at a steady rate, open loop: a request leaves every 1/rps seconds whether
    or not earlier ones came back, so a slow server shows up as latency, not as fewer requests.

    Creates ``idle_file`` once its first ``idle_reads`` requests have all been answered (or
    failed): the idle baseline is counted in reads, so that a slow start (its imports, the
    login's password hash) delays it rather than leaving it empty."""
    import aiohttp

    rng = np.random.default_rng(seed)
    samples: list[tuple[float, float, int, str, int]] = []  # sent at, ms, status, name, index
    idle_left = idle_reads
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base, timeout=timeout,
                                     connector=aiohttp.TCPConnector(limit=200)) as http:
        async with http.post("/api/v1/auth/login", json={"username": BENCH_USER, "password": BENCH_PASSWORD}) as r:
            token = (await r.json())["token"]
        auth = {"Authorization": f"Bearer {token}"}

        def pick() -> tuple[str, str, bool]:
            k = int(rng.integers(0, 8))
            pid = int(rng.integers(1, n_projects + 1))
            comm = int(rng.integers(0, n_communities))
            return [
                ("public board", "/api/v1/public/projects?limit=50", False),
                ("public board", f"/api/v1/public/projects?community=C{comm}&limit=20", False),
                ("public project", f"/api/v1/public/projects/XM{pid:07d}", False),
                ("league table", "/api/v1/public/units", False),
                ("project list", f"/api/v1/projects?community=C{comm}&limit=50", True),
                ("project detail", f"/api/v1/projects/{pid}", True),
                ("unit list", "/api/v1/units?limit=50", True),
                ("resource list", "/api/v1/resources?limit=50", True),
            ][k]

        async def one(index: int, name: str, path: str, authed: bool) -> None:
            nonlocal idle_left
            t = time.time()
            t0 = time.perf_counter()
            try:
                async with http.get(path, headers=auth if authed else None) as resp:
                    await resp.read()
                    status = resp.status
            except Exception:  # a refused or timed-out request is an error in the report
                status = 0
            samples.append((t, 1000.0 * (time.perf_counter() - t0), status, name, index))
            if index < idle_reads:
                idle_left -= 1
                if idle_left == 0:
                    Path(idle_file).touch()

        tasks = set()
        start = time.perf_counter()
        i = 0
        while not os.path.exists(stop_file):
            due = start + i / rps
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(i, *pick()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
        if tasks:
            await asyncio.wait(tasks, timeout=35)
    Path(out_file).write_text(json.dumps(samples), encoding="utf-8")


def latency(window: list, seconds: float) -> dict:
    """Figures of the reads in ``window`` (the reader's samples), sent over ``seconds``."""
    ms = np.array([s[1] for s in window])
    errors = [s for s in window if s[2] != 200]
    out = {"requests": len(window), "errors": len(errors), "seconds": seconds,
           "error_statuses": sorted({s[2] for s in errors})}
    if len(ms):
        out.update({"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
                    "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max())})
        by = {}
        for s in window:
            by.setdefault(s[3], []).append(s[1])
        out["by_endpoint"] = {k: {"requests": len(v), "p99_ms": float(np.percentile(v, 99))} for k, v in by.items()}
    return out


# ---------------------------------------------------------------------------------------------
# the demo county
# ---------------------------------------------------------------------------------------------

async def demo_comparison(admin: str, seed: int) -> dict:
    """The demo county, its accepted needs opened as 优化派单 projects (one per community and
    subcategory, through the real commands), optimiser against FCFS on its snapshot."""
    from decimal import Decimal

    from catalog.batch import snapshot as batch_snapshot
    from catalog.demo.build import load_demo
    from catalog.enums import DispatchMode, Role
    from catalog.lists import projects
    from catalog.models import Actor, ProjectIn
    from catalog.storage.db import create_pool

    name, dsn = await fresh_database(admin)
    try:
        pool = await create_pool(dsn, min_size=1, max_size=4)
        try:
            await load_demo(pool)
            rows = await pool.fetch("SELECT id, title, category_code, community_code, urgency FROM needs"
                                    " WHERE status = 'accepted' ORDER BY id")
            groups: dict[tuple[str, str], list] = {}
            for r in rows:
                groups.setdefault((r["community_code"], r["category_code"]), []).append(r)
            opened = 0
            for (community, category), needs in groups.items():
                secretary = Actor(role=Role.SECRETARY, ref=f"sec-{community}")
                urgency = "urgent" if any(n["urgency"] == "urgent" for n in needs) else needs[0]["urgency"]
                p = await projects.create_project(pool, ProjectIn(
                    need_ids=[n["id"] for n in needs], title=needs[0]["title"][:100], category_code=category,
                    community_code=community, estimated_hours=Decimal("2.0"), urgency=urgency,
                    dispatch_mode=DispatchMode.OPTIMISE), secretary)
                await projects.publish_project(pool, p.id, secretary)
                opened += 1
            snap = await batch_snapshot.take_snapshot(pool)
            async with pool.acquire() as conn:
                urgent = await _urgent_ids(conn, snap)
            out = compare_plans(snap.arrays, urgent, seed)
            out["opened_projects"] = opened
            out["accepted_needs"] = len(rows)
            return out
        finally:
            await pool.close()
    finally:
        await drop_database(admin, name)


# ---------------------------------------------------------------------------------------------
# the program
# ---------------------------------------------------------------------------------------------

def _child(kind: str, *args: str, timeout: float) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", kind, *args],
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
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, SANDAN_DATABASE_URL=dsn, SANDAN_PORT=str(port), SANDAN_HOST="127.0.0.1",
                   SANDAN_LOG_LEVEL="WARNING")
        server_log = open(tmp / f"serve_{n}.log", "w")
        server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve"], cwd=ROOT, env=env,
                                  stdout=server_log, stderr=subprocess.STDOUT)
        reader = None
        try:
            _wait_ready(base, server)
            stop_file, samples_file = tmp / f"stop_{n}", tmp / f"samples_{n}.json"
            idle_file = tmp / f"idle_{n}"
            idle_from, idle_to = args.warmup_reads, args.warmup_reads + args.baseline_reads
            reader = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--child", "reader", base, str(args.rps),
                 str(n), str(res["city"]["communities"]), str(stop_file), str(samples_file), str(args.seed),
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
            server_log.close()
        log(f"  {fmt_size(n)}: run done")
        # two days later nobody has answered: every proposal of the run expires in one sweep
        res["expiry"] = _child("expiry", dsn, timeout=args.timeout)
    finally:
        asyncio.run(drop_database(admin, name))
    return res


def _f(x, spec=".2f"):
    return format(x, spec) if isinstance(x, (int, float)) else "–"


def print_report(doc: dict, out) -> None:
    out(f"# sandan batch benchmark (seed {doc['seed']}, writer for the run: {doc['writer']})")
    m = doc["machine"]
    out(f"machine: {m['cpus']} CPUs, load average {m['load_before'][0]:.2f} before, {m['load_after'][0]:.2f} after; "
        f"python {m['python']}; database: {m['database']}")
    for res in doc["results"]:
        city = res.get("city", {})
        out(f"\n## {fmt_size(res['size'])}: {city.get('projects')} open projects, {city.get('resources')} resources, "
            f"{city.get('units')} units, {city.get('communities')} communities "
            f"(loaded by COPY in {_f(city.get('load_seconds'), '.1f')} s; the database's first sweep, "
            f"untimed in the run, took {_f(city.get('first_sweep_seconds'), '.1f')} s)")
        run = res.get("run", {})
        if "error" in run:
            out(f"run: ERROR {run['error']}")
        elif run:
            ph = run["phases"]
            out("| phase | sweep | snapshot | solve | proposals | write | other | total | vs 30 s target | peak MiB |")
            out("|---|---|---|---|---|---|---|---|---|---|")
            out(f"| seconds | {_f(ph.get('sweep'), '.3f')} | {_f(ph.get('snapshot'), '.3f')} | "
                f"{_f(ph.get('solve'), '.3f')} | {_f(ph.get('proposals'), '.3f')} | {_f(ph.get('write'), '.3f')} | "
                f"{_f(run['other'], '.3f')} | "
                f"**{run['total']:.3f}** | {run['total'] / TARGET_SECONDS:.2f}x of target "
                f"({'met' if run['total'] <= TARGET_SECONDS else 'missed'}) | {run['peak_rss'] / MiB:.0f} |")
            inner = ", ".join(f"{k} {v:.3f} s" for k, v in ph.items() if "." in k)
            out(f"  inside: {inner}")
            out(f"  run #{run['run_id']} ({run['writer']} writer, nice {run.get('nice', 0)}): {run['projects']} projects, "
                f"{run['resources']} resources in the snapshot; {run['proposed']} proposed, skipped {run['skipped']}, "
                f"unmatched {run['unmatched']}, plan {run['status']}")
        idle, during = res.get("reads_idle"), res.get("reads_during_run")
        if during:
            out("| reads | requests | errors | p50 ms | p95 ms | p99 ms | max ms |")
            out("|---|---|---|---|---|---|---|")
            for label, r in (("idle, before the run", idle), ("during the run", during)):
                out(f"| {label} | {r['requests']} | {r['errors']} | {_f(r.get('p50_ms'), '.1f')} | "
                    f"{_f(r.get('p95_ms'), '.1f')} | {_f(r.get('p99_ms'), '.1f')} | {_f(r.get('max_ms'), '.1f')} |")
            if "p99_ms" in during:
                verdict = "met" if during["p99_ms"] <= TARGET_P99_MS and not during["errors"] else "missed"
                ratio = during["p99_ms"] / idle["p99_ms"] if idle.get("p99_ms") else float("nan")
                out(f"  p99 during the run {during['p99_ms']:.1f} ms vs 300 ms target: "
                    f"{during['p99_ms'] / TARGET_P99_MS:.2f}x of target ({verdict}); {ratio:.1f}x the idle p99")
                worst = max(during["by_endpoint"].items(), key=lambda kv: kv[1]["p99_ms"])
                out(f"  slowest endpoint during the run: {worst[0]} (p99 {worst[1]['p99_ms']:.1f} ms)")
        expiry = res.get("expiry", {})
        if "error" in expiry:
            out(f"expiry: ERROR {expiry['error']}")
        elif expiry:
            out(f"  the sweep two days later, nobody having answered: {expiry['expired']} of {expiry['due']} "
                f"proposals expired in {expiry['seconds']:.3f} s")
        peers = res.get("peers", {})
        if "error" in peers:
            out(f"peers: ERROR {peers['error']}")
        elif peers:
            b, r = peers["bulk"], peers["row"]
            if "error" in b or "error" in r:
                out(f"  write phase, rolled back: set-based {b.get('error') or _f(b['seconds'], '.3f') + ' s'}; "
                    f"one by one {r.get('error') or _f(r['seconds'], '.3f') + ' s'}")
            else:
                sample = f" (first {r['proposals']} of {r['of']} proposals)" if r["sampled"] else ""
                out(f"  write phase, same plan, rolled back: set-based {b['seconds']:.3f} s for {b['proposals']} "
                    f"proposals ({b['per_proposal_ms']:.3f} ms each); one by one {r['seconds']:.3f} s{sample} "
                    f"({r['per_proposal_ms']:.3f} ms each): set-based is "
                    f"{r['per_proposal_ms'] / max(1e-9, b['per_proposal_ms']):.1f}x faster per proposal")
            print_comparison(f"{fmt_size(res['size'])} generated city", peers["comparison"], out)
    if doc.get("demo"):
        if "error" in doc["demo"]:
            out(f"\ndemo county: ERROR {doc['demo']['error']}")
        else:
            d = doc["demo"]
            out(f"\n## demo county: {d['accepted_needs']} accepted needs opened as {d['opened_projects']} "
                f"优化派单 projects")
            print_comparison("demo county", d, out)


def print_comparison(title: str, c: dict, out) -> None:
    out(f"\n### optimiser vs first come, first served: {title} ({c['projects']} projects, {c['urgent']} urgent, "
        f"{c['resources']} resources, {c['units_reachable']} of {c['units']} units with an eligible project)")
    out("| method | served | served % | urgent served | urgent % | max load | mean load | load Gini | "
        "units idle % | units full % | valid | seconds |")
    out("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, label in (("optimiser", "optimiser"), ("fcfs", "first come, first served")):
        m = c[key]
        out(f"| {label} | {m['served']} | {m['served_pct']:.1f} | {m['urgent_served']} | {m['urgent_served_pct']:.1f} | "
            f"{m['load_max']} | {m['load_mean']:.2f} | {m['load_gini']:.3f} | {m['units_idle_pct']:.1f} | "
            f"{m['units_full_pct']:.1f} | {'yes' if m['valid'] else 'NO'} | {m['seconds']:.3f} |")
    r = c["ratios"]
    out(f"  optimiser / FCFS: served {r['served']:.3f}x ({c['optimiser']['served'] - c['fcfs']['served']:+d}), "
        f"urgent served {r['urgent_served']:.3f}x "
        f"({c['optimiser']['urgent_served'] - c['fcfs']['urgent_served']:+d}), load Gini {r['load_gini']:.2f}x")


def main(argv=None) -> int:
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
    args = ap.parse_args(argv)
    if args.warmup_reads < 0 or args.baseline_reads < 1:
        ap.error("--warmup-reads must be at least 0 and --baseline-reads at least 1")
    if args.nice is None:
        from catalog.cli.batch import NICE

        args.nice = NICE

    if args.child:
        kind, rest = args.child[0], args.child[1:]
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


if __name__ == "__main__":
    sys.exit(main())
