"""The batch benchmark's parts; ``benchmarks/batch_bench.py`` is the program that runs them.

- ``common``: sizes, targets, the reader's account, the program the child processes run.
- ``databases``: a fresh database per size, the city loaded into it, dropped at the end.
- ``peers``: on one snapshot, the optimiser against first come, first served, and both
  writers inside a transaction that is rolled back.
- ``run``: the real run of the batch job, its phases timed; the expiry two days later.
- ``reader``: the steady reads sent to the web service meanwhile, and their latency figures.
- ``demo``: the demo county's comparison.
- ``measure``: one size end to end, each part in its own process.
- ``report``: the tables.
- ``cli``: the command line, and the entry of the child processes (``--child``).

The modules import ``city_db``, ``engine`` (from ``benchmarks/``) and the project as top-level
modules: the program puts ``benchmarks/`` and the checkout on ``sys.path`` before it imports them.
"""
