"""Multi-exchange search for the hours-budget (GAP) solver.

On tight budgets (OR-Library type d) an improving change moves several jobs at once: job 1
goes to unit B, pushing out job 2, which goes to unit C, pushing out job 3, and so on, until
the last job lands on a unit with room (a path) or on the unit job 1 left (a cycle). Shift and
swap moves are the shortest of these; the tabu search in :mod:`matching.gap.search` looks at
chains of two. Here each step finds the best chain of up to ``depth`` jobs over all jobs at once.

The improvement graph has one node per job; arc ``j -> k`` means "j moves to k's unit and k
leaves it". As long as a chain visits every unit at most once, each unit's change of load
depends on one arc only, so the chain's effect is the sum of its arcs' effects, and the best
chain of each length ending at each job is found by label correcting, one numpy pass over the
``n x n`` arcs per length (the units each label has touched kept beside it). Keeping only the
best label per job is a heuristic: it can miss a chain, never accept a wrong one (chains are
checked before use).

The search runs through over-budget plans: excess hours cost a price per unit. When no chain
improves the priced objective, the prices move: up on the units over budget (in proportion to
their excess) or, when the plan is within budget, down by random factors, so the search keeps
oscillating around the budget boundary. After ``patience`` steps without a new best plan it
restarts from the best one with a few jobs moved at random. With ``accept`` above zero it may
restart from the best plan of the stretch since the last restart instead, when that is within
``accept`` (relative) of the best: a random walk over nearby local optima, which finds other
regions where restarts from the best alone keep falling back into the same one. All of it is a
fixed number of steps with a seeded generator, so a run is reproducible.

:class:`ExchangeWorker` runs a second search in a child process, so that a second trajectory
can use the second core (the search is Python and holds the interpreter lock). The child runs
this file as a script: it needs nothing but numpy and the standard library, so keep it free of
imports from the rest of the package.
"""

from __future__ import annotations

import contextlib
import math
import pickle
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["MAX_UNITS", "ExchangeSearch", "ExchangeWorker", "ExchangeWorkerError"]

# Each label keeps the set of units its chain has touched as a row of a jobs x units matrix;
# past this many units that costs more than it finds.
MAX_UNITS = 64


class _Scratch:
    """Work arrays of :func:`_best_chain`, allocated once per search: fresh ``n x n`` arrays
    on every step cost more than the arithmetic on them."""

    def __init__(self, n: int) -> None:
        self.p_in = np.empty((n, n))
        self.slack = np.empty((n, n))
        self.arc = np.empty((n, n))
        self.cand = np.empty((n, n))


def _best_chain(P: NDArray[np.float64], W: NDArray[np.float64], cap: NDArray[np.float64],
                a: NDArray[np.int64], load: NDArray[np.float64], price: NDArray[np.float64],
                depth: int, ws: _Scratch) -> tuple[float, NDArray[np.int64] | None]:
    """The best priced chain from plan ``a``: ``(delta, new_plan)``, or ``(0.0, None)``.

    ``delta`` is the change of (price of excess - profit); only negative ones count. The
    ``n x n`` arrays are laid out ``[k, j]`` (arc ``j -> k``), so that the best predecessor of
    every job is a reduction along contiguous rows. A job's current pair is always allowed, so
    the forbidden ones (``P = -inf``) come out as ``+inf`` arcs and landings by themselves.
    """
    M, n = P.shape
    jobs = np.arange(n)
    cp = P[a, jobs]
    wa = W[a, jobs]
    excess = load - cap
    pen = price * np.maximum(excess, 0.0)
    # j leaves its unit with nothing coming in (the first job of a path).
    relief = price[a] * np.maximum(load[a] - wa - cap[a], 0.0) - pen[a]
    # arc[k, j]: j moves to k's unit, which k leaves.
    p_in, slack, arc = ws.p_in, ws.slack, ws.arc
    P.take(a, axis=0, out=p_in)
    W.take(a, axis=0, out=slack)
    slack += (excess[a] - wa)[:, None]  # k's unit once k has left and j came, over budget
    np.maximum(slack, 0.0, out=slack)
    slack *= price[a][:, None]
    np.subtract(cp[None, :], p_in, out=arc)
    arc += slack
    arc -= pen[a][:, None]
    # land[i, k]: k lands on unit i without pushing anyone out (the last job of a path).
    over = W + load[:, None]
    over -= cap[:, None]
    np.maximum(over, 0.0, out=over)
    over *= price[:, None]
    land = cp[None, :] - P
    land += over
    land -= pen[:, None]
    land[a, jobs] = np.inf
    dist = np.zeros(n)
    # used[i, j]: whether the best chain ending at job j has touched unit i (its own included).
    own = np.zeros((M, n), dtype=bool)
    own[a, jobs] = True
    used = own.copy()
    start = jobs.copy()
    preds = []
    best_v, best = -1e-9, None
    cand = ws.cand
    for t in range(depth + 1):
        free = np.where(used, np.inf, land)
        val = dist + relief[start] + free.min(axis=0)
        k = int(val.argmin())
        if val[k] < best_v:
            best_v, best = val[k], ("path", t, k, int(free[:, k].argmin()))
        if t >= 1:
            close = dist + arc[start, jobs]
            k = int(close.argmin())
            if close[k] < best_v:
                best_v, best = close[k], ("cycle", t, k, -1)
        if t == depth:
            break
        # Row i of where(used, inf, dist): the labels a chain may extend into unit i (those
        # whose chains have not touched i yet); row a[k] of it goes with the arcs into k.
        np.where(used, np.inf, dist).take(a, axis=0, out=cand)
        cand += arc
        prev = cand.argmin(axis=1)
        # A job no chain of this length reaches keeps an infinite label, and with it can
        # neither close nor extend a chain: its other fields need no reset.
        dist = cand[jobs, prev]
        if dist.min() == np.inf:
            break
        preds.append(prev)
        used = used[:, prev]
        used |= own
        start = start[prev]
    if best is None:
        return 0.0, None
    kind, t, k, unit = best
    seq = [k]
    for r in range(t - 1, -1, -1):
        seq.append(int(preds[r][seq[-1]]))
    seq.reverse()
    units = [int(a[s]) for s in seq]
    if len(set(units)) != len(units) or (kind == "path" and unit in units[1:]):
        return 0.0, None  # a stale label; never apply a chain that reuses a unit
    new = a.copy()
    for s in range(t):
        new[seq[s]] = units[s + 1]
    new[seq[t]] = units[0] if kind == "cycle" else unit
    return best_v, new


