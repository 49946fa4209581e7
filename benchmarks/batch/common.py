"""What the parts of the batch benchmark share: sizes, targets, the reader's account, and the
program every child process runs (``benchmarks/batch_bench.py --child ...``)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parents[1]  # benchmarks/
ROOT = HERE.parent
SCRIPT = HERE / "batch_bench.py"

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
