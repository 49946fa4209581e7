"""The engine's work on the catalog: the batch job (批量优化派单) and the per-unit suggestions.

What lives where, in the order a run goes through it:

* ``summary``: what every phase shares and nothing else: the run's actor and engine parameters,
  the scope, the summary a run fills in (``sandan batch --json``), the progress it reports, the
  labels of phases and skip codes. Every other module may import it; it imports none of them.
* ``job``: the run itself: the batch lock, the sweep, the four phases in order, timed.
* ``snapshot``: what a run reads, in one read-only transaction, as the engine's input.
* ``engine_input``: database rows as the engine's input (shared with ``suggestions``).
* ``plan``: the solve, the validator's check, and what the run reads off the plan.
* ``write``: the run record and explanations every writer ends with, and the one-by-one writer.
* ``bulk``: the set-based writer the run uses.
* ``runs``: the run records as people read them (the list, one run's detail).
* ``suggestions``: what the engine would offer one unit, on a click.

The terminal side of ``sandan batch`` (exit codes, CPU priority, progress display, the printed
summary) is :mod:`catalog.cli`'s. A new phase gets a module of its own and a line in
``job._phases``; a new field of the summary goes into ``summary``; a new way to read the run
records goes into ``runs``, its access check into :mod:`catalog.scoped`.
"""
