"""The engine benchmark's parts; ``benchmarks/engine_bench.py`` is the program that runs them.

- ``sizes``: instance sizes as written on the command line, and memory units.
- ``peers``: the engine and the simple peers (first come, first served, greedy, scipy's
  assignment), each from the engine's own candidate pairs.
- ``exact``: the engine's model handed to CP-SAT, and its LP relaxation solved by HiGHS.
- ``metrics``: what is measured about a plan (validity, objective, served, load spread).
- ``tasks``: what one measuring process does (a method, the stability run, the suggestions).
- ``runner``: the measuring processes, and one instance measured with every peer.
- ``report``: the tables, the targets and their verdicts.
- ``cli``: the command line.

The modules import ``city`` (``benchmarks/city.py``) and the engine as top-level modules: the
program puts ``benchmarks/`` and the checkout on ``sys.path`` before it imports them.
"""
