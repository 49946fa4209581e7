"""Hours-budget assignment: a generalised assignment problem (GAP) solver.

Units (agents) offer a budget of hours; projects (jobs) need some hours at a unit and bring a
profit there; each project goes to at most one unit (exactly one with ``must_assign``). The flow
engine hands us the components of its problem that carry hours budgets.

Method, in the order it runs:

0. Components of up to ``_PROBE_PAIRS`` pairs first get a short plain CP-SAT run, which closes
   most of them before anything else is set up.
1. Lagrangian relaxation of the one-unit-per-project constraints. What is left splits into one
   0-1 knapsack per unit, solved exactly by dynamic programming over hours (all units at once,
   vectorised). Subgradient steps on the multipliers give an upper bound that is far tighter
   than the LP bound on GAP.
2. Every few steps the knapsack solutions are repaired into a feasible assignment (drop double
   placements, place the rest by regret). When budgets are too tight for the repair, the
   exchange (or tabu) search started from the relaxation (or else CP-SAT) supplies the first plan.
3. Reduced-profit fixing: a pair whose forced use pulls the Lagrangian bound below the incumbent
   cannot be in any strictly better plan and leaves the model.
4. The search, in slices of the time limit, each going to the method whose last slice gained
   most:

   * CP-SAT on what is left after fixing, warm-started with the plan; its first slice proves
     optimality on loose components, and when few pairs survive it gets all the time;
   * up to ``_MAX_EXCHANGE_JOBS`` jobs and ``MAX_UNITS`` units, the multi-exchange search of
     :mod:`matching.gap.exchange`: at each step the best chain or cycle of up to
     ``_EXCHANGE_DEPTH`` jobs (job 1 to unit B pushing out job 2, job 2 to unit C, ...)
     over all jobs at once, through over-budget plans with adaptive prices per unit of
     excess hours; on tight budgets (OR-Library type d) every improvement is such a chain,
     which plain shift and swap cannot find. Past those sizes, a tabu search over shift,
     swap and two-step chains with the same kind of prices;
   * large neighbourhood search: CP-SAT re-solves the jobs of k units (random, or units that
     share plausible jobs by the Lagrangian costs), or the jobs where perturbed Lagrangian
     knapsacks disagree with the plan, keeping the rest fixed.

   No one method wins everywhere, hence the portfolio; on OR-Library type d the exchange
   search finds nearly every improvement.

   With two workers, once a CP-SAT slice has neither closed the component nor improved the
   plan, the slices are paired so that both cores work: the exchange or tabu search (Python,
   which holds the interpreter) runs in the calling thread while, in a second thread, a
   single-worker CP-SAT run on the reduced model or the neighbourhood search (native code,
   which releases it) starts from the same plan; the better of the two plans carries on.
   When no method gained in its last slice, the paired slice goes first, and within it
   single-worker CP-SAT (on type d, two-worker CP-SAT slices and the neighbourhoods stall
   while the exchange search keeps gaining). Where the exchange search applies and the time
   limit is at least ``_WORKER_MIN_LIMIT``, the partner is instead a second exchange search
   in a child process (:class:`matching.gap.exchange.ExchangeWorker`) on a trajectory of its own,
   restarting from nearby local optima rather than from its best; CP-SAT and the
   neighbourhoods take over should the child fail. Hinted CP-SAT runs
   on more than ``_PRESOLVE_PAIRS`` pairs skip presolve, which on 200 jobs x 20 units of a
   tight instance costs more than a slice's whole budget and would return nothing.
5. A last CP-SAT run on the reduced model tightens the bound and may still improve the plan.

Large components (more than ``_MAX_SWAP_JOBS`` jobs) skip the tabu search and get a shift and
swap local search instead.

The reported bound is the best proven one: the Lagrangian bound or CP-SAT's, whichever is lower
(CP-SAT's bound on a reduced model counts only together with the incumbent it was reduced
against).

Determinism: every phase stops on a machine-independent budget that is a fixed share of
``time_limit``: DP cells for the Lagrangian phase, steps for the exchange and tabu searches,
move counts for local search, CP-SAT's deterministic time for the rest; the portfolio's
choices depend only on objective values. CP-SAT runs with a fixed ``random_seed`` and, with
more than one worker, ``interleave_search``: plain multi-worker CP-SAT is not reproducible,
because its workers share bounds and solutions as they come. The two sides of a paired slice
each stop on their own budget and meet only when both are done, so which one finishes first
does not matter. The wall-clock limit is only a guard; when it fires first (a slow or loaded
machine) the result may differ between runs, and ``stats["wall_guard"]`` says so. With
``wall_guard=False`` there is no such guard: the run does all of its budgeted work, however long
that takes, and gives the result an unhurried machine gives.

Where things live (each module imports only from those above it in this list):

* ``budgets``: the tuning constants named above (size limits, machine calibration, shares of
  the time limit), with why each has its value;
* ``problem``: the caller's arrays checked and prepared (``_Problem``), ``GapResult`` and
  ``gap_violations``, the executable specification of a valid plan;
* ``knapsack``: the per-unit knapsacks, exact by DP or by their LP bound (step 1);
* ``search``: dense unit x job matrices: the repair of relaxed solutions (step 2), shift and
  swap local search, the tabu search;
* ``bound``: the Lagrangian phase (steps 1 and 2) and the reduced-profit fixing (step 3);
* ``cpsat``: one CP-SAT run, on the whole (reduced) model or a neighbourhood of it;
* ``neighbourhoods``: the large neighbourhood search;
* ``exchange``: the multi-exchange search and the child process that runs a second one (the
  child runs that file alone, so it imports nothing from the package);
* ``run``: what one call shares (problem, settings, clock, stats, the child) and its result;
* ``local``: slices of the exchange or tabu search, the child's slices, plans translated to the
  exchange search's terms;
* ``portfolio``: the scheduler of steps 3 to 5 (``_Portfolio``): which arm gets the next
  slice, the paired slices, CP-SAT on the fixed model, the incumbent and the bound;
* ``solver``: ``solve_gap``, and the phases before the search (steps 0 to 2, to a first plan).

The next piece goes in a module of its own beside those it uses: a new search method as a
module like ``neighbourhoods``, with one arm (a ``_Portfolio`` method for its slice, its name
in ``_Portfolio.arms``) in ``portfolio``; its constants in ``budgets``.
"""

from .exchange import MAX_UNITS, ExchangeSearch, ExchangeWorker, ExchangeWorkerError
from .problem import GapResult, gap_violations
from .solver import solve_gap

__all__ = ["GapResult", "solve_gap", "gap_violations", "ExchangeSearch", "ExchangeWorker",
           "ExchangeWorkerError", "MAX_UNITS"]
