"""The engine's work on the catalog: the batch job (批量优化派单) and the per-unit suggestions.

What lives where, in the order a run goes through it:

* ``summary``: what every phase shares and nothing else: the run's actor and engine parameters,
  the scope, the summary a run fills in (``sandan batch --json``), the progress it reports, the
  labels of phases and skip codes. Every other module may import it; it imports none of them.
* ``job``: the run itself: the batch lock, the sweep, the four phases in order, timed.
* ``engine_input``: database rows as the engine's columns (:class:`matching.ProjectColumns`,
  :class:`matching.ResourceColumns`), keyed by the rows' own ids; shared with ``suggestions``.
  The engine does every encoding (:func:`matching.build_problem`).
* ``snapshot``: what a run reads, in one read-only transaction, as the engine's arrays.
* ``plan``: the solve, the validator's check, the plan read once (:func:`matching.decode`),
  and the proposals and unmatched projects taken from it.
* ``write``: the explanations and the run record every writer ends with.
* ``bulk``: the set-based writer the run uses (its one-by-one oracle is in tests/catalog/oracle.py).
* ``runs``: the run records as people read them (the list, one run's detail), for the
  communities :mod:`catalog.scoped` says the reader may see.
* ``suggestions``: what the engine would offer one unit, on a click.

The terminal side of ``sandan batch`` (exit codes, CPU priority, progress display, the printed
summary) is :mod:`catalog.cli`'s. A new phase gets a module of its own and a line in
``job._phases``; a new field of the summary goes into ``summary``; a new column the engine needs
goes into ``engine_input`` and the engine's columns, never into an encoding of the catalog's own;
a new way to read the run records goes into ``runs``, its access check into :mod:`catalog.scoped`.
"""
