"""The engine against its peers on seeded city instances: a program, not a timed test.

    python benchmarks/engine_bench.py                       # 1k and 10k, all peers
    python benchmarks/engine_bench.py --sizes 1k,10k,100k --json bench.json
    python benchmarks/engine_bench.py --smoke               # tiny sizes, seconds (CI)

Every (size, method) runs in its own process forked from a server that has only imported the
libraries, so one method's peak memory never shows up in another's. Each process starts from
the raw numpy columns on disk and is timed from `make_problem_arrays` to the plan; the peak
resident set is `getrusage` of that process. Every plan then goes through the engine's
validator and is scored with the engine's objective, so the objective column compares like
with like. See benchmarks/README.md for what each column means.

The program is the package ``engine/`` beside this file (see its ``__init__``); this file puts
``benchmarks/`` and the checkout on ``sys.path`` and runs its command line.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from engine.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
