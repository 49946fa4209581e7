"""The numbers the GAP solver runs on: size limits, machine calibration and shares of the
time limit.

Every phase stops on a machine-independent budget (DP cells, moves, iterations, steps,
CP-SAT's deterministic time) worked out from these, so that a run does not depend on the
machine's speed; the wall clock is only a guard. The per-second rates were measured on the
2-core development machine.
"""

from __future__ import annotations

# Above this many DP cells (pairs x hours) per knapsack pass, the exact bound is too slow for
# the time budgets we are given and the knapsacks fall back to their LP (Dantzig) bound.
_MAX_DP_CELLS = 40_000_000
# The dense matrices for local search are skipped beyond this size (agents x jobs).
_MAX_DENSE = 8_000_000
# Swap moves look at all pairs of placed jobs; past this many jobs that is too slow per move.
_MAX_SWAP_JOBS = 1500
# CP-SAT deterministic time per second of wall clock. Measured on the 2-core development
# machine at 0.9 to 1.4 with two workers when idle and 0.4 to 0.6 under a load of 3 (it is
# shared); below that so the deterministic limit, not the wall clock, normally ends the
# search. The small single-worker sub-solves of the neighbourhood search get less done per
# second (model building, presolve): about 0.3 under that load.
_DTIME_PER_SECOND = 0.4
_LNS_DTIME_PER_SECOND = 0.25
# A single-worker CP-SAT run beside the tabu search (see the paired slices in portfolio.py).
_SOLO_DTIME_PER_SECOND = 0.2
# DP cells per second of the vectorised knapsack pass on that machine, so the Lagrangian phase
# can stop on work done, not on the clock.
_DP_CELLS_PER_SECOND = 3e7
# One LP knapsack pass costs about as much as this many DP cells per pair.
_LP_CELLS_PER_PAIR = 6
# Share of the time limit the Lagrangian phase may use; the rest goes to search.
_LAGRANGE_SHARE = 0.15
# Deterministic time for one neighbourhood sub-solve.
_LNS_DTIME = 0.03
# Move evaluations per second in the dense local search on that machine.
_MOVES_PER_SECOND = 2e7
# Cost of one tabu iteration on that machine under the load of shared use: a fixed part (a
# few dozen numpy calls) plus the cells of its move matrices.
_TS_ITER_SECONDS = 4e-4
_TS_CELLS_PER_SECOND = 2e7
# Jobs per tabu iteration whose swaps and chains are evaluated (against all jobs).
_TABU_ROWS = 50
# The multi-exchange search (matching.gap.exchange) replaces the tabu search up to this many jobs
# (its steps cost jobs squared per chain length) and MAX_UNITS units. A step costs a fixed
# part plus depth x jobs x (jobs + units) cells, measured on that machine with the second
# search (see _WORKER_MIN_LIMIT) running beside it: the two share the caches.
_MAX_EXCHANGE_JOBS = 400
_EXCHANGE_DEPTH = 6
_EX_STEP_SECONDS = 5e-4
_EX_CELLS_PER_SECOND = 1.8e8
# See the arm choice in portfolio.py.
_PAIRED_LEAD = 100
# With two workers and at least this time limit, a second exchange search runs in a child
# process beside the first (see the paired slices). It restarts from nearby local optima
# within this share of its best (``ExchangeSearch(accept=...)``), where the first always
# restarts from its best: on OR-Library type d the two reach different plans, and the second
# kind does better on 200 jobs. Below this limit starting a process costs too large a share.
_WORKER_MIN_LIMIT = 3.0
_WORKER_ACCEPT = 0.004
# Seconds the child may take past its own wall guard (its start-up, under load) before the
# solver gives up on it.
_WORKER_GRACE = 3.0
# Seconds to build one pair's variable, hint and constraint terms in the CP-SAT model (Python
# side), measured on that machine at about 25 microseconds.
_BUILD_SECONDS_PER_PAIR = 3e-5
# The search gets this share of the time limit, in slices of _SLICE; the wall clock stops it
# (as a guard only) at 1 - _FINAL_SHARE of the limit, leaving that to a last CP-SAT run.
_SEARCH_SHARE = 0.8
_SLICE = 0.1
_FINAL_SHARE = 0.1
# Up to this many pairs, a short plain CP-SAT run comes first.
_PROBE_PAIRS = 1000
# Above this many pairs, hinted CP-SAT runs skip presolve: on 200 jobs x 20 units of a tight
# instance it costs more than a slice's deterministic budget (see cpsat.py).
_PRESOLVE_PAIRS = 1000
