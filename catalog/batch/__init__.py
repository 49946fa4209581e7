"""The engine's work on the catalog: the batch job (批量优化派单) and the per-unit suggestions.

``job`` runs sweep, snapshot, solve and write; ``bulk`` writes a plan set-based;
``engine_input`` turns rows into the engine's input; ``suggestions`` explains to one unit what
the engine would offer it.
"""
