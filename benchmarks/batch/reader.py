"""The reader: typical reads sent to the web service at a steady rate, and their figures."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import numpy as np

from .common import BENCH_PASSWORD, BENCH_USER


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
        by: dict[str, list[float]] = {}
        for s in window:
            by.setdefault(s[3], []).append(s[1])
        out["by_endpoint"] = {k: {"requests": len(v), "p99_ms": float(np.percentile(v, 99))} for k, v in by.items()}
    return out
