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
   (counted in answered reads), ``catalog.batch.job.run_batch`` runs for real, phases timed
   (sweep, snapshot, solve, write).
   The report gives each phase, the total against the 30 s target, the batch process's peak
   memory, and the reads' count, p50/p95/p99 and errors during the run against the 300 ms
   target, next to the idle baseline.

Finally the demo county (``catalog.demo.build.load_demo``, with its accepted needs opened as 优化派单
projects) gets the same optimiser-vs-FCFS comparison. Every figure comes from this run.

The program is the package ``batch/`` beside this file (see its ``__init__``); this file puts
``benchmarks/`` and the checkout on ``sys.path`` and runs its command line, in the parent process
and in each child process (``--child``) alike.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from batch.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
