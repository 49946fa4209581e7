"""OR-Library GAP instances (``data/gap/``) as the arrays the hours-budget solver takes.

Used by ``gap_bench.py`` and by ``tests/matching/test_gap.py``; not part of the engine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_orlib(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read an OR-Library GAP file into ``(cost[m, n], weight[m, n], capacity[m])``.

    The files are minimisation instances where every job must be placed; solve them with
    ``solve_gap(*orlib_pairs(cost, weight, capacity), must_assign=True)``, whose objective is
    then the negated minimum cost.
    """
    tokens = np.array(Path(path).read_text().split(), dtype=np.int64)
    m, n = int(tokens[0]), int(tokens[1])
    need = 2 + 2 * m * n + m
    if tokens.size < need:
        raise ValueError(f"{path}: expected {need} integers, found {tokens.size}")
    cost = tokens[2 : 2 + m * n].reshape(m, n)
    weight = tokens[2 + m * n : 2 + 2 * m * n].reshape(m, n)
    capacity = tokens[2 + 2 * m * n : need].copy()
    return cost, weight, capacity


def orlib_pairs(cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray):
    """Dense minimisation data as the sparse maximisation pairs that ``solve_gap`` takes.

    Profit is the negated cost, so with ``must_assign=True`` maximising profit minimises cost and
    no "big M" offset can distort float precision or the relative gap.
    """
    m, n = cost.shape
    agent, job = np.divmod(np.arange(m * n), n)
    return -cost.ravel(), job, agent, weight.ravel(), np.asarray(capacity)