class ExchangeSearch:
    """A priced multi-exchange search whose state carries over from one call to the next.

    ``P`` (units x jobs, ``-inf`` where a job cannot go), ``W`` and ``cap`` describe the
    problem; a unit with ``cap = inf`` stands for "unplaced" when placing is optional.
    """

    a: NDArray[np.int64] | None  # the current plan, None before the first run
    load: NDArray[Any]  # float hours per unit (bincount with weights)
    price: NDArray[np.float64]
    last: int  # the step of the last new best or restart
    walled: bool

    def __init__(self, P: NDArray[np.float64], W: ArrayLike, cap: ArrayLike,
                 seed: int, depth: int = 6, grow: float = 0.2, patience: int = 150, kick: int = 5,
                 accept: float = 0.0) -> None:
        self.P = P
        self.W = np.where(np.isfinite(P), W, 0).astype(np.float64)
        self.cap = np.asarray(cap, dtype=np.float64)
        M, n = P.shape
        if M > MAX_UNITS:
            raise ValueError(f"at most {MAX_UNITS} units")
        self.jobs = np.arange(n)
        self.depth = max(1, min(M, depth))
        self.grow, self.patience, self.kick = grow, patience, min(n, kick)
        self.accept = accept
        self.rng = np.random.default_rng(seed)
        fin = np.isfinite(P)
        self.fin = fin
        self.scratch = _Scratch(n)
        self.price0 = float(np.abs(P[fin]).mean()) / max(float(self.W[fin].mean()), 1.0)
        self.a = None
        self.best: NDArray[np.int64] | None = None
        self.best_value = -math.inf
        # The best within-budget plan since the last restart (see ``accept``).
        self.stretch: NDArray[np.int64] | None = None
        self.stretch_value = -math.inf
        self.steps = 0

    def _reset(self, plan: NDArray[np.int64]) -> None:
        self.a = plan.copy()
        self.load = np.bincount(self.a, weights=self.W[self.a, self.jobs],
                                minlength=self.P.shape[0])
        self.price = np.full(self.P.shape[0], self.price0)
        self.last = self.steps

    def run(self, start: NDArray[np.int64], start_value: float, max_steps: int,
            deadline: float = math.inf) -> NDArray[np.int64] | None:
        """Continue for ``max_steps`` steps; a ``start`` better than anything seen so far
        (``start_value`` its profit, ``-inf`` if over budget) becomes the current plan.
        Returns the best within-budget plan seen so far, or ``None``. ``deadline``
        (``time.perf_counter()``) is a guard only; ``self.walled`` says when it cut in."""
        P, W, cap, jobs = self.P, self.W, self.cap, self.jobs
        start = np.asarray(start, dtype=np.int64)
        if not np.all(np.isfinite(P[start, jobs])):
            return self.best
        if self.a is None or start_value > self.best_value + 1e-9:
            self._reset(start)
        assert self.a is not None  # set by the reset of the first call
        self.walled = False
        for step in range(max_steps):
            if step % 16 == 15 and time.perf_counter() > deadline:
                self.walled = True
                break
            self.steps += 1
            excess = np.maximum(self.load - cap, 0.0)
            over = float(excess.sum())
            if over <= 1e-9:
                value = float(P[self.a, jobs].sum())
                if value > self.best_value + 1e-9:
                    self.best, self.best_value = self.a.copy(), value
                    self.last = self.steps
                if self.accept and value > self.stretch_value + 1e-9:
                    self.stretch, self.stretch_value = self.a.copy(), value
            if self.best is not None and self.steps - self.last > self.patience:
                # Long without a new best: back to the best plan (or a nearly as good one
                # of the last stretch), shaken, fresh prices.
                plan = self.best.copy()
                if (self.stretch is not None and self.stretch_value
                        >= self.best_value - self.accept * abs(self.best_value)):
                    plan = self.stretch.copy()
                self.stretch, self.stretch_value = None, -math.inf
                for j in self.rng.choice(jobs.size, size=self.kick, replace=False):
                    options = np.nonzero(self.fin[:, j])[0]
                    plan[j] = options[self.rng.integers(options.size)]
                self._reset(plan)
                continue
            _, new = _best_chain(P, W, cap, self.a, self.load, self.price, self.depth,
                                 self.scratch)
            if new is not None:
                self.a = new
                self.load = np.bincount(new, weights=W[new, jobs], minlength=P.shape[0])
            elif over > 1e-9:
                self.price = self.price * (1.0 + self.grow * excess / excess.max())
            else:
                self.price = self.price * (1.0 - 0.5 * self.grow
                                           * self.rng.random(self.price.size))
        if float(np.maximum(self.load - cap, 0.0).sum()) <= 1e-9:
            value = float(P[self.a, jobs].sum())
            if value > self.best_value + 1e-9:
                self.best, self.best_value = self.a.copy(), value
                self.last = self.steps
        return self.best


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The child side of :class:`ExchangeWorker` (this file run as a script): the problem,
    then one slice per message until a ``None``, pickles in and out."""
    P, W, cap, seed, params = pickle.load(stdin)
    search = ExchangeSearch(P, W, cap, seed, **params)
    while (msg := pickle.load(stdin)) is not None:
        start, start_value, steps, seconds = msg
        best = search.run(start, start_value, steps, time.perf_counter() + seconds)
        pickle.dump((best, search.best_value, search.walled), stdout, pickle.HIGHEST_PROTOCOL)
        stdout.flush()


class ExchangeWorker:
    """An :class:`ExchangeSearch` in a child process, driven one slice at a time.

    The child is a fresh interpreter running this file, talking over its standard input and
    output; unlike ``multiprocessing`` it never re-imports the caller's main script, and no
    solver threads are forked. It starts importing at once, so it is usually ready by the time
    the first slice is sent. Any failure of the child shows up as
    :class:`ExchangeWorkerError`, and callers carry on without it.
    """

    def __init__(self, P: NDArray[np.float64], W: ArrayLike, cap: ArrayLike, seed: int,
                 **params: Any) -> None:
        # -P: the script's folder (this package) stays off the child's module path, where its
        # modules could shadow others of the same name.
        self._proc = subprocess.Popen(
            [sys.executable, "-P", str(Path(__file__).resolve())], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, close_fds=True)
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None  # both are pipes
        self._stdin, self._stdout = stdin, stdout
        self._busy = False
        self._send((P, W, cap, seed, params))

    def _send(self, msg: object) -> None:
        try:
            pickle.dump(msg, self._stdin, pickle.HIGHEST_PROTOCOL)
            self._stdin.flush()
        except (OSError, ValueError) as exc:
            raise ExchangeWorkerError(f"exchange worker unreachable: {exc}") from exc

    def submit(self, start: NDArray[np.int64], start_value: float, steps: int,
               seconds: float) -> None:
        """Start a slice of ``steps`` steps; ``seconds`` is the wall-clock guard."""
        self._send((np.asarray(start, dtype=np.int64), float(start_value), int(steps),
                    max(0.0, float(seconds))))
        self._busy = True

    def result(self, timeout: float
               ) -> tuple[NDArray[np.int64] | None, float, bool]:
        """``(best plan or None, its value, whether the wall guard cut in)``; ``timeout``
        may be ``math.inf`` (wait for as long as the child lives)."""
        try:
            ready, _, _ = select.select([self._stdout], [], [],
                                        None if math.isinf(timeout) else timeout)
            if not ready:
                # Still working: it stays busy, so that close() stops it at once.
                raise ExchangeWorkerError(f"exchange worker silent for {timeout:.1f} s")
            out: tuple[NDArray[np.int64] | None, float, bool] = pickle.load(self._stdout)
        except (OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:
            raise ExchangeWorkerError(f"exchange worker lost: {exc!r}") from exc
        self._busy = False
        return out

    def close(self) -> None:
        """Stop the child: politely when it is idle, else at once."""
        try:
            if not self._busy and self._proc.poll() is None:
                self._send(None)
                self._stdin.close()
                self._proc.wait(1.0)
        except (ExchangeWorkerError, OSError, subprocess.TimeoutExpired):
            pass
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for stream in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):
                stream.close()


class ExchangeWorkerError(RuntimeError):
    """The child process of an :class:`ExchangeWorker` failed or did not answer in time."""


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
