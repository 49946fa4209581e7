"""Connected components of the candidate graph, vectorised (hook and pointer-jump).

Resources of one unit share that unit's load cost, so unit nodes join the graph too: a
component is a piece of the problem whose plan cannot affect any other piece.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def connected_components(n_nodes: int, u: NDArray[Any], v: NDArray[Any]) -> NDArray[np.int64]:
    """Label of each node: the smallest node index in its component."""
    parent = np.arange(n_nodes, dtype=np.int64)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    while True:
        pu, pv = parent[u], parent[v]
        lo, hi = np.minimum(pu, pv), np.maximum(pu, pv)
        m = lo != hi
        if not m.any():
            return parent
        np.minimum.at(parent, hi[m], lo[m])
        while True:
            pp = parent[parent]
            if np.array_equal(pp, parent):
                break
            parent = pp
